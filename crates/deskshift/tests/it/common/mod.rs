//! What the CLI tests share: the binary, emulators as child processes, and a
//! `deskshift` command with no credentials inherited from the environment (so
//! the emulators' documented defaults apply, as the loopback rule says).

#![allow(dead_code)] // the benches include this module too, each using its own part

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

/// Salesforce has several sign-in flows, each with its own variables.
const SALESFORCE_PREFIX: &str = "SALESFORCE_";

/// `deskshift ARGS` without inherited credentials.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args);
    for variable in CREDENTIAL_VARIABLES {
        command.env_remove(variable);
    }
    for (variable, _) in std::env::vars_os() {
        if variable.to_string_lossy().starts_with(SALESFORCE_PREFIX) {
            command.env_remove(variable);
        }
    }
    command
}

/// `deskshift ARGS --project DIR` without inherited credentials.
pub fn deskshift(project: &Path, args: &[&str]) -> Command {
    let mut command = command(args);
    command.arg("--project").arg(project);
    command
}

/// `deskshift ARGS --project DIR`, which must succeed; its stdout.
pub fn run_ok(project: &Path, args: &[&str]) -> String {
    let out = deskshift(project, args).output().expect("run deskshift");
    assert!(
        out.status.success(),
        "deskshift {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `deskshift init` of a Gorgias project reading `stames` and writing to
/// `gorgias`, paced at `budget` (the time-scaled one its emulator runs at).
pub fn init_gorgias(project: &Path, stames: &Sim, gorgias: &Sim, budget: &str) {
    run_ok(
        project,
        &[
            "init",
            "--dest",
            "gorgias",
            "--source-url",
            &stames.url,
            "--dest-url",
            &gorgias.url,
            "--dest-budget",
            budget,
        ],
    );
}

/// `map propose` then `map confirm`: the confirmed field map the gate wants
/// before `prepare` and `migrate`.
pub fn confirm_map(project: &Path) {
    run_ok(project, &["map", "propose"]);
    run_ok(project, &["map", "confirm"]);
}

/// Runs `command` to the end; panics with its stderr unless it succeeded.
pub fn succeed(command: &mut Command) -> std::process::Output {
    let out = command.output().expect("run deskshift");
    assert!(
        out.status.success(),
        "{command:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
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

/// Starts `deskshift migrate` and SIGKILLs it after each delay in turn: no
/// cleanup, no last words. Returns how many of the runs `status` then shows
/// as interrupted and as failed.
pub fn kill_migrate_repeatedly(project: &Path, delays_ms: &[u64]) -> (usize, usize) {
    for delay in delays_ms {
        let mut child = deskshift(project, &["migrate"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn migrate");
        std::thread::sleep(std::time::Duration::from_millis(*delay));
        let _ = child.kill();
        let _ = child.wait();
    }
    let out = deskshift(project, &["status", "--json"])
        .stdout(Stdio::piped())
        .output()
        .expect("run status");
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    let migrate_runs = |state: &str| {
        status["runs"]
            .as_array()
            .map(|runs| {
                runs.iter()
                    .filter(|r| r["command"] == "migrate" && r["status"] == state)
                    .count()
            })
            .unwrap_or(0)
    };
    (migrate_runs("interrupted"), migrate_runs("failed"))
}
