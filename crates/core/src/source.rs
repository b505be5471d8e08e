//! The one trait every source implements, Vector-style: the engine reads through
//! it and never learns whether records came from a REST API or an export bundle.
//!
//! Reading is streaming by construction: each collection is a [`ReadStream`] that
//! yields one record (or one reject) at a time, so memory does not grow with the
//! size of the helpdesk. A *reject* is a record the source could see but not
//! trust (missing id, bad timestamp, invalid e-mail …); it carries enough for a
//! person to find and fix it, and the stream goes on. A [`SourceError`] is
//! different: the source itself failed (bad credentials, unreachable host) and
//! reading cannot continue.

use crate::model::{
    Agent, Attachment, Automation, CustomFieldDef, CustomObjectDef, CustomObjectRecord, Customer,
    ObjectKind, SourceId, Tag, TicketThread, Timestamp, Workspace,
};
use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One item of a source stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Read<T> {
    Record(T),
    Rejected(Reject),
}

/// A record that could not be accepted, and why, in words an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    pub kind: ObjectKind,
    /// `None` when the id itself is what is missing.
    pub source_id: Option<SourceId>,
    /// The offending field, as named in the source (`email`, `created_at`, …).
    pub field: String,
    /// What is wrong, e.g. `"not an e-mail address: \"bob at example\""`.
    pub reason: String,
    /// What to do about it.
    pub hint: String,
}

impl Reject {
    pub fn new(
        kind: ObjectKind,
        source_id: Option<SourceId>,
        field: impl Into<String>,
        reason: impl Into<String>,
        hint: impl Into<String>,
    ) -> Reject {
        Reject {
            kind,
            source_id,
            field: field.into(),
            reason: reason.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.source_id.as_deref().unwrap_or("(no id)");
        write!(
            f,
            "{} {}: field `{}`: {} — {}",
            self.kind, id, self.field, self.reason, self.hint
        )
    }
}

/// The source as a whole failed; the message is written for the operator.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Credentials missing or refused.
    #[error("{0}")]
    Auth(String),
    /// The source could not be reached or kept failing after retries.
    #[error("{0}")]
    Unavailable(String),
    /// Anything else: a protocol surprise, a corrupt export bundle.
    #[error("{0}")]
    Other(String),
}

/// A fallible stream of records or rejects.
pub type ReadStream<'a, T> = BoxStream<'a, Result<Read<T>, SourceError>>;

/// A stream of attachment bytes.
pub type ByteStream = BoxStream<'static, Result<Bytes, SourceError>>;

/// Counters a source keeps about its own API use; all zero for file sources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiStats {
    pub calls: u64,
    pub rate_limited: u64,
    pub retries: u64,
}

/// A helpdesk to read from.
///
/// `since`, where taken, limits the stream to records created or updated at or
/// after that instant (delta sync). Collections without it are small and always
/// read whole.
#[async_trait]
pub trait Source: Send + Sync {
    /// One line naming the source for logs and reports, never with secrets.
    fn describe(&self) -> String;

    async fn workspace(&self) -> Result<Workspace, SourceError>;
    fn agents(&self) -> ReadStream<'_, Agent>;
    fn customers(&self, since: Option<Timestamp>) -> ReadStream<'_, Customer>;
    fn tags(&self) -> ReadStream<'_, Tag>;
    fn custom_fields(&self) -> ReadStream<'_, CustomFieldDef>;
    fn custom_objects(&self) -> ReadStream<'_, CustomObjectDef>;
    fn custom_object_records(&self, since: Option<Timestamp>)
        -> ReadStream<'_, CustomObjectRecord>;
    fn automations(&self) -> ReadStream<'_, Automation>;
    /// Tickets with their messages and status history, in ascending id order.
    /// A malformed message inside a valid ticket is yielded as a separate
    /// [`Read::Rejected`] right before its ticket, and left out of the thread.
    fn tickets(&self, since: Option<Timestamp>) -> ReadStream<'_, TicketThread>;

    /// Opens an attachment's content as a byte stream.
    async fn open_attachment(&self, attachment: &Attachment) -> Result<ByteStream, SourceError>;

    /// How many records of each kind the source says it holds (API list totals,
    /// export manifest counts). Discovery checks `read + rejected` against these so
    /// a pagination gap or a truncated file cannot lose records silently. Kinds the
    /// source cannot count up front are simply absent.
    async fn declared_counts(&self) -> Result<BTreeMap<ObjectKind, u64>, SourceError> {
        Ok(BTreeMap::new())
    }

    /// API usage so far.
    fn api_stats(&self) -> ApiStats {
        ApiStats::default()
    }
}
