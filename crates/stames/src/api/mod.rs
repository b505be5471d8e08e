//! The assumed Stames REST API (see `docs/stames-api.md`): wire types, endpoint
//! names, and the conversion from wire records to the canonical model.

pub mod endpoints;
pub mod wire;
