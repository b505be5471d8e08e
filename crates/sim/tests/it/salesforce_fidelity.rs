//! Proof of fidelity: simple-salesforce, the most used Python client for
//! Salesforce, runs its own login, describe, CRUD, paged query and Bulk 2.0
//! code against the emulator (`tests/fidelity/simple_salesforce_check.py`).
//!
//! Without simple-salesforce the test is skipped locally and fails under CI
//! (`CI` set), where `.ci/run` installs it.

use deskshift_sim::salesforce::{SalesforceConfig, SalesforceEmulator};
use std::process::Command;
use std::time::Duration;

fn simple_salesforce_installed() -> bool {
    Command::new("python3")
        .args(["-c", "import simple_salesforce"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_salesforce_works_against_the_emulator() {
    if !simple_salesforce_installed() {
        if std::env::var_os("CI").is_some() {
            panic!("simple-salesforce is not installed; CI must install it (pip install simple-salesforce)");
        }
        eprintln!("skipped: simple-salesforce is not installed (pip install simple-salesforce)");
        return;
    }
    let org = SalesforceEmulator::start(
        SalesforceConfig {
            // Pages of 200 so that a few hundred rows need several.
            query_batch_size: 200,
            bulk_delay: Duration::from_millis(100),
            ..SalesforceConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let creds = org.credentials().clone();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fidelity/simple_salesforce_check.py"
    );
    let url = org.url();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .args([
                &url,
                &creds.client_id,
                &creds.client_secret,
                &creds.username,
                &creds.password,
                &creds.security_token,
            ])
            .output()
    })
    .await
    .unwrap()
    .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "simple-salesforce check failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(stdout.contains("\"ok\": true"), "{stdout}");
    println!("{stdout}");
    org.shutdown().await;
}
