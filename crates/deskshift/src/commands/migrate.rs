//! `deskshift migrate [--sample N]`: the journaled, resumable load. Run it
//! again after any interruption: it finishes the job without duplicates.

use super::session::{keep_summary, print_summary, Session};
use crate::cli::MigrateArgs;
use crate::exit::CliResult;
use deskshift_core::destination::Scope;
use deskshift_core::ledger::Ledger;
use deskshift_core::summary::Summary;

pub async fn run(args: MigrateArgs) -> CliResult {
    let session = Session::open(&args.common.project, args.common.json)?;
    let scope = args.sample.map_or(Scope::All, Scope::Sample);
    let ledger = session.ledger()?;
    // The gate: mapping.toml still is the map confirmed in the ledger, which
    // the writers then apply (`engine::applied_map`).
    session.confirmed_map(&ledger)?;
    let (_, summary) = migrate(&session, ledger, &scope, args.allow_active_rules).await?;
    print_summary(&summary, args.common.json);
    Ok(())
}

/// Runs the load and keeps its summary: for `status`, and for the ETA
/// (a sample refines it, the full run is compared with it). Shared by
/// `migrate` and `demo`.
pub async fn migrate(
    session: &Session,
    ledger: Ledger,
    scope: &Scope,
    allow_active_rules: bool,
) -> CliResult<(Ledger, Summary)> {
    let before = ledger.id_map_counts()?;
    let (ledger, summary) = session
        .phases()
        .migrate(ledger, scope, allow_active_rules)
        .await?;
    keep_summary(&ledger, "migrate", &summary)?;
    let wrote = ledger.id_map_counts()? != before;
    deskshift_core::deliverables::eta::runs::record(&ledger, scope, &summary, wrote)?;
    Ok((ledger, summary))
}
