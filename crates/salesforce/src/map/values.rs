//! Value maps: Stames status, priority, channel and role → Salesforce
//! picklist values (`Case.Status`, `Case.Priority`, `Case.Origin`) and
//! profile suggestions.
//!
//! The seed's promise is that Case Status values "match the Stames ticket
//! pipeline": every Stames value keeps its own Salesforce value. Where the
//! standard picklist has the same meaning (New, Closed, High, Low, Email,
//! Web) that value is used; otherwise a value is named after the Stames one
//! and reported as missing so `prepare` adds it through the Tooling API
//! (`Case.Status` values carry the *closed* flag, which decides
//! `IsClosed`). An org value that differs only in case is used as the org
//! spells it.
//!
//! | Stames status | Case.Status | closed |
//! |---|---|---|
//! | new | New | no |
//! | open | Working | no |
//! | pending | Pending | no (added) |
//! | on_hold | On Hold | no (added) |
//! | solved | Solved | yes (added) |
//! | closed | Closed | yes |
//! | other | its name in title case (noted) | no (added) |

use super::text::title_case;
use super::Mapped;
use deskshift_core::mapping::{map_value, FieldMap, SourceEnumeration, UnmappedValue};
use deskshift_core::model::Channel;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The Salesforce picklists deskshift maps values into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Picklist {
    CaseStatus,
    CasePriority,
    CaseOrigin,
}

impl Picklist {
    /// `Object.Field`, as the Tooling API and reports name it.
    pub fn field(self) -> &'static str {
        match self {
            Picklist::CaseStatus => "Case.Status",
            Picklist::CasePriority => "Case.Priority",
            Picklist::CaseOrigin => "Case.Origin",
        }
    }
}

/// A picklist value deskshift wants, with the Case Status *closed* flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WantedValue {
    pub value: String,
    /// Only meaningful for `Case.Status`: whether the status closes a Case.
    pub closed: bool,
}

impl WantedValue {
    fn open(value: &str) -> WantedValue {
        WantedValue {
            value: value.to_string(),
            closed: false,
        }
    }

    fn closed(value: &str) -> WantedValue {
        WantedValue {
            value: value.to_string(),
            closed: true,
        }
    }
}

/// The Case Status for a Stames status.
pub fn status(stames: &str) -> Mapped<WantedValue> {
    match stames.trim().to_ascii_lowercase().as_str() {
        "new" => Mapped::exact(WantedValue::open("New")),
        "open" => Mapped::exact(WantedValue::open("Working")),
        "pending" => Mapped::exact(WantedValue::open("Pending")),
        "on_hold" | "on-hold" | "on hold" => Mapped::exact(WantedValue::open("On Hold")),
        "solved" => Mapped::exact(WantedValue::closed("Solved")),
        "closed" => Mapped::exact(WantedValue::closed("Closed")),
        _ => unknown(stames, "status", "New"),
    }
}

/// The Case Priority for a Stames priority. Salesforce's standard values
/// are High, Medium, Low; `urgent` keeps its own value above High.
pub fn priority(stames: &str) -> Mapped<WantedValue> {
    match stames.trim().to_ascii_lowercase().as_str() {
        "urgent" => Mapped::exact(WantedValue::open("Urgent")),
        "high" => Mapped::exact(WantedValue::open("High")),
        "normal" | "medium" => Mapped::exact(WantedValue::open("Medium")),
        "low" => Mapped::exact(WantedValue::open("Low")),
        _ => unknown(stames, "priority", "Medium"),
    }
}

/// The Case Origin for a Stames channel. Email and the contact form map to
/// the standard Email and Web; the others get their own values (the exact
/// channel is also in `Stames_Channel_Source__c`).
pub fn origin(channel: &Channel) -> Mapped<WantedValue> {
    match channel {
        Channel::Email => Mapped::exact(WantedValue::open("Email")),
        Channel::ContactForm => Mapped::exact(WantedValue::open("Web")),
        Channel::Api => Mapped::exact(WantedValue::open("API")),
        Channel::Facebook => Mapped::exact(WantedValue::open("Facebook")),
        Channel::Instagram => Mapped::exact(WantedValue::open("Instagram")),
        Channel::Whatsapp => Mapped::exact(WantedValue::open("WhatsApp")),
        Channel::Other(name) => unknown(name, "channel", "API"),
    }
}

/// The picklist value the confirmed map gives `source` through its value
/// map `name`, beside `standard` (the standard unit's answer for it): the
/// map's value, keeping the standard's *closed* flag (whether the Stames
/// status is a finished one), and a note when the map departs from the
/// standard. A value the map lacks is an error: never a default.
pub fn confirmed(
    map: &FieldMap,
    name: SourceEnumeration,
    source: &str,
    standard: Mapped<WantedValue>,
) -> Result<Mapped<WantedValue>, UnmappedValue> {
    let to = map_value(map, name.name(), source)?;
    if to == standard.value.value {
        return Ok(standard);
    }
    Ok(Mapped::noted(
        WantedValue {
            value: to.to_string(),
            closed: standard.value.closed,
        },
        format!(
            "Stames value `{source}` became `{to}` (value map [value_maps.{}])",
            name.name()
        ),
    ))
}

/// An unknown Stames value keeps its own name (title case, ≤ 255), noted;
/// a blank one gets `fallback`.
fn unknown(stames: &str, what: &str, fallback: &str) -> Mapped<WantedValue> {
    let name = super::schema::picklist_value(&title_case(stames));
    match name {
        Some(value) => Mapped::unrecognised(
            WantedValue::open(&value),
            format!("unknown Stames {what} `{stames}` became the new value `{value}`"),
        ),
        None => Mapped::unrecognised(
            WantedValue::open(fallback),
            format!("empty Stames {what} became `{fallback}`"),
        ),
    }
}

