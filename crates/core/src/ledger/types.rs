//! The values the ledger stores and hands back, and how they map to SQL text.

use crate::model::{ObjectKind, SourceId, Timestamp};
use crate::source::Reject;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares a closed set of values stored as lowercase text: `as_str`, `parse`,
/// `Display`, serde and SQL conversions all come from one list of names.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name stored in the ledger.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The inverse of `as_str`.
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let text = value.as_str()?;
                $name::parse(text).ok_or_else(|| unknown_name(stringify!($name), text))
            }
        }
    };
}

fn unknown_name(what: &str, text: &str) -> FromSqlError {
    FromSqlError::Other(format!("unknown {what} `{text}`").into())
}

text_enum! {
    /// Where a run stands.
    RunStatus {
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
        /// The process ended (crash, `kill -9`, power loss) without finishing the run.
        Interrupted => "interrupted",
    }
}

text_enum! {
    /// What the ledger knows about one source record in the destination.
    IdMapState {
        /// An intent was recorded and its outcome is not known yet.
        Pending => "pending",
        /// deskshift created the destination record; rollback removes it. A
        /// later update (delta) keeps it `created`.
        Created => "created",
        /// The record already existed in the destination; rollback leaves it alone.
        Matched => "matched",
        /// deskshift changed an existing destination record; rollback restores its before-image.
        Updated => "updated",
        /// The destination refused the record as invalid.
        Rejected => "rejected",
        /// The write failed for another reason; a later run may retry.
        Failed => "failed",
        /// Rollback undid deskshift's work on it: removed what deskshift
        /// created, restored what it changed, released what it matched (the
        /// pre-existing record stays as it was). A new migration starts over.
        Deleted => "deleted",
    }
}

impl IdMapState {
    /// What a record is after one more write with `outcome`, given what its
    /// landed writes made it so far (`None`: nothing, or rolled back). An
    /// update keeps a created record created; a failed or refused write
    /// changes nothing.
    pub fn after(landed: Option<IdMapState>, outcome: OutcomeKind) -> Option<IdMapState> {
        match (outcome, landed) {
            (OutcomeKind::Created, _) => Some(IdMapState::Created),
            (OutcomeKind::Matched, _) => Some(IdMapState::Matched),
            (OutcomeKind::Updated, Some(IdMapState::Created)) => Some(IdMapState::Created),
            (OutcomeKind::Updated, _) => Some(IdMapState::Updated),
            (OutcomeKind::Deleted, _) => None,
            (OutcomeKind::Failed | OutcomeKind::Rejected, kept) => kept,
        }
    }
}

text_enum! {
    /// The destination write an intent announces.
    Operation {
        Create => "create",
        Update => "update",
        Delete => "delete",
        /// Adopting an existing destination record (e.g. a customer found by e-mail).
        Match => "match",
    }
}

text_enum! {
    /// Where a journal entry stands.
    JournalState {
        /// Intent recorded, outcome unknown: the process may have died mid-call.
        Pending => "pending",
        /// The destination accepted the write.
        Done => "done",
        /// The write failed or was rejected.
        Failed => "failed",
    }
}

text_enum! {
    /// The name of an [`Outcome`] without its data, as stored in the journal.
    OutcomeKind {
        Created => "created",
        Matched => "matched",
        Updated => "updated",
        Deleted => "deleted",
        Failed => "failed",
        Rejected => "rejected",
    }
}

impl ToSql for ObjectKind {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for ObjectKind {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        ObjectKind::parse(text).ok_or_else(|| unknown_name("object kind", text))
    }
}

/// A run's id: one invocation of a command that writes to the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(pub i64);

/// A journal entry's id; ids grow with time, so their order is the write order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JournalId(pub i64);

macro_rules! integer_id {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }
        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(value).map($name)
            }
        }
    };
}
integer_id!(RunId);
integer_id!(JournalId);

/// One invocation of a command that writes to the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub id: RunId,
    pub command: String,
    pub started_at: Timestamp,
    /// `None` while running, and for interrupted runs (nobody saw them end).
    pub finished_at: Option<Timestamp>,
    pub status: RunStatus,
    /// Why the run failed or was interrupted.
    pub message: Option<String>,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    Succeeded,
    Failed(String),
}

/// What the ledger knows about one source record in the destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdMapEntry {
    pub kind: ObjectKind,
    pub source_id: SourceId,
    /// Kept through failures: a record that exists in the destination still does.
    pub dest_id: Option<String>,
    pub state: IdMapState,
    /// Hash of the source content the destination last accepted (created, matched
    /// or updated); a pending or failed write does not change it, so delta compares
    /// against what really landed.
    pub content_hash: Option<String>,
    /// The run that last wrote (or tried to write) this record.
    pub run: RunId,
    /// The journal entry that last touched this record.
    pub journal: Option<JournalId>,
    pub updated_at: Timestamp,
}

