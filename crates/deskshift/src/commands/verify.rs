//! `deskshift verify`: read every migrated record back and compare it field
//! by field with what the map says; exit 3 when anything differs.

use super::session::{keep_summary, print_summary, Session};
use crate::cli::VerifyArgs;
use crate::exit::{CliError, CliResult, ExitCode};

pub async fn run(args: VerifyArgs) -> CliResult {
    let session = Session::open(&args.common.project, args.common.json)?;
    let ledger = session.ledger()?;
    let (ledger, summary, report) = session.phases().verify(ledger).await?;
    keep_summary(&ledger, "verify", &summary)?;
    print_summary(&summary, args.common.json);
    if report.is_clean() {
        return Ok(());
    }
    Err(CliError {
        code: ExitCode::VerifyMismatch,
        message: format!(
            "{} field mismatches; see {}/verify.md",
            report.mismatches.len(),
            session.project.reports_dir().display()
        ),
    })
}
