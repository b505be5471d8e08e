//! The confirmation gate: no record moves until the user confirmed
//! `mapping.toml`, and none after it changed until they confirm again.
//!
//! `deskshift map confirm` stores the map's canonical hash, its canonical
//! form (for `map diff`) and the time in the ledger's meta table.
//! [`require_confirmed`] — run by `prepare` and `migrate` beside the
//! preflight gate — reads the file again and refuses (exit 4, with the
//! command to run) when it is missing, broken, unconfirmed, changed since,
//! or made for another destination.

use super::file::{parse, Locations, MapFileError};
use super::model::{FieldMap, MapRow, Target};
use crate::engine::PhaseError;
use crate::ledger::{Ledger, LedgerError};
use crate::project::MAPPING_FILE;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// Ledger meta keys.
pub const CONFIRMED_KEY: &str = "mapping.confirmed";
pub const PROPOSED_KEY: &str = "mapping.proposed";

/// `mapping.toml` as read from a project.
#[derive(Debug, Clone)]
pub struct LoadedMap {
    pub path: PathBuf,
    pub map: FieldMap,
    pub locations: Locations,
}

/// Why `mapping.toml` could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path} does not exist; run `deskshift map propose` to write it")]
    Missing { path: PathBuf },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {error}")]
    Invalid { path: PathBuf, error: MapFileError },
}

/// Reads the project's `mapping.toml`.
pub fn load(project_dir: &Path) -> Result<LoadedMap, LoadError> {
    let path = project_dir.join(MAPPING_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LoadError::Missing { path })
        }
        Err(source) => return Err(LoadError::Io { path, source }),
    };
    match parse(&text) {
        Ok((map, locations)) => Ok(LoadedMap {
            path,
            map,
            locations,
        }),
        Err(error) => Err(LoadError::Invalid { path, error }),
    }
}

/// A confirmation as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confirmed {
    pub hash: String,
    pub at: crate::model::Timestamp,
    pub map: FieldMap,
}

/// Records `map` as confirmed now.
pub fn record_confirmation(ledger: &Ledger, map: &FieldMap) -> Result<Confirmed, LedgerError> {
    let confirmed = Confirmed {
        hash: map.hash(),
        at: chrono::Utc::now(),
        map: map.canonical(),
    };
    let json = serde_json::to_string(&confirmed).expect("a field map serialises");
    ledger.set_meta(CONFIRMED_KEY, &json)?;
    Ok(confirmed)
}

/// The last confirmation, if any (an unreadable one counts as none).
pub fn confirmed(ledger: &Ledger) -> Result<Option<Confirmed>, LedgerError> {
    Ok(ledger
        .meta(CONFIRMED_KEY)?
        .and_then(|json| serde_json::from_str(&json).ok()))
}

/// Keeps the map `map propose` wrote, so later commands can tell the user's
/// edits from the proposal.
pub fn record_proposal(ledger: &Ledger, map: &FieldMap) -> Result<(), LedgerError> {
    let json = serde_json::to_string(&map.canonical()).expect("a field map serialises");
    ledger.set_meta(PROPOSED_KEY, &json)
}

/// The map `map propose` last wrote.
pub fn proposed(ledger: &Ledger) -> Result<Option<FieldMap>, LedgerError> {
    Ok(ledger
        .meta(PROPOSED_KEY)?
        .and_then(|json| serde_json::from_str(&json).ok()))
}

