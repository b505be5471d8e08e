//! The standard Gorgias map of DESIGN.md §4, as small pure units: each
//! module makes one decision, says why in its docs, and is tested alone
//! (Zammad's importer style). Nothing here calls the network or the ledger;
//! the writer resolves ids first and hands them in, and `verify` runs the
//! very same functions to know what Gorgias must hold.

pub mod body;
pub mod channel;
pub mod customer;
pub mod extras;
pub mod fields;
pub mod history;
pub mod message;
pub mod people;
pub mod priority;
pub mod role;
pub mod status;
pub mod tags;
pub mod ticket;
pub mod time;

pub use deskshift_core::mapping::Mapped;
pub use deskshift_core::normalise::truncate_chars;
use serde::{Deserialize, Serialize};

/// A change the map made so Gorgias accepts a record, kept with the record
/// (in its migration note) and in the ledger so nothing changes silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repair {
    /// The Stames field repaired, e.g. `subject`.
    pub field: String,
    /// What was done, in words an operator can act on.
    pub detail: String,
}

impl Repair {
    pub fn new(field: impl Into<String>, detail: impl Into<String>) -> Repair {
        Repair {
            field: field.into(),
            detail: detail.into(),
        }
    }
}

/// A field map holding the standard value maps for every value the
/// standard units know: what unit tests map through.
#[cfg(test)]
pub(crate) fn standard_map() -> deskshift_core::mapping::FieldMap {
    use deskshift_core::mapping::{value_map, FieldMap, SourceEnumeration as E};
    use deskshift_core::model::Channel;
    let mut map = FieldMap::unmapped("gorgias");
    let statuses = ["new", "open", "pending", "on_hold", "solved", "closed"];
    let priorities = ["urgent", "high", "normal", "low"];
    let roles = ["owner", "admin", "agent", "light_agent"];
    for (name, pairs) in [
        (
            E::TicketStatus,
            statuses
                .map(|v| (v.to_string(), status::status(v).value.to_string()))
                .to_vec(),
        ),
        (
            E::TicketPriority,
            priorities
                .map(|v| (v.to_string(), priority::priority(v).value.to_string()))
                .to_vec(),
        ),
        (
            E::AgentRole,
            roles
                .map(|v| (v.to_string(), role::role(v).value.to_string()))
                .to_vec(),
        ),
        (
            E::Channel,
            Channel::KNOWN
                .iter()
                .map(|c| (c.label(), channel::attribution(c).value.channel))
                .collect(),
        ),
    ] {
        map.value_maps
            .insert(name.name().to_string(), value_map(pairs));
    }
    map
}
