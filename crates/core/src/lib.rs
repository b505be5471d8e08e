//! deskshift's core: the canonical helpdesk model, the [`source::Source`] trait,
//! the ledger, and the phases that need no network code of their own.
//!
//! This crate never names a destination and never opens a socket; sources and
//! destinations live in their own crates and plug in through traits defined here.

pub mod deliverables;
pub mod delta;
pub mod destination;
pub mod discover;
pub mod engine;
pub mod ledger;
pub mod mapping;
pub mod model;
pub mod normalise;
pub mod plan;
pub mod progress;
pub mod project;
pub mod reconciliation;
pub mod rollback;
pub mod sample;
pub mod source;
pub mod summary;
