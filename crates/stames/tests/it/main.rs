//! One test binary for the Stames source's tests, each against the emulator.
//!
//! Each file under `tests/it/` is a module here rather than a binary of its
//! own: every test binary links the whole stack, so one per crate keeps a
//! fresh `cargo test --workspace` to a few link steps and a small target
//! directory. Run one file's tests with `cargo test -p <crate> --test it <module>::`.

mod api;
mod common;
mod export;
mod export_property;
