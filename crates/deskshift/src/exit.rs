//! Exit codes (DESIGN.md §5) and the one error type commands return.
//!
//! Every failure reaches the operator as one clear line naming what went wrong
//! and what to do, never as a backtrace.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Success = 0,
    Failure = 1,
    Usage = 2,
    VerifyMismatch = 3,
    Refused = 4,
}

/// A command's failure: what to print and how to exit.
#[derive(Debug)]
pub struct CliError {
    pub code: ExitCode,
    pub message: String,
}

impl CliError {
    pub fn failure(message: impl fmt::Display) -> CliError {
        CliError {
            code: ExitCode::Failure,
            message: message.to_string(),
        }
    }

    pub fn usage(message: impl fmt::Display) -> CliError {
        CliError {
            code: ExitCode::Usage,
            message: message.to_string(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<deskshift_core::project::ProjectError> for CliError {
    fn from(err: deskshift_core::project::ProjectError) -> CliError {
        use deskshift_core::project::ProjectError;
        match err {
            ProjectError::Io { .. } => CliError::failure(err),
            _ => CliError::usage(err),
        }
    }
}

impl From<deskshift_core::ledger::LedgerError> for CliError {
    fn from(err: deskshift_core::ledger::LedgerError) -> CliError {
        CliError::failure(err)
    }
}

impl From<deskshift_core::source::SourceError> for CliError {
    fn from(err: deskshift_core::source::SourceError) -> CliError {
        CliError::failure(err)
    }
}

impl From<deskshift_core::discover::DiscoverError> for CliError {
    fn from(err: deskshift_core::discover::DiscoverError) -> CliError {
        CliError::failure(err)
    }
}

impl From<deskshift_core::engine::PhaseError> for CliError {
    fn from(err: deskshift_core::engine::PhaseError) -> CliError {
        use deskshift_core::engine::PhaseError;
        let code = match &err {
            PhaseError::Refused(_) => ExitCode::Refused,
            _ => ExitCode::Failure,
        };
        CliError {
            code,
            message: err.to_string(),
        }
    }
}

impl From<deskshift_core::destination::DestinationError> for CliError {
    fn from(err: deskshift_core::destination::DestinationError) -> CliError {
        CliError::failure(err)
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;
