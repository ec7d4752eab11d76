//! Writing an attacker: a few lines of Python saved as an executable "interpreter", shared by
//! model-python's attacks and greetbench's Python CLI tests.
//!
//! Tests run on parallel threads of one process. While one writes the file, another may fork
//! to start its own child, and that child holds a copy of the open file until it execs; an
//! exec of the file in that window fails with ETXTBSY ("text file busy"). So [`write`] waits,
//! bounded, until the file execs, before anyone is given it.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// What every attacker starts with: it answers the probe, and can say ready and report jobs.
pub const PROLOGUE: &str = include_str!("../attacker.py");

/// The attacker `body` as `dir/name`, run by the real python3 (`None` where there is none,
/// with a note).
pub fn write(dir: &Path, name: &str, body: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let real = match model_python::interpreter(None) {
        Ok(found) => found.executable().to_owned(),
        Err(why) => {
            eprintln!("note: skipped: {why}");
            return None;
        }
    };
    let path = dir.join(name);
    let text = format!("#!{}\n{PROLOGUE}\n{body}\n", real.display());
    std::fs::write(&path, text).expect("the attacker is written");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    // Bounded: 200 tries, 10 ms apart. A child that execs it once proves no copy of the
    // writer's descriptor is left (none is opened after the write).
    for _ in 0..200 {
        match Command::new(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(mut probe) => {
                let _ = probe.kill();
                let _ = probe.wait();
                return Some(path);
            }
            Err(e) if e.kind() == ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(e) => panic!("the attacker {} does not start: {e}", path.display()),
        }
    }
    panic!("the attacker {} stayed busy for 2 s", path.display());
}
