//! `deskshift sim …` as a separate process, the way an operator or another
//! tool runs it: the contract line first, then the documented API.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_deskshift");

/// One raw HTTP/1.1 GET; returns the whole answer as text.
fn get(url: &str, path: &str, authorization: Option<&str>) -> String {
    let host = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).unwrap();
    let auth = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn sim_gorgias_announces_itself_and_answers_like_gorgias() {
    let mut child = Command::new(BIN)
        .args(["sim", "gorgias", "--port", "0", "--budget", "5/20"])
        .env_remove("GORGIAS_EMAIL")
        .env_remove("GORGIAS_API_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();

    let denied = get(&url, "/api/account", None);
    assert!(denied.starts_with("HTTP/1.1 401"), "{denied}");
    assert!(
        denied.contains(r#"{"error":{"msg":"Unauthorized."}}"#),
        "{denied}"
    );

    // demo@deskshift.invalid:demo-gorgias-key, the documented defaults.
    let basic = "Basic ZGVtb0BkZXNrc2hpZnQuaW52YWxpZDpkZW1vLWdvcmdpYXMta2V5";
    let ok = get(&url, "/api/account", Some(basic));
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(
        ok.to_ascii_lowercase()
            .contains("x-gorgias-account-api-call-limit: 1/5"),
        "{ok}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn sim_rejects_a_malformed_budget_or_fault_spec_with_exit_2() {
    for args in [
        ["sim", "gorgias", "--budget", "fast"],
        ["sim", "gorgias", "--faults", "5xx=lots"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("error: --"), "{stderr}");
    }
}
