//! One test binary for the engine's and the ledger's tests.
//!
//! Each file under `tests/it/` is a module here rather than a binary of its
//! own: every test binary links the whole stack, so one per crate keeps a
//! fresh `cargo test --workspace` to a few link steps and a small target
//! directory. Run one file's tests with `cargo test -p <crate> --test it <module>::`.

mod common;
mod discover;
mod engine_journal;
mod engine_phases;
mod ledger_crash;
mod ledger_journal;
mod ledger_open;
mod ledger_props;
mod ledger_records;
mod rollback_plan;
