//! One test binary for the Gorgias destination's tests, each against the emulator.
//!
//! Each file under `tests/it/` is a module here rather than a binary of its
//! own: every test binary links the whole stack, so one per crate keeps a
//! fresh `cargo test --workspace` to a few link steps and a small target
//! directory. Run one file's tests with `cargo test -p <crate> --test it <module>::`.

mod bad_input;
mod common;
mod crash;
mod customer_data;
mod delta;
mod economy;
mod existing;
mod faults;
mod field_map;
mod long_thread;
mod lost_outcomes;
mod migrate;
mod plan;
mod rollback;
mod sample;
