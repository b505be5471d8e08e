//! How long-running phases tell the outside world how far they are.
//!
//! The core only emits events; the binary decides whether they become progress
//! bars (on a terminal) or plain lines (in CI logs and pipes).

use crate::model::ObjectKind;

pub trait Progress: Send + Sync {
    /// A phase begins reading or writing `kind`; `total` when known up front.
    fn start(&self, kind: ObjectKind, total: Option<u64>);
    /// `n` more records of `kind` are done.
    fn advance(&self, kind: ObjectKind, n: u64);
    /// `kind` is complete.
    fn finish(&self, kind: ObjectKind);
    /// A line worth showing the operator (a warning, a milestone).
    fn note(&self, line: &str);
}

/// Discards every event; for tests and `--json` runs.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: ObjectKind, _: Option<u64>) {}
    fn advance(&self, _: ObjectKind, _: u64) {}
    fn finish(&self, _: ObjectKind) {}
    fn note(&self, _: &str) {}
}
