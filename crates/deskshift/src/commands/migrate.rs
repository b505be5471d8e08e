//! `deskshift migrate [--sample N]`: the journaled, resumable load. Run it
//! again after any interruption: it finishes the job without duplicates.
//!
//! With `--sample N` it chooses N representative tickets first (saying why
//! each), loads them with the customers they need, verifies what it wrote
//! and prints where to look at each ticket in the destination.

use super::session::{keep_summary, print_summary, Session};
use crate::cli::MigrateArgs;
use crate::exit::{CliError, CliResult, ExitCode};
use deskshift_core::destination::Scope;
use deskshift_core::ledger::{IdMapState, Ledger};
use deskshift_core::model::ObjectKind;
use deskshift_core::sample::{self, SampleSet};
use deskshift_core::summary::Summary;
use serde::Serialize;

pub async fn run(args: MigrateArgs) -> CliResult {
    let json = args.common.json;
    let session = Session::open(&args.common.project, json)?;
    let ledger = session.ledger()?;
    // The gate: mapping.toml still is the map confirmed in the ledger, which
    // the writers then apply (`engine::applied_map`).
    session.confirmed_map(&ledger)?;
    let Some(n) = args.sample else {
        let (_, summary) = migrate(&session, ledger, &Scope::All, args.allow_active_rules).await?;
        print_summary(&summary, json);
        return Ok(());
    };
    let sample = choose_sample(&session, &ledger, n, json).await?;
    let scope = Scope::Sample(sample.clone());
    let (ledger, mut summary) = migrate(&session, ledger, &scope, args.allow_active_rules).await?;
    let (clean, tickets) = verify_sample(&session, ledger, &sample, &mut summary).await?;
    if json {
        let mut value = serde_json::to_value(&summary).expect("summary serialises");
        value["sample"] = serde_json::json!({
            "tickets": tickets,
            "uncovered": sample.uncovered,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).expect("JSON serialises")
        );
    } else {
        print_summary(&summary, false);
        println!();
        for line in where_to_look(&tickets, session.destination.name()) {
            println!("{line}");
        }
    }
    if !clean {
        return Err(CliError {
            code: ExitCode::VerifyMismatch,
            message: format!(
                "the sample's verification found mismatches; see {}/verify.md, change \
                 mapping.toml if the map is the cause, undo the sample with `deskshift rollback \
                 --run ID` (`deskshift status` lists the runs) and run the sample again",
                session.project.reports_dir().display()
            ),
        });
    }
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

/// One sampled ticket as the operator finds it in the destination.
#[derive(Debug, Serialize)]
pub struct SampleTicket {
    pub ticket: String,
    pub why: String,
    pub dest_id: Option<String>,
    pub url: Option<String>,
    /// The ledger's state of the ticket (`created`, `rejected`, …).
    pub state: Option<String>,
}

/// After a sample: verifies what it wrote (the project's migrated records;
/// after a first sample, exactly the sample's) and adds the counts to
/// `summary`; returns whether verification was clean and where each
/// sampled ticket is in the destination. Shared with `demo`.
pub async fn verify_sample(
    session: &Session,
    ledger: Ledger,
    sample: &SampleSet,
    summary: &mut Summary,
) -> CliResult<(bool, Vec<SampleTicket>)> {
    let (ledger, verified, report) = session.phases().verify(ledger).await?;
    keep_summary(&ledger, "verify", &verified)?;
    summary.add_verification(&verified);
    let mut tickets = Vec::with_capacity(sample.picks.len());
    for pick in &sample.picks {
        let entry = ledger.mapping(ObjectKind::Tickets, &pick.ticket)?;
        let landed = entry.as_ref().filter(|e| {
            matches!(
                e.state,
                IdMapState::Created | IdMapState::Updated | IdMapState::Matched
            )
        });
        let dest_id = landed.and_then(|e| e.dest_id.clone());
        let url = match &dest_id {
            Some(id) => {
                session
                    .destination
                    .record_url(ObjectKind::Tickets, id)
                    .await
            }
            None => None,
        };
        tickets.push(SampleTicket {
            ticket: pick.ticket.clone(),
            why: pick.why(),
            dest_id,
            url,
            state: entry.map(|e| e.state.as_str().to_string()),
        });
    }
    Ok((report.is_clean(), tickets))
}

/// The lines telling the operator where each sampled ticket is.
pub fn where_to_look(tickets: &[SampleTicket], destination: &str) -> Vec<String> {
    let mut lines = vec![format!(
        "Where to look at the {} sampled tickets in {destination}:",
        tickets.len()
    )];
    for t in tickets {
        let place = match (&t.url, &t.dest_id) {
            (Some(url), _) => url.clone(),
            (None, Some(id)) => format!("{destination} id {id}"),
            (None, None) => format!(
                "not in {destination} ({}); see `deskshift report`",
                t.state.as_deref().unwrap_or("not written")
            ),
        };
        lines.push(format!("  ticket {} → {place}", t.ticket));
    }
    lines
}
