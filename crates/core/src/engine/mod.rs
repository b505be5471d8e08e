//! The machinery every destination shares when it writes: the exactly-once
//! write protocol over the ledger ([`journal`]) and the reconciliation counters
//! ([`counts`]). Destination crates decide *what* to write and in which order;
//! this module decides *how* a write is made safe.

pub mod counts;
pub mod gates;
pub mod journal;
pub mod phases;
pub mod stages;

pub use counts::Counts;
pub use journal::{Changed, Journal, WriteError, Written};
pub use phases::{applied_map, preflight_gate, PhaseError, Phases};
