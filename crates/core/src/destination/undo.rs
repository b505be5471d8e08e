//! What rollback asks of a destination: small primitives over one kind of
//! record at a time. The core walks the journal, decides what each record
//! needs (remove, restore, release) and keeps the write-ahead protocol
//! ([`crate::rollback`]); a destination only knows *how* its API removes or
//! restores a record of a kind.

use super::LoadContext;
use crate::model::{ObjectKind, SourceId, Timestamp};
use serde::{Deserialize, Serialize};

/// One record to undo.
#[derive(Debug, Clone, PartialEq)]
pub struct UndoStep {
    pub kind: ObjectKind,
    pub source_id: SourceId,
    pub dest_id: String,
    pub action: UndoAction,
}

/// What to do to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "undo", content = "image")]
pub enum UndoAction {
    /// deskshift created it: take it away, as far as the API allows
    /// (deleted; a user deactivated; a field archived).
    Remove,
    /// deskshift changed it: put this before-image back.
    Restore(serde_json::Value),
}

/// What became of one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undone {
    /// Done; the words say how ("deleted", "deactivated", "removed with its
    /// ticket").
    Done(String),
    /// Not there any more: nothing to undo.
    Gone,
    /// The destination would not; its words and what to do.
    Refused(String),
}

/// What the rollback in progress removes, for a destination that may leave
/// a child to go with its parent.
pub trait UndoPlan: Send + Sync {
    /// Whether this rollback removes the destination record `dest_id` of `kind`.
    fn removes(&self, kind: ObjectKind, dest_id: &str) -> bool;
}

/// Everything an undo needs.
pub struct UndoContext<'a> {
    pub load: &'a LoadContext<'a>,
    pub plan: &'a dyn UndoPlan,
}

/// A destination record someone changed after deskshift last wrote to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Touched {
    pub kind: ObjectKind,
    pub dest_id: String,
    /// When and, where the destination says, by whom.
    pub detail: String,
    pub modified_at: Option<Timestamp>,
}
