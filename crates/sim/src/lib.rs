//! Local emulators that stand in for the real services in tests and `demo`.
//!
//! - [`stames`]: the Stames source — a deterministic workspace generator, the
//!   assumed REST API (`docs/stames-api.md`) served over HTTP with auth,
//!   pagination, `updated_since`, rate limiting and a few writes, and an
//!   export-bundle writer (`docs/stames-export.md`).
//! - [`salesforce`]: a Salesforce Service Cloud org (REST, Composite,
//!   Bulk API 2.0, Tooling, OAuth) with the platform rules a load trips over.
//! - [`budget`] and [`rate_limit`]: the API call budget every emulator
//!   enforces, shared so the destination emulators limit the same way.
//! - [`harness`]: what destination tests and benchmarks share (a Stames
//!   emulator read by the real source, a project, phases run as the binary
//!   runs them against any destination).

pub mod budget;
pub mod faults;
pub mod gorgias;
pub mod harness;
pub mod persist;
pub mod rate_limit;
pub mod salesforce;
pub mod scenario;
pub mod stames;

pub use budget::{Budget, BudgetParseError};

/// The environment variable `name` when set and not blank, else `default`:
/// how every emulator reads the credentials it accepts, so one set of
/// exports serves both an emulator and deskshift.
pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}