/// A value of the org's picklist, as describe lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgValue {
    pub value: String,
    pub active: bool,
}

/// Source values resolved against the org's picklist.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueMap {
    /// Stames value (as spelled) → the Salesforce value to write.
    pub values: BTreeMap<String, String>,
    /// Values the org's picklist lacks (or has inactive): `prepare` adds or
    /// activates them through the Tooling API before any record moves.
    pub missing: Vec<WantedValue>,
    /// Unknown source values and other notes, for the plan report.
    pub notes: Vec<String>,
}

impl ValueMap {
    /// The Salesforce value for a Stames value, when it was resolved.
    pub fn get(&self, stames: &str) -> Option<&str> {
        self.values.get(stames).map(String::as_str)
    }
}

/// Resolves every source value of one picklist against the org's values:
/// an org value equal ignoring case is used as the org spells it; anything
/// else is reported missing (once).
pub fn resolve<'a>(
    wanted: impl IntoIterator<Item = (&'a str, Mapped<WantedValue>)>,
    org: &[OrgValue],
) -> ValueMap {
    let mut map = ValueMap::default();
    for (source, mapped) in wanted {
        if map.values.contains_key(source) {
            continue;
        }
        map.notes.extend(mapped.note);
        let want = mapped.value;
        let existing = org
            .iter()
            .find(|o| o.active && o.value.eq_ignore_ascii_case(&want.value));
        let value = match existing {
            Some(o) => o.value.clone(),
            None => {
                if !map
                    .missing
                    .iter()
                    .any(|m| m.value.eq_ignore_ascii_case(&want.value))
                {
                    map.missing.push(want.clone());
                }
                want.value
            }
        };
        map.values.insert(source.to_string(), value);
    }
    map
}

/// The Salesforce profile deskshift suggests for a Stames role, for the
/// reconciliation queue (users are never created by default; an admin
/// provisions them).
pub fn suggested_profile(role: &str) -> Mapped<&'static str> {
    match role.trim().to_ascii_lowercase().as_str() {
        "owner" | "admin" => Mapped::exact("System Administrator"),
        "agent" => Mapped::exact("Standard User"),
        "light_agent" | "light-agent" => Mapped::noted(
            "Read Only",
            "a Stames light agent can comment but not own tickets; review the profile",
        ),
        _ => Mapped::unrecognised(
            "Standard User",
            format!("unknown Stames role `{role}`; review its permissions"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_stames_status_keeps_its_own_case_status() {
        let closed: Vec<_> = ["new", "open", "pending", "on_hold", "solved", "closed"]
            .iter()
            .map(|s| {
                let m = status(s);
                assert!(m.note.is_none(), "{s}");
                (m.value.value, m.value.closed)
            })
            .collect();
        assert_eq!(
            closed,
            [
                ("New".to_string(), false),
                ("Working".into(), false),
                ("Pending".into(), false),
                ("On Hold".into(), false),
                ("Solved".into(), true),
                ("Closed".into(), true)
            ]
        );
        let escalated = status("escalated_twice");
        assert_eq!(escalated.value.value, "Escalated Twice");
        assert!(!escalated.recognised);
        assert!(escalated.note.unwrap().contains("unknown"));
        assert_eq!(status("  ").value.value, "New");
    }

    #[test]
    fn priorities_and_origins() {
        assert_eq!(priority("urgent").value.value, "Urgent");
        assert_eq!(priority("normal").value.value, "Medium");
        assert_eq!(origin(&Channel::ContactForm).value.value, "Web");
        assert_eq!(origin(&Channel::Whatsapp).value.value, "WhatsApp");
        let other = origin(&Channel::Other("tik_tok".into()));
        assert_eq!(other.value.value, "Tik Tok");
        assert!(other.note.is_some());
    }

    #[test]
    fn resolution_uses_org_spelling_and_reports_what_is_missing() {
        let org = vec![
            OrgValue {
                value: "New".into(),
                active: true,
            },
            OrgValue {
                value: "working".into(),
                active: true,
            },
            OrgValue {
                value: "Closed".into(),
                active: true,
            },
            OrgValue {
                value: "Pending".into(),
                active: false,
            },
        ];
        let sources = ["new", "open", "pending", "solved", "closed", "new"];
        let map = resolve(sources.iter().map(|s| (*s, status(s))), &org);
        assert_eq!(map.get("open"), Some("working"));
        assert_eq!(map.get("solved"), Some("Solved"));
        assert_eq!(map.get("missing"), None);
        assert_eq!(
            map.missing,
            [
                WantedValue {
                    value: "Pending".into(),
                    closed: false
                },
                WantedValue {
                    value: "Solved".into(),
                    closed: true
                }
            ]
        );
    }

    #[test]
    fn roles_suggest_profiles() {
        assert_eq!(suggested_profile("owner").value, "System Administrator");
        assert_eq!(suggested_profile("agent").value, "Standard User");
        assert!(suggested_profile("light_agent").note.is_some());
        assert!(suggested_profile("boss").note.unwrap().contains("boss"));
    }

    proptest! {
        #[test]
        fn any_value_maps_to_a_usable_picklist_value(s in any::<String>()) {
            for mapped in [status(&s), priority(&s), origin(&Channel::Other(s.clone()))] {
                prop_assert!(!mapped.value.value.is_empty());
                prop_assert!(mapped.value.value.chars().count() <= 255);
                prop_assert!(!mapped.value.value.contains(';'));
            }
        }
    }
}
