//! Wire records → canonical records, with validation.
//!
//! One code path for the REST client and the export reader: both hand each raw
//! JSON record to [`decode`], which deserialises it into its wire struct and
//! converts that, and both assemble tickets with [`assemble_thread`]. A record
//! that fails either step becomes a [`Reject`] naming the record, the field and
//! what to do; nothing here panics or fails more than the one record.
//!
//! Rules, and why:
//! - a record without an id is rejected: the ledger keys everything by it;
//! - timestamps must be RFC 3339 (any offset; stored as UTC);
//! - e-mail addresses are trimmed and lower-cased, then checked pragmatically
//!   (one `@`, something before it, a dotted domain, no spaces); a bad address
//!   rejects the customer or agent, since destinations match people by e-mail.
//!   A blank customer address counts as none (Stames customers from social
//!   channels often have none); an agent must have one;
//! - an unknown channel is kept as [`Channel::Other`](deskshift_core::model::Channel::Other), not rejected: Stames may
//!   add channels;
//! - custom field values keep their JSON type; `null` means unset; an object
//!   (or a list holding anything but text) is rejected, naming the field;
//! - an agent is departed when Stames says `departed` or gives `departed_at`;
//!   without a date, `updated_at` stands in (the last moment Stames changed the
//!   record, so the best bound known).
//!
//! Cross-record checks (does the customer exist?) are not here: they need an
//! index of every id, which discovery keeps in the ledger.

mod cascade;
mod people;
mod schema;
mod tickets;
mod values;

pub(crate) use cascade::message_children_rejects;
pub use cascade::{message_of_rejected_ticket, ticket_children_rejects};
pub use schema::workspace;
pub use tickets::{assemble_thread, decode_message, TicketHead};

use chrono::DateTime;
use deskshift_core::model::{ObjectKind, SourceId, Timestamp};
use deskshift_core::source::Reject;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A canonical record built from one Stames wire record.
pub trait FromWire: Sized {
    /// The wire shape, as served by the API and written in export files.
    type Wire: DeserializeOwned;
    /// The kind rejects of this record are counted under.
    const KIND: ObjectKind;
    fn from_wire(wire: Self::Wire) -> Result<Self, Reject>;
}

/// Decodes one raw record: deserialise into the wire struct, then convert.
///
/// A record with the wrong JSON types is rejected naming the offending field
/// (by its path, e.g. `custom_fields[2].field_id`) and, when the raw JSON has
/// one, its id.
pub fn decode<T: FromWire>(raw: &Value) -> Result<T, Reject> {
    let wire: T::Wire =
        serde_path_to_error::deserialize(raw).map_err(|error| shape_reject(T::KIND, raw, error))?;
    T::from_wire(wire)
}

/// A record's id as found in its raw JSON, when there is a usable one.
pub fn raw_id(raw: &Value) -> Option<SourceId> {
    match raw.get("id")? {
        Value::Number(n) => n.as_u64().map(|id| id.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

fn shape_reject(
    kind: ObjectKind,
    raw: &Value,
    error: serde_path_to_error::Error<serde_json::Error>,
) -> Reject {
    let inner = error.inner().to_string();
    let path = error.path().to_string();
    let path = (path != ".").then_some(path);
    // serde reports a missing field at its parent's path, and names it only in
    // the message: "missing field `subject`".
    let missing = inner
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'));
    let field = match (path, missing) {
        (Some(path), Some(name)) => format!("{path}.{name}"),
        (None, Some(name)) => name.to_string(),
        (Some(path), None) => path,
        (None, None) => "(record)".to_string(),
    };
    Reject::new(
        kind,
        raw_id(raw),
        field,
        format!("does not have the shape the Stames API uses: {inner}"),
        "fix the record in Stames (or in the export file) so the field has the documented \
         type; see docs/stames-api.md",
    )
}

/// Builds rejects for one record, so each check reads as one line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checker<'a> {
    kind: ObjectKind,
    id: Option<&'a str>,
}

impl<'a> Checker<'a> {
    pub(crate) fn new(kind: ObjectKind, id: Option<&'a str>) -> Checker<'a> {
        Checker { kind, id }
    }

    pub(crate) fn reject(
        &self,
        field: impl Into<String>,
        reason: impl Into<String>,
        hint: impl Into<String>,
    ) -> Reject {
        Reject::new(self.kind, self.id.map(str::to_string), field, reason, hint)
    }

    /// An RFC 3339 timestamp, as UTC.
    pub(crate) fn timestamp(&self, field: &str, value: &str) -> Result<Timestamp, Reject> {
        DateTime::parse_from_rfc3339(value.trim())
            .map(|t| t.to_utc())
            .map_err(|error| {
                self.reject(
                    field,
                    format!("not an RFC 3339 timestamp: {value:?} ({error})"),
                    "correct the date in Stames (e.g. 2024-03-01T09:30:00Z) or in the export file",
                )
            })
    }

    pub(crate) fn optional_timestamp(
        &self,
        field: &str,
        value: Option<&str>,
    ) -> Result<Option<Timestamp>, Reject> {
        value.map(|v| self.timestamp(field, v)).transpose()
    }

    /// A normalised e-mail address (trimmed, lower-case) that passed the
    /// syntax check.
    pub(crate) fn email(&self, field: &str, value: &str) -> Result<String, Reject> {
        let address = deskshift_core::normalise::email_key(value);
        match email_problem(&address) {
            None => Ok(address),
            Some(problem) => Err(self.reject(
                field,
                format!("not an e-mail address: {value:?} ({problem})"),
                "correct the address in Stames; destinations match people by e-mail",
            )),
        }
    }
}

/// The required id of a record, as text.
pub(crate) fn require_id(kind: ObjectKind, id: Option<u64>) -> Result<SourceId, Reject> {
    id.map(|id| id.to_string()).ok_or_else(|| {
        Reject::new(
            kind,
            None,
            "id",
            "the record has no id",
            "every record needs its Stames id to be tracked through the migration; \
             re-export it from Stames or remove it",
        )
    })
}

/// Why a normalised address is not one, or `None` when it looks fine.
/// Deliberately pragmatic: the destinations check again on their side.
fn email_problem(address: &str) -> Option<&'static str> {
    if address.is_empty() {
        return Some("empty");
    }
    if address.chars().any(char::is_whitespace) {
        return Some("contains spaces");
    }
    let mut parts = address.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Some("needs exactly one @");
    };
    if local.is_empty() {
        return Some("nothing before the @");
    }
    if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
        return Some("the domain needs a dot, e.g. example.com");
    }
    if domain.split('.').any(str::is_empty) {
        return Some("the domain has an empty label");
    }
    None
}

#[cfg(test)]
mod tests;
