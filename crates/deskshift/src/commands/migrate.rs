//! `deskshift migrate [--sample N]`: the journaled, resumable load. Run it
//! again after any interruption: it finishes the job without duplicates.

use super::session::{keep_summary, print_summary, Session};
use crate::cli::MigrateArgs;
use crate::exit::{CliError, CliResult};
use deskshift_core::destination::Scope;
use deskshift_core::ledger::Ledger;
use deskshift_core::sample::{self, SampleSet};
use deskshift_core::summary::Summary;

pub async fn run(args: MigrateArgs) -> CliResult {
    let session = Session::open(&args.common.project, args.common.json)?;
    let ledger = session.ledger()?;
    // The writers read the standard map today; the confirmed map is the
    // contract they will consume (issue 5, part B).
    let _map = session.confirmed_map(&ledger)?;
    let scope = match args.sample {
        Some(n) => Scope::Sample(choose_sample(&session, &ledger, n, args.common.json).await?),
        None => Scope::All,
    };
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

/// Chooses the sample and tells the operator why each ticket is in it.
pub async fn choose_sample(
    session: &Session,
    ledger: &Ledger,
    n: usize,
    json: bool,
) -> CliResult<SampleSet> {
    if !json {
        eprintln!("Choosing {n} representative tickets (every ticket is read once)");
    }
    let sample = sample::select(session.source.as_ref(), ledger, n)
        .await
        .map_err(|e| CliError::failure(format!("cannot choose the sample: {e}")))?;
    if !json {
        for line in sample.explain() {
            eprintln!("{line}");
        }
    }
    Ok(sample)
}
