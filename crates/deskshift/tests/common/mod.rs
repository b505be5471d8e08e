//! What the CLI tests share: the binary, emulators as child processes, and a
//! `deskshift` command with no credentials inherited from the environment (so
//! the emulators' documented defaults apply, as the loopback rule says).

#![allow(dead_code)] // each test file uses its own part of this module

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_deskshift");

const CREDENTIAL_VARIABLES: [&str; 6] = [
    "STAMES_ACCOUNT_ID",
    "STAMES_API_KEY",
    "GORGIAS_EMAIL",
    "GORGIAS_API_KEY",
    "SALESFORCE_CLIENT_ID",
    "SALESFORCE_CLIENT_SECRET",
];

/// `deskshift ARGS` without inherited credentials.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args);
    for variable in CREDENTIAL_VARIABLES {
        command.env_remove(variable);
    }
    command
}

/// `deskshift ARGS --project DIR` without inherited credentials.
pub fn deskshift(project: &Path, args: &[&str]) -> Command {
    let mut command = command(args);
    command.arg("--project").arg(project);
    command
}

/// A `deskshift sim …` child process, killed on drop.
pub struct Sim {
    child: Child,
    pub url: String,
}

impl Sim {
    /// Starts `deskshift sim ARGS` and waits for its `listening on URL` line.
    pub fn start(args: &[&str]) -> Sim {
        let mut child = command(&["sim"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn deskshift sim");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("sim stdout"))
            .read_line(&mut line)
            .expect("read sim stdout");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from sim: {line:?}"))
            .to_string();
        Sim { child, url }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `deskshift init --dest gorgias` for emulators at `stames` and `gorgias`,
/// pacing at `budget`; panics (with deskshift's words) if it fails.
pub fn init_gorgias(project: &Path, stames: &str, gorgias: &str, budget: &str) {
    let init = [
        "init",
        "--dest",
        "gorgias",
        "--source-url",
        stames,
        "--dest-url",
        gorgias,
        "--dest-budget",
        budget,
    ];
    let out = deskshift(project, &init)
        .output()
        .expect("run deskshift init");
    assert!(
        out.status.success(),
        "deskshift init: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
