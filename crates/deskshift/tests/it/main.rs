//! One test binary for the command line's tests: each drives the built `deskshift` binary.
//!
//! Each file under `tests/it/` is a module here rather than a binary of its
//! own: every test binary links the whole stack, so one per crate keeps a
//! fresh `cargo test --workspace` to a few link steps and a small target
//! directory. Run one file's tests with `cargo test -p <crate> --test it <module>::`.

mod cli_crash;
mod cli_cutover;
mod cli_deliverables;
mod cli_discover;
mod cli_map;
mod cli_map_apply;
mod cli_map_assist;
mod cli_rules;
mod cli_salesforce_crash;
mod cli_sample;
mod cli_sim;
mod common;
mod map_proposal;
