//! Interpreters that misbehave, and what the session makes of them: structure only, never
//! the clock.
//!
//! Each attacker is a few lines of Python written to a temporary file and started as if it
//! were an interpreter (`Python::on`): it answers the probe as a Python would, then speaks
//! the protocol badly. It is the attacker, not the thing measured. Every batch still ends
//! with exactly one outcome per job, what was reported stands, and nothing it started
//! outlives the session.
//!
//! Every test needs `python3` (3.9 or newer) to run the attackers; without it, each prints a
//! note and passes.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use greet_core::{ErrorKind, GreetError, Model, Plan, Summary, Workload};
use model_python::{Kind, Python, PythonError};

#[path = "common/attacker.rs"]
mod attacker;

/// A directory of its own for each test's files.
fn scratch(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("greetbench-attacks-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// The attacker `body` as an executable "interpreter" in `dir`, run by the real python3;
/// `None` (with a note) where there is no python3.
fn attacker(dir: &std::path::Path, body: &str) -> Option<PathBuf> {
    attacker::write(dir, "python-attacker", body)
}

fn crunch_plan(count: usize, deadline: Option<Duration>) -> Plan {
    let mut p = Plan::new(Workload::Crunch, count, Vec::new());
    p.workers = 1;
    p.timeout = Duration::from_secs(10);
    p.deadline = deadline.map(|d| SystemTime::now() + d);
    p
}

fn kinds(outcomes: &[greet_core::Outcome]) -> Vec<Option<ErrorKind>> {
    outcomes
        .iter()
        .map(|o| o.error.as_ref().map(GreetError::kind))
        .collect()
}

#[test]
fn an_interpreter_that_never_stops_talking_is_stopped_at_the_deadline_and_missing_jobs_read_deadline()
 {
    let dir = scratch("chatty");
    // It never goes quiet: a ready every 0.1 s, and a new job reported every 0.5 s, so no
    // silence budget ever runs out. Its 40 jobs would take 20 s; the deadline is 2 s.
    let Some(python) = attacker(
        &dir,
        "ready()\nplan()\nfor i in range(40):\n    for _ in range(5):\n        ready()\n        time.sleep(0.1)\n    done(i)\nsys.stdin.read()",
    ) else {
        return;
    };
    let model = Python::new(Kind::Threads).on(&python);
    let plan = crunch_plan(40, Some(Duration::from_secs(2)));
    let batch = model
        .run(&plan)
        .expect("a record, whatever the interpreter does");
    let s = Summary::new(plan.count, &batch.outcomes).expect("one outcome per job");
    let kinds = kinds(&batch.outcomes);
    let reported = kinds.iter().take_while(|k| k.is_none()).count();
    assert!(
        reported > 0,
        "what was reported before the deadline stands: {kinds:?}"
    );
    assert_eq!(s.ok, reported, "{kinds:?}");
    assert!(
        reported < plan.count
            && kinds[reported..]
                .iter()
                .all(|k| *k == Some(ErrorKind::Deadline)),
        "the jobs it had not reported by the deadline read deadline: {kinds:?}"
    );
}

#[test]
fn unreported_duplicate_and_made_up_jobs_are_counted_and_the_rest_of_the_batch_stands() {
    let dir = scratch("liar");
    // Of 5 jobs: 0 and 1 reported, 1 twice, a job 99 that does not exist, then "finished".
    let Some(python) = attacker(
        &dir,
        "ready()\nplan()\ndone(0)\ndone(1)\ndone(1)\ndone(99)\nsay({'Finished': {}})\nsys.stdin.read()",
    ) else {
        return;
    };
    let model = Python::new(Kind::Sequential).on(&python);
    let plan = crunch_plan(5, Some(Duration::from_secs(60)));
    let batch = model.run(&plan).expect("a record, not a model bug");
    let s = Summary::new(plan.count, &batch.outcomes).expect("one outcome per job");
    assert_eq!((s.ok, s.errors), (1, 4));
    assert!(batch.outcomes[0].error.is_none(), "job 0 stands");
    let why = |i: usize| match &batch.outcomes[i].error {
        Some(GreetError::Protocol(why)) => why.clone(),
        other => panic!("job {i}: {other:?}"),
    };
    assert!(why(1).contains("twice"), "{}", why(1));
    for i in 2..5 {
        assert!(why(i).contains("job 99"), "{}", why(i));
    }
}

#[test]
fn pids_an_interpreter_claims_are_sampled_only_if_they_are_its_own() {
    let dir = scratch("pid1");
    // It claims to be pid 1 and names init and itself as its workers.
    let Some(python) = attacker(
        &dir,
        "ready(pid=1, workers=[1, os.getpid()])\nsys.stdin.read()",
    ) else {
        return;
    };
    let model = Python::new(Kind::Processes).on(&python);
    let runner = model.start(&crunch_plan(1, None)).expect("it starts");
    let pids = runner.helper_pids();
    assert!(!pids.contains(&1), "init is refused: {pids:?}");
    assert_eq!(pids.len(), 1, "the interpreter itself, once: {pids:?}");
}

/// Whether `pid` is gone (or a zombie nobody has reaped yet: it runs nothing).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

#[test]
fn a_grandchild_the_interpreter_forked_and_left_dies_with_the_session() {
    let dir = scratch("orphan");
    let pidfile = dir.join("grandchild.pid");
    // Double fork: the grandchild is reparented away from the interpreter and sleeps on.
    let body = format!(
        "if os.fork() == 0:\n    if os.fork() == 0:\n        open({pidfile:?}, 'w').write(str(os.getpid()))\n        time.sleep(300)\n    os._exit(0)\nready()\nsys.stdin.read()"
    );
    let Some(python) = attacker(&dir, &body) else {
        return;
    };
    let model = Python::new(Kind::Sequential).on(&python);
    let runner = model.start(&crunch_plan(1, None)).expect("it starts");
    // Bounded: the grandchild writes its pid at once; 10 s is far past that.
    let mut grandchild = None;
    for _ in 0..1000 {
        grandchild = std::fs::read_to_string(&pidfile)
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok());
        if grandchild.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let grandchild = grandchild.expect("the grandchild wrote its pid");
    assert!(!gone(grandchild), "it runs while the session does");
    drop(runner);
    // Bounded: SIGKILL is delivered at once; the reaper may take a moment.
    for _ in 0..500 {
        if gone(grandchild) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(gone(grandchild), "pid {grandchild} outlived the session");
}

#[test]
fn a_hung_interpreter_a_missing_one_python_2_and_a_stranger_each_read_as_what_they_are() {
    let dir = scratch("bad");
    let Some(hung) = attacker(&dir, "") else {
        return;
    };
    // The hung one never answers the probe.
    std::fs::write(
        &hung,
        std::fs::read_to_string(&hung).unwrap().replacen(
            "if sys.argv[1:2]",
            "time.sleep(300)\nif sys.argv[1:2]",
            1,
        ),
    )
    .unwrap();
    let err = model_python::interpreter(Some(hung.as_os_str())).expect_err("it hangs");
    assert!(matches!(err, PythonError::Hung { .. }), "{err}");
    assert!(err.to_string().contains("hung") && !err.to_string().contains("not found"));

    let missing = dir.join("no-such-python");
    let err = model_python::interpreter(Some(missing.as_os_str())).expect_err("missing");
    assert!(matches!(err, PythonError::NotFound { .. }), "{err}");
    assert!(
        err.to_string().contains(&missing.display().to_string()),
        "{err}"
    );

    let py2 = dir.join("python2");
    std::fs::copy(attacker(&dir, "").unwrap(), &py2).unwrap();
    let text = std::fs::read_to_string(&py2)
        .unwrap()
        .replace("\"3.11.0\"", "\"2.7.18\"");
    std::fs::write(&py2, text).unwrap();
    let err = model_python::interpreter(Some(py2.as_os_str())).expect_err("too old");
    assert!(matches!(err, PythonError::TooOld { .. }), "{err}");
    assert!(err.to_string().contains("2.7.18"), "{err}");

    let stranger = std::ffi::OsStr::new("/bin/echo");
    let err = model_python::interpreter(Some(stranger)).expect_err("not a Python");
    assert!(matches!(err, PythonError::NotPython { .. }), "{err}");
    // Every one names the way out, in one line.
    assert!(err.to_string().contains("--python") && !err.to_string().contains('\n'));
}

#[test]
fn an_interpreter_that_never_stops_writing_is_said_to_have_been_cut_off() {
    let dir = scratch("spew");
    let Some(spew) = attacker(&dir, "") else {
        return;
    };
    // It answers the probe with endless output; past the cap its pipe closes.
    std::fs::write(
        &spew,
        std::fs::read_to_string(&spew).unwrap().replacen(
            "if sys.argv[1:2]",
            "while True:\n    sys.stdout.write('x' * 65536)\nif sys.argv[1:2]",
            1,
        ),
    )
    .unwrap();
    let err = model_python::interpreter(Some(spew.as_os_str())).expect_err("it spews");
    let line = err.to_string();
    assert!(matches!(err, PythonError::Failed { .. }), "{line}");
    assert!(
        line.contains("cut off") && !line.contains("no output"),
        "{line}"
    );
    assert!(line.contains("--python") && !line.contains('\n'), "{line}");
}