/// The gate: the confirmed map, or a refusal that says what to run.
pub fn require_confirmed(
    project_dir: &Path,
    ledger: &Ledger,
    destination: &str,
) -> Result<FieldMap, PhaseError> {
    let refuse = |why: String| Err(PhaseError::Refused(why));
    let loaded = match load(project_dir) {
        Ok(loaded) => loaded,
        Err(LoadError::Missing { path }) => {
            return refuse(format!(
                "no field map yet ({} is missing): run `deskshift map propose`, review the file, \
                 then `deskshift map confirm`; no record moves before that",
                path.display()
            ))
        }
        Err(err) => {
            return refuse(format!(
                "{err}; fix it, then run `deskshift map confirm` again"
            ))
        }
    };
    if loaded.map.destination != destination {
        return refuse(format!(
            "{} was made for `{}` but the project migrates to `{destination}`: run \
             `deskshift map propose --force`, then `deskshift map confirm`",
            loaded.path.display(),
            loaded.map.destination
        ));
    }
    let Some(confirmed) = confirmed(ledger)? else {
        return refuse(format!(
            "the field map has not been confirmed: review {} (`deskshift map show`), then run \
             `deskshift map confirm`; no record moves before that",
            loaded.path.display()
        ));
    };
    if confirmed.hash != loaded.map.hash() {
        let changes = diff(&confirmed.map, &loaded.map);
        let shown: Vec<String> = changes.iter().take(3).map(Change::to_string).collect();
        let more = changes.len().saturating_sub(shown.len());
        return refuse(format!(
            "{} changed since it was confirmed on {} ({} {}: {}{}): review with \
             `deskshift map diff`, then run `deskshift map confirm`",
            loaded.path.display(),
            confirmed.at.format("%Y-%m-%d %H:%M UTC"),
            changes.len(),
            if changes.len() == 1 {
                "change"
            } else {
                "changes"
            },
            shown.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        ));
    }
    Ok(loaded.map)
}

// -------------------------------------------------------------------- diff

/// One difference between two maps.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    RowAdded(MapRow),
    RowRemoved(MapRow),
    /// Same Stames field, different decision or commentary.
    RowChanged {
        before: MapRow,
        after: MapRow,
    },
    /// A value-map entry added (`before` None), removed (`after` None) or changed.
    Value {
        map: String,
        value: String,
        before: Option<String>,
        after: Option<String>,
    },
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::RowAdded(row) => write!(
                f,
                "+ {} → {} ({})",
                row.source_name(),
                describe(&row.target),
                row.transform
            ),
            Change::RowRemoved(row) => write!(f, "- {} (row removed)", row.source_name()),
            Change::RowChanged { before, after } => {
                let mut parts = Vec::new();
                if before.target != after.target {
                    parts.push(format!(
                        "target {} → {}",
                        describe(&before.target),
                        describe(&after.target)
                    ));
                }
                if before.transform != after.transform {
                    parts.push(format!(
                        "transform {} → {}",
                        before.transform, after.transform
                    ));
                }
                if before.value_type != after.value_type {
                    let show = |t: Option<super::ValueType>| {
                        t.map_or_else(|| "none".to_string(), |t| t.to_string())
                    };
                    parts.push(format!(
                        "type {} → {}",
                        show(before.value_type),
                        show(after.value_type)
                    ));
                }
                if parts.is_empty() {
                    parts.push("confidence, origin or reason".into());
                }
                write!(f, "~ {}: {}", after.source_name(), parts.join("; "))
            }
            Change::Value {
                map,
                value,
                before,
                after,
            } => match (before, after) {
                (None, Some(after)) => write!(f, "+ value_maps.{map}: {value:?} → {after:?}"),
                (Some(_), None) => write!(f, "- value_maps.{map}: {value:?} (removed)"),
                (before, after) => write!(
                    f,
                    "~ value_maps.{map}: {value:?} → {:?} (was {:?})",
                    after.as_deref().unwrap_or(""),
                    before.as_deref().unwrap_or("")
                ),
            },
        }
    }
}

/// A target as one short phrase, reasons included for drops and inventory.
fn describe(target: &Target) -> String {
    match target {
        Target::Inventory(why) => format!("inventory only ({why})"),
        Target::Drop(why) => format!("dropped ({why})"),
        other => other.to_string(),
    }
}