/// Id-map rows of one object kind, per state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCounts {
    pub pending: u64,
    pub created: u64,
    pub matched: u64,
    pub updated: u64,
    pub rejected: u64,
    pub failed: u64,
    pub deleted: u64,
}

impl StateCounts {
    pub fn get(&self, state: IdMapState) -> u64 {
        match state {
            IdMapState::Pending => self.pending,
            IdMapState::Created => self.created,
            IdMapState::Matched => self.matched,
            IdMapState::Updated => self.updated,
            IdMapState::Rejected => self.rejected,
            IdMapState::Failed => self.failed,
            IdMapState::Deleted => self.deleted,
        }
    }

    pub(crate) fn add(&mut self, state: IdMapState, n: u64) {
        let slot = match state {
            IdMapState::Pending => &mut self.pending,
            IdMapState::Created => &mut self.created,
            IdMapState::Matched => &mut self.matched,
            IdMapState::Updated => &mut self.updated,
            IdMapState::Rejected => &mut self.rejected,
            IdMapState::Failed => &mut self.failed,
            IdMapState::Deleted => &mut self.deleted,
        };
        *slot += n;
    }

    /// Rows of every state.
    pub fn total(&self) -> u64 {
        IdMapState::ALL.iter().map(|&s| self.get(s)).sum()
    }
}

/// A destination write about to happen, recorded before the call is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    pub kind: ObjectKind,
    pub source_id: SourceId,
    pub operation: Operation,
    /// Hash of the source content being written ([`super::content_hash`]).
    pub content_hash: Option<String>,
    /// The destination record touched; required for updates and deletes (taken
    /// from the id map when left out), unknown for creates.
    pub dest_id: Option<String>,
    /// The destination record as it was before an update or delete, for rollback.
    pub before_image: Option<serde_json::Value>,
}

impl Intent {
    /// A create of a record the destination does not have yet.
    pub fn create(
        kind: ObjectKind,
        source_id: impl Into<SourceId>,
        content_hash: impl Into<String>,
    ) -> Intent {
        Intent {
            kind,
            source_id: source_id.into(),
            operation: Operation::Create,
            content_hash: Some(content_hash.into()),
            dest_id: None,
            before_image: None,
        }
    }

    /// An update of `dest_id`, keeping what it looked like before.
    pub fn update(
        kind: ObjectKind,
        source_id: impl Into<SourceId>,
        dest_id: impl Into<String>,
        content_hash: impl Into<String>,
        before_image: serde_json::Value,
    ) -> Intent {
        Intent {
            kind,
            source_id: source_id.into(),
            operation: Operation::Update,
            content_hash: Some(content_hash.into()),
            dest_id: Some(dest_id.into()),
            before_image: Some(before_image),
        }
    }

    /// A delete of `dest_id`; `before_image` when the record existed before deskshift.
    pub fn delete(
        kind: ObjectKind,
        source_id: impl Into<SourceId>,
        dest_id: impl Into<String>,
        before_image: Option<serde_json::Value>,
    ) -> Intent {
        Intent {
            kind,
            source_id: source_id.into(),
            operation: Operation::Delete,
            content_hash: None,
            dest_id: Some(dest_id.into()),
            before_image,
        }
    }

    /// Adoption of an existing destination record, found by a natural key.
    pub fn match_existing(
        kind: ObjectKind,
        source_id: impl Into<SourceId>,
        content_hash: impl Into<String>,
    ) -> Intent {
        Intent {
            kind,
            source_id: source_id.into(),
            operation: Operation::Match,
            content_hash: Some(content_hash.into()),
            dest_id: None,
            before_image: None,
        }
    }
}

/// What came of a destination write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Created { dest_id: String },
    Matched { dest_id: String },
    Updated { dest_id: String },
    Deleted,
    Failed { reason: String },
    Rejected { reason: String },
}

