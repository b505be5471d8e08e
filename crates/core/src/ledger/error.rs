//! The ledger's one error type. Every message names what failed and, where a
//! person can do something about it, what to do.

use super::types::{JournalId, Operation, OutcomeKind, RunId, RunStatus};
use crate::model::ObjectKind;
use std::path::PathBuf;

/// Everything that can go wrong reading or writing the ledger.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// The database file could not be opened or configured.
    #[error("cannot open ledger at {}: {source}; {hint}", path.display())]
    Open {
        path: PathBuf,
        hint: &'static str,
        #[source]
        source: rusqlite::Error,
    },

    /// Another process holds the project's writer lock.
    #[error(
        "another deskshift process is running in this project (writer lock {} is held); \
         wait for it to finish or stop it, then try again",
        lock.display()
    )]
    Locked { lock: PathBuf },

    /// The ledger was written by a newer deskshift with a schema this one does not know.
    #[error("ledger schema version {found} is newer than this deskshift ({supported}); upgrade deskshift")]
    SchemaTooNew { found: i64, supported: i64 },

    /// A schema migration failed; the ledger is left at its previous version.
    #[error(
        "cannot upgrade the ledger schema to version {version} ({description}): {source}; \
         the ledger was left unchanged"
    )]
    Migration {
        version: i64,
        description: &'static str,
        #[source]
        source: rusqlite::Error,
    },

    /// A statement failed for a reason other than the ones above (disk full, I/O error…).
    #[error("ledger: cannot {action}: {source}")]
    Sqlite {
        action: &'static str,
        #[source]
        source: rusqlite::Error,
    },

    /// A stored value could not be read back; the file is damaged or was edited by hand.
    #[error(
        "ledger holds {what}, which this deskshift cannot read; the ledger may be damaged \
         (run `PRAGMA integrity_check` on it) or written by a newer deskshift"
    )]
    Corrupt { what: String },

    #[error("run {0} does not exist in this ledger")]
    UnknownRun(RunId),

    #[error("run {run} is {status}, not running; begin a new run to write to the ledger")]
    RunNotActive { run: RunId, status: RunStatus },

    /// A run may only succeed once every intent it recorded has an outcome.
    #[error(
        "run {run} cannot be marked succeeded: {pending} of its journal entries have no \
         outcome yet; record their outcomes or finish the run as failed"
    )]
    RunHasPending { run: RunId, pending: u64 },

    #[error("journal entry {0} does not exist in this ledger")]
    UnknownJournalEntry(JournalId),

    /// An outcome is recorded exactly once; a second one would rewrite history.
    #[error("journal entry {id} already has an outcome ({outcome}); an outcome is recorded once")]
    OutcomeAlreadyRecorded { id: JournalId, outcome: OutcomeKind },

    /// `record_outcome` is for the run that wrote the intent, while it is running.
    #[error(
        "journal entry {id} belongs to run {run}, which is {status}; \
         resolve it from the current run with `resolve_pending`"
    )]
    IntentFromOtherRun {
        id: JournalId,
        run: RunId,
        status: RunStatus,
    },

    #[error("outcome `{outcome}` does not fit a `{operation}` intent (journal entry {id})")]
    OutcomeMismatch {
        id: JournalId,
        operation: Operation,
        outcome: OutcomeKind,
    },

    /// At most one destination write per record may be in flight.
    #[error(
        "{kind} {source_id} already has a pending intent (journal entry {pending}); \
         resolve it before writing this record again"
    )]
    IntentPending {
        kind: ObjectKind,
        source_id: String,
        pending: JournalId,
    },

    /// A create for a record the destination already holds would duplicate it.
    #[error(
        "{kind} {source_id} already exists in the destination as {dest_id} ({state}); \
         update it instead of creating it again"
    )]
    AlreadyInDestination {
        kind: ObjectKind,
        source_id: String,
        dest_id: String,
        state: super::types::IdMapState,
    },

    /// Updates and deletes must say which destination record they touch, for rollback.
    #[error(
        "a `{operation}` intent for {kind} {source_id} needs a destination id, \
         and the id map has none for it"
    )]
    MissingDestId {
        kind: ObjectKind,
        source_id: String,
        operation: Operation,
    },

    /// A value could not be encoded as JSON (content hash or before-image).
    #[error("cannot encode {what} as JSON: {source}")]
    Encode {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

impl LedgerError {
    /// Wraps a SQLite error from `action`, turning unreadable stored values into
    /// [`LedgerError::Corrupt`] so the message points at the data, not the code.
    pub(crate) fn sql(action: &'static str) -> impl FnOnce(rusqlite::Error) -> LedgerError {
        move |source| match source {
            rusqlite::Error::FromSqlConversionFailure(column, _, inner) => LedgerError::Corrupt {
                what: format!(
                    "an unreadable value in column {column} while trying to {action} ({inner})"
                ),
            },
            rusqlite::Error::InvalidColumnType(column, name, ty) => LedgerError::Corrupt {
                what: format!(
                    "a {ty} value in column {column} (`{name}`) while trying to {action}"
                ),
            },
            source => LedgerError::Sqlite { action, source },
        }
    }
}

/// What to tell the operator when the database file cannot be opened.
pub(crate) fn open_hint(error: &rusqlite::Error) -> &'static str {
    use rusqlite::ErrorCode as C;
    match error.sqlite_error_code() {
        Some(C::DatabaseBusy | C::DatabaseLocked) => {
            "is another deskshift running in this project?"
        }
        Some(C::CannotOpen | C::PermissionDenied | C::ReadOnly) => {
            "check that the project directory exists and is writable"
        }
        Some(C::NotADatabase | C::DatabaseCorrupt) => {
            "the file is not a deskshift ledger or is damaged; restore it from a backup"
        }
        Some(C::DiskFull) => "the disk is full; free some space",
        _ => "check the file and the disk it is on",
    }
}
