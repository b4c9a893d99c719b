//! The real `panorama` binary, with JSON logs: request ids appear in its log lines, and SIGTERM
//! lets the request in flight finish, stops the background workers and exits with 0.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The longest any step may take: a hang fails the test, not the suite.
const PATIENCE: Duration = Duration::from_secs(30);

/// The server process, killed if the test fails before it exits.
struct Server {
    child: Child,
    logs: mpsc::Receiver<Value>,
    /// Every log line read so far.
    seen: Vec<Value>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(dir: &std::path::Path) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_panorama"));
        // Only this test's settings: none of the caller's.
        for (key, _) in std::env::vars() {
            if key.starts_with("PANORAMA_") || key == "DATABASE_URL" || key == "RUST_LOG" {
                command.env_remove(key);
            }
        }
        let mut child = command
            .arg("serve")
            .current_dir(dir)
            .env("PANORAMA_LISTEN", "127.0.0.1:0")
            .env(
                "PANORAMA_DATABASE_URL",
                format!("sqlite://{}", dir.join("panorama.db").display()),
            )
            .env("PANORAMA_LOAD_DEMO", "false")
            .env("PANORAMA_LOG_FORMAT", "json")
            .env("PANORAMA_HTTP__SHUTDOWN_GRACE_SECS", "20")
            // Lists and empty values as the environment gives them.
            .env(
                "PANORAMA_HTTP__CORS_ALLOWED_ORIGINS",
                "https://a.example, https://b.example",
            )
            .env("PANORAMA_HTTP__METRICS_TOKEN", "")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the panorama binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let (send, logs) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let parsed = serde_json::from_str(&line)
                    .unwrap_or_else(|_| panic!("a log line that is not JSON: {line}"));
                if send.send(parsed).is_err() {
                    return;
                }
            }
        });
        Self {
            child,
            logs,
            seen: Vec::new(),
        }
    }

    /// Waits for a log line whose message contains `text`, and returns it.
    fn wait_for_log(&mut self, text: &str) -> Value {
        self.wait_for(text, |line| message(line).contains(text))
    }

    /// Waits for a log line that `matches` (`what` names it), and returns it.
    fn wait_for(&mut self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + PATIENCE;
        if let Some(line) = self.seen.iter().find(|line| matches(line)) {
            return line.clone();
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .logs
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no log line {what:?} in {:#?}", self.seen));
            self.seen.push(line.clone());
            if matches(&line) {
                return line;
            }
        }
    }

    fn wait_for_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The log lines that came before the process ended.
    fn drain_logs(&mut self) {
        while let Ok(line) = self.logs.recv_timeout(Duration::from_millis(200)) {
            self.seen.push(line);
        }
    }
}

fn message(line: &Value) -> &str {
    line["fields"]["message"].as_str().unwrap_or_default()
}

/// The request id of the request span a log line was written in, if any.
fn request_id(line: &Value) -> Option<&str> {
    line["spans"]
        .as_array()?
        .iter()
        .find_map(|span| span["request_id"].as_str())
}

fn connect(addr: &str) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream
}

/// A GET on a fresh connection with extra header lines; returns the whole answer.
fn get(addr: &str, path: &str, headers: &str) -> String {
    let mut stream = connect(addr);
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path());
    let serving = server.wait_for_log("serving GraphQL at http://");
    let addr = message(&serving)
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned();

    // A request with an id: its log lines carry the id.
    let answer = get(
        &addr,
        "/healthz",
        "x-request-id: sigterm-test-1\r\norigin: https://b.example",
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("x-request-id: sigterm-test-1"), "{answer}");
    assert!(
        answer.contains("access-control-allow-origin: https://b.example"),
        "{answer}"
    );
    // An empty metrics token is no token.
    let metrics = get(&addr, "/metrics", "x-request-id: sigterm-test-2");
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    let logged = server.wait_for("the access line of sigterm-test-1", |line| {
        request_id(line) == Some("sigterm-test-1")
    });
    assert_eq!(message(&logged), "finished processing request", "{logged}");
    assert_eq!(logged["fields"]["status"], 200, "{logged}");

    // A request in flight: the server has its head and is reading its body (it said
    // `100 Continue`) when SIGTERM comes.
    let body = r#"{"query":"{ taxonomy(vocabulary: FOCUS) { code } }"}"#;
    let mut stream = connect(&addr);
    write!(
        stream,
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    )
    .unwrap();
    let mut continued = [0u8; 25];
    stream.read_exact(&mut continued).unwrap();
    assert_eq!(&continued, b"HTTP/1.1 100 Continue\r\n\r\n");

    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    server.wait_for_log("shutting down");
    // Once new connections are refused, the server is draining for certain.
    let deadline = Instant::now() + PATIENCE;
    while TcpStream::connect(&addr).is_ok() {
        assert!(
            Instant::now() < deadline,
            "the server still accepts connections"
        );
        std::thread::sleep(Duration::from_millis(10));
    }

    // The rest of the body, after the server began to drain: the answer is complete.
    stream.write_all(body.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""code":"OPEN_DATA""#), "{answer}");

    let status = server.wait_for_exit();
    assert!(status.success(), "{status}");
    server.drain_logs();
    let worker = server.wait_for_log("background worker stopped");
    assert_eq!(worker["fields"]["worker"], "feed pruner");
    server.wait_for_log("stopped cleanly");
}