impl Outcome {
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Outcome::Created { .. } => OutcomeKind::Created,
            Outcome::Matched { .. } => OutcomeKind::Matched,
            Outcome::Updated { .. } => OutcomeKind::Updated,
            Outcome::Deleted => OutcomeKind::Deleted,
            Outcome::Failed { .. } => OutcomeKind::Failed,
            Outcome::Rejected { .. } => OutcomeKind::Rejected,
        }
    }

    pub fn dest_id(&self) -> Option<&str> {
        match self {
            Outcome::Created { dest_id }
            | Outcome::Matched { dest_id }
            | Outcome::Updated { dest_id } => Some(dest_id),
            _ => None,
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::Failed { reason } | Outcome::Rejected { reason } => Some(reason),
            _ => None,
        }
    }

    /// Whether this outcome can answer an intent of `operation`. A create may
    /// end as `Matched` (the record turned out to exist already); otherwise each
    /// operation has its own success, and any may fail or be rejected.
    pub fn fits(&self, operation: Operation) -> bool {
        matches!(
            (operation, self.kind()),
            (_, OutcomeKind::Failed | OutcomeKind::Rejected)
                | (
                    Operation::Create,
                    OutcomeKind::Created | OutcomeKind::Matched
                )
                | (Operation::Update, OutcomeKind::Updated)
                | (Operation::Delete, OutcomeKind::Deleted)
                | (Operation::Match, OutcomeKind::Matched)
        )
    }

    pub(crate) fn journal_state(&self) -> JournalState {
        match self.kind() {
            OutcomeKind::Failed | OutcomeKind::Rejected => JournalState::Failed,
            _ => JournalState::Done,
        }
    }

    pub(crate) fn id_map_state(&self) -> IdMapState {
        match self.kind() {
            OutcomeKind::Created => IdMapState::Created,
            OutcomeKind::Matched => IdMapState::Matched,
            OutcomeKind::Updated => IdMapState::Updated,
            OutcomeKind::Deleted => IdMapState::Deleted,
            OutcomeKind::Failed => IdMapState::Failed,
            OutcomeKind::Rejected => IdMapState::Rejected,
        }
    }

    /// Rebuilds an outcome from its stored columns.
    pub(crate) fn from_parts(
        kind: OutcomeKind,
        dest_id: Option<String>,
        reason: Option<String>,
    ) -> Option<Outcome> {
        Some(match kind {
            OutcomeKind::Created => Outcome::Created { dest_id: dest_id? },
            OutcomeKind::Matched => Outcome::Matched { dest_id: dest_id? },
            OutcomeKind::Updated => Outcome::Updated { dest_id: dest_id? },
            OutcomeKind::Deleted => Outcome::Deleted,
            OutcomeKind::Failed => Outcome::Failed { reason: reason? },
            OutcomeKind::Rejected => Outcome::Rejected { reason: reason? },
        })
    }
}

/// One row of the journal: an intent and, once known, its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub id: JournalId,
    /// The run that recorded the intent.
    pub run: RunId,
    pub intent: Intent,
    pub state: JournalState,
    pub outcome: Option<Outcome>,
    pub recorded_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    /// The later run that resolved this entry after its own run ended without an outcome.
    pub resolved_by: Option<RunId>,
}

impl JournalEntry {
    /// The destination record this entry touched: the outcome's id, else the intent's.
    pub fn dest_id(&self) -> Option<&str> {
        self.outcome
            .as_ref()
            .and_then(Outcome::dest_id)
            .or(self.intent.dest_id.as_deref())
    }
}

/// A journal entry without an outcome: the process may have died mid-call, so
/// nobody knows whether the destination performed the write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingIntent {
    pub id: JournalId,
    pub run: RunId,
    pub intent: Intent,
    pub recorded_at: Timestamp,
}

/// Which way to read the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalOrder {
    /// Oldest first: replay, reports.
    Forward,
    /// Newest first: rollback undoes writes in reverse.
    Reverse,
}

/// A stored reject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectRecord {
    /// Row id; increases with time, use it as the `after` cursor of `rejects_page`.
    pub id: i64,
    pub run: RunId,
    /// The phase that rejected the record: `discover`, `plan`, `migrate`, …
    pub phase: String,
    pub reject: Reject,
    pub created_at: Timestamp,
}

/// One source record as seen by the latest read: enough to check references and
/// to find changes without holding the source in memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceIndexEntry {
    pub source_id: SourceId,
    pub content_hash: String,
    /// A key that should be unique in the destination (a customer's e-mail),
    /// normalised by the caller (e.g. lowercased).
    pub natural_key: Option<String>,
    /// The record's `updated_at` in the source (RFC 3339), when it has one.
    pub updated_at: Option<String>,
}

/// The current time as stored: RFC 3339, UTC, fixed microsecond precision, so
/// text order is time order.
pub(crate) fn now_text() -> String {
    time_text(Utc::now())
}

pub(crate) fn time_text(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Reads a stored RFC 3339 timestamp.
pub(crate) fn parse_time(text: &str) -> Result<Timestamp, FromSqlError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| FromSqlError::Other(format!("bad timestamp `{text}`: {e}").into()))
}

/// Reads a timestamp column.
pub(crate) fn time_at(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Timestamp> {
    let text: String = row.get(idx)?;
    parse_time(&text).map_err(|e| conversion_error(idx, e))
}

/// Reads a nullable timestamp column.
pub(crate) fn opt_time_at(
    row: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<Option<Timestamp>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| parse_time(&t).map_err(|e| conversion_error(idx, e)))
        .transpose()
}

/// Reads a nullable JSON column.
pub(crate) fn opt_json_at(
    row: &rusqlite::Row<'_>,
    idx: usize,
) -> rusqlite::Result<Option<serde_json::Value>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| {
        serde_json::from_str(&t)
            .map_err(|e| conversion_error(idx, FromSqlError::Other(Box::new(e))))
    })
    .transpose()
}

pub(crate) fn conversion_error(idx: usize, error: FromSqlError) -> rusqlite::Error {
    let inner: Box<dyn std::error::Error + Send + Sync> = match error {
        FromSqlError::Other(e) => e,
        other => Box::new(other),
    };
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, inner)
}
