//! One test binary for the emulators' tests.
//!
//! Each file under `tests/it/` is a module here rather than a binary of its
//! own: every test binary links the whole stack, so one per crate keeps a
//! fresh `cargo test --workspace` to a few link steps and a small target
//! directory. Run one file's tests with `cargo test -p <crate> --test it <module>::`.

mod export;
mod generate;
mod gorgias_api;
mod gorgias_common;
mod gorgias_faults;
mod gorgias_state;
mod salesforce_api;
mod salesforce_fidelity;
mod server;
