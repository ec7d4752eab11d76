//! `greetbench serve-api` as a user meets it: it prints its URL, answers JSON greetings and
//! 404s, and refuses bad arguments and a port in use with one line each.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const EXE: &str = env!("CARGO_BIN_EXE_greetbench");

/// `greetbench serve-api` on a free port; the child is killed when the guard drops.
struct ServeApi(Child, String);

impl ServeApi {
    fn start() -> ServeApi {
        let mut child = Command::new(EXE)
            .args(["serve-api", "--hosts", "3", "--latency", "1ms"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("greetbench starts");
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().expect("piped stdout"));
        out.read_line(&mut line).expect("one line");
        let addr = line
            .trim()
            .strip_prefix("api listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        ServeApi(child, addr)
    }

    /// One HTTP/1.1 GET by hand: the status line and the body.
    fn get(&self, path: &str) -> (String, String) {
        let mut s = TcpStream::connect(&self.1).expect("connect to the API");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        s.read_to_string(&mut reply).expect("a reply");
        let status = reply.lines().next().unwrap_or_default().to_owned();
        let body = reply
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        (status, body)
    }
}

impl Drop for ServeApi {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serves_greetings_and_404s_as_json() {
    let api = ServeApi::start();
    let (status, body) = api.get("/hosts/2/greeting");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert_eq!(body, r#"{"host":2,"greeting":"Hello, world! from host 2"}"#);
    let (status, body) = api.get("/hosts/3/greeting");
    assert!(status.starts_with("HTTP/1.1 404"), "{status}");
    assert!(body.contains("hosts are 0..3"), "{body}");
    let (_, stats) = api.get("/stats");
    assert!(stats.contains(r#""served":1"#), "{stats}");
    assert!(stats.contains(r#""not_found":1"#), "{stats}");
}

/// Runs greetbench with `args`, expecting a failure whose stderr is one line containing `what`.
fn refused(args: &[&str], what: &str) {
    let out = Command::new(EXE)
        .args(args)
        .output()
        .expect("greetbench runs");
    assert!(!out.status.success(), "{args:?} should fail");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains(what), "{args:?}: {err}");
}

#[test]
fn bad_arguments_get_one_line() {
    refused(&["serve-api", "--hosts", "0"], "--hosts must be between");
    refused(&["serve-api", "--latency", "soon"], "--latency");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    refused(&["serve-api", "--port", &port], "already in use");
}