/// What changed from `before` to `after`, rows in `after`'s order.
pub fn diff(before: &FieldMap, after: &FieldMap) -> Vec<Change> {
    let mut changes = Vec::new();
    for row in &after.rows {
        match before.row(row.object, &row.field) {
            None => changes.push(Change::RowAdded(row.clone())),
            Some(old) if old != row => changes.push(Change::RowChanged {
                before: old.clone(),
                after: row.clone(),
            }),
            Some(_) => {}
        }
    }
    for row in &before.rows {
        if after.row(row.object, &row.field).is_none() {
            changes.push(Change::RowRemoved(row.clone()));
        }
    }
    let names: std::collections::BTreeSet<&String> = before
        .value_maps
        .keys()
        .chain(after.value_maps.keys())
        .collect();
    for name in names {
        let empty = Default::default();
        let old = before.value_maps.get(name).unwrap_or(&empty);
        let new = after.value_maps.get(name).unwrap_or(&empty);
        let values: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        for value in values {
            let (was, now) = (old.get(value), new.get(value));
            if was.map(|e| &e.to) != now.map(|e| &e.to) {
                changes.push(Change::Value {
                    map: name.clone(),
                    value: value.clone(),
                    before: was.map(|e| e.to.clone()),
                    after: now.map(|e| e.to.clone()),
                });
            }
        }
    }
    changes
}

/// Rows whose decision differs from the proposal: what the user changed.
pub fn edited_rows<'a>(proposal: &FieldMap, map: &'a FieldMap) -> Vec<&'a MapRow> {
    map.rows
        .iter()
        .filter(|row| {
            proposal
                .row(row.object, &row.field)
                .is_none_or(|p| !p.same_decision(row))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::file::{render, FileNotes};
    use crate::mapping::model::{FieldRef, Target};
    use crate::model::ObjectKind;

    fn project_with(map: &FieldMap) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(MAPPING_FILE),
            render(map, &FileNotes::default()),
        )
        .unwrap();
        dir
    }

    fn refusal(result: Result<FieldMap, PhaseError>) -> String {
        match result {
            Err(PhaseError::Refused(why)) => why,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn the_gate_refuses_missing_unconfirmed_changed_and_foreign_maps() {
        let ledger = Ledger::open_in_memory().unwrap();
        let empty = tempfile::tempdir().unwrap();
        let why = refusal(require_confirmed(empty.path(), &ledger, "gorgias"));
        assert!(why.contains("deskshift map propose"), "{why}");

        let map = crate::mapping::file::tests::sample_map();
        let dir = project_with(&map);
        let why = refusal(require_confirmed(dir.path(), &ledger, "gorgias"));
        assert!(why.contains("deskshift map confirm"), "{why}");
        let why = refusal(require_confirmed(dir.path(), &ledger, "salesforce"));
        assert!(why.contains("made for `gorgias`"), "{why}");

        record_confirmation(&ledger, &map).unwrap();
        assert_eq!(
            require_confirmed(dir.path(), &ledger, "gorgias").unwrap(),
            map
        );

        let path = dir.path().join(MAPPING_FILE);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("Ticket.status", "Ticket.priority")).unwrap();
        let why = refusal(require_confirmed(dir.path(), &ledger, "gorgias"));
        assert!(why.contains("changed since it was confirmed"), "{why}");
        assert!(why.contains("Ticket.priority"), "{why}");
        assert!(why.contains("deskshift map diff"), "{why}");

        std::fs::write(&path, "format = 1\ndestination = ").unwrap();
        let why = refusal(require_confirmed(dir.path(), &ledger, "gorgias"));
        assert!(why.contains("line 2"), "{why}");
    }

    #[test]
    fn diff_names_rows_and_values() {
        let before = crate::mapping::file::tests::sample_map();
        let mut after = before.clone();
        after.rows[1].target = Target::Field(FieldRef::new("Ticket", "priority"));
        after.rows.remove(0);
        after
            .value_maps
            .get_mut("ticket_status")
            .unwrap()
            .get_mut("open")
            .unwrap()
            .to = "closed".into();
        let lines: Vec<String> = diff(&before, &after)
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            lines,
            [
                "~ tickets.status: target Ticket.status → Ticket.priority",
                "- users.email (row removed)",
                "~ value_maps.ticket_status: \"open\" → \"closed\" (was \"open\")",
            ]
        );
        assert!(diff(&before, &before).is_empty());
        let edited = edited_rows(&before, &after);
        assert_eq!(edited.len(), 1);
        assert_eq!(edited[0].object, ObjectKind::Tickets);
    }
}
