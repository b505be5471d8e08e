//! `deskshift sim …` as a separate process, the way an operator or another
//! tool runs it: the contract line first, then the documented API.

use crate::common;

use common::Sim;
use std::io::{Read, Write};
use std::net::TcpStream;

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
    let sim = Sim::start(&["gorgias", "--port", "0", "--budget", "5/20"]);
    let url = sim.url.clone();

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
}

#[test]
fn sim_rejects_a_malformed_budget_or_fault_spec_with_exit_2() {
    for args in [
        ["sim", "gorgias", "--budget", "fast"],
        ["sim", "gorgias", "--faults", "5xx=lots"],
    ] {
        let out = common::command(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("error: --"), "{stderr}");
    }
}
