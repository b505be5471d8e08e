//! `deskshift migrate [--sample N]`: the journaled, resumable load. Run it
//! again after any interruption: it finishes the job without duplicates.

use super::session::{keep_summary, print_summary, Session};
use crate::cli::MigrateArgs;
use crate::exit::CliResult;
use deskshift_core::destination::Scope;

pub async fn run(args: MigrateArgs) -> CliResult {
    let session = Session::open(&args.common.project, args.common.json)?;
    let scope = args.sample.map_or(Scope::All, Scope::Sample);
    let ledger = session.ledger()?;
    // The writers read the standard map today; the confirmed map is the
    // contract they will consume (issue 5, part B).
    let _map = session.confirmed_map(&ledger)?;
    let (ledger, summary) = session
        .phases()
        .migrate(ledger, &scope, args.allow_active_rules)
        .await?;
    keep_summary(&ledger, "migrate", &summary)?;
    print_summary(&summary, args.common.json);
    Ok(())
}
