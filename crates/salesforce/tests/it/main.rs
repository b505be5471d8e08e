//! One test binary for the Salesforce destination's tests, each against the emulator.
//!
//! Each file under `tests/it/` is a module here rather than a binary of its
//! own: every test binary links the whole stack, so one per crate keeps a
//! fresh `cargo test --workspace` to a few link steps and a small target
//! directory. Run one file's tests with `cargo test -p <crate> --test it <module>::`.

mod bad_input;
mod client_emulator;
mod client_jwt;
mod client_stub;
mod common;
mod cutover;
mod faults;
mod field_map;
mod migrate;
mod plan;
mod preflight;
mod sample;
mod topics;
