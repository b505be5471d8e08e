//! `deskshift prepare`: create the destination schema (custom fields, tags)
//! and, with `--pause-rules`, pause the automations that would act on
//! migrated records; `migrate` restores exactly those at the end.

use super::session::Session;
use crate::cli::PrepareArgs;
use crate::exit::CliResult;

pub async fn run(args: PrepareArgs) -> CliResult {
    let session = Session::open(&args.common.project, args.common.json)?;
    let ledger = session.ledger()?;
    // The gate: mapping.toml still is the map confirmed in the ledger, which
    // `prepare` then applies (`engine::applied_map`).
    session.confirmed_map(&ledger)?;
    session.phases().prepare(ledger, args.pause_rules).await?;
    if args.common.json {
        println!(
            "{}",
            serde_json::json!({"prepared": true, "paused_rules": args.pause_rules})
        );
    } else {
        println!(
            "Prepared {}{}. Next: deskshift migrate",
            session.destination.name(),
            if args.pause_rules {
                " (active rules paused)"
            } else {
                ""
            }
        );
    }
    Ok(())
}
