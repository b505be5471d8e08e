//! The assumed Stames REST API (see `docs/stames-api.md`): wire types, endpoint
//! names, the conversion from wire records to the canonical model, and the
//! REST client. Everything that depends on the shape of the Stames API lives
//! here; the export reader reuses the wire types and the conversion.

pub mod convert;
pub mod credentials;
pub mod endpoints;
pub mod rate_limit;
pub mod rest;
pub mod wire;
