//! The Stames source: a REST client and an export-bundle reader, both behind
//! [`deskshift_core::source::Source`].
//!
//! Everything that depends on the shape of the Stames API lives in [`api`]; the
//! Stames API is barely documented, so adapting to the real one should touch that
//! module and nothing else. The export reader ([`export`]) reuses the API's wire
//! types and the very same conversion, so a record reads the same either way.

pub mod api;
mod attachment;
pub mod export;
mod stream_util;

pub use api::credentials::Credentials;
pub use api::rate_limit::StamesRateLimit;
pub use api::rest::{StamesApi, StamesOptions};
pub use export::ExportBundle;
