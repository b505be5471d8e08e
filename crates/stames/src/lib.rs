//! The Stames source: a REST client and an export-bundle reader, both behind
//! [`deskshift_core::source::Source`].
//!
//! Everything that depends on the shape of the Stames API lives in [`api`]; the
//! Stames API is barely documented, so adapting to the real one should touch that
//! module and nothing else.

pub mod api;
