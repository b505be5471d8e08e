//! Which confirmed field map each writing run wrote with, so a full run
//! never silently keeps what an earlier run (a sample, typically) wrote
//! under another map.
//!
//! Every `prepare`, `migrate` and `delta` run [`stamp`]s the ledger with
//! the confirmed map's decisions per *family* of object kinds (the kinds
//! whose records one part of the map decides: a ticket with its messages,
//! files, status history, reminders and SLA; a customer; the custom-field
//! definitions; …). Before writing, [`check`] looks at the records still in
//! force that each earlier run wrote: if a decision of their family they
//! were written under changed or went since, the run is refused (exit 4) naming the records and the command
//! that clears them, `deskshift rollback --run ID`. Records whose family's
//! map did not change are reused as they are. Runs without a stamp (the
//! map was never confirmed, as in destination tests) are not judged.

use super::confirmation::confirmed;
use super::model::FieldMap;
use crate::engine::PhaseError;
use crate::ledger::{content_hash, Ledger, LedgerError, RunId, RunWrites};
use crate::model::ObjectKind;
use std::collections::{BTreeMap, BTreeSet};

/// Examples named per run and kind in a refusal.
const EXAMPLES: usize = 3;

/// The family of `kind`: the records of `kind` are written from the map's
/// rows of every kind in the same family.
pub fn family(kind: ObjectKind) -> &'static str {
    use ObjectKind::*;
    match kind {
        Tickets | Messages | Attachments | StatusEvents | Reminders | Notifications
        | SlaRecords => "tickets",
        Customers => "customers",
        Users | Departments => "users",
        Tags => "tags",
        CustomFields => "custom_fields",
        CustomObjects | CustomObjectRecords => "custom_objects",
        Automations | ChannelIntegrations | Portal => "inventory",
    }
}

/// The map's decisions per family, each hashed on its own: every row of
/// the family's kinds (custom-field rows also count for `custom_fields`,
/// the definitions they create) and every entry of the value maps those
/// rows use. A family's map is unchanged for records written earlier when
/// every decision they were written under is still there: a decision added
/// since (a value the source gained, a new field's row) changes nothing for
/// them, while one changed or removed does.
pub fn family_decisions(map: &FieldMap) -> BTreeMap<String, BTreeSet<String>> {
    let canonical = map.canonical();
    let mut families: BTreeMap<&str, Vec<&super::model::MapRow>> = BTreeMap::new();
    for kind in ObjectKind::ALL {
        families.entry(family(kind)).or_default();
    }
    for row in &canonical.rows {
        families.entry(family(row.object)).or_default().push(row);
        if row.custom.is_some() {
            families
                .entry(family(ObjectKind::CustomFields))
                .or_default()
                .push(row);
        }
    }
    families
        .into_iter()
        .map(|(name, rows)| {
            // Only what decides how records are written: a row's reason,
            // confidence and origin, a value's count and note are commentary.
            let mut decisions: BTreeSet<String> = rows
                .iter()
                .map(|r| {
                    content_hash(&(
                        &map.destination,
                        r.object,
                        &r.field,
                        &r.custom,
                        &r.value_type,
                        &r.target,
                        &r.transform,
                    ))
                })
                .collect();
            // Another destination changes every family, rows or not.
            decisions.insert(content_hash(&("destination", &map.destination)));
            for name in rows.iter().filter_map(|r| r.transform.value_map()) {
                for (from, entry) in map.value_maps.get(name).into_iter().flatten() {
                    decisions.insert(content_hash(&(&map.destination, name, from, &entry.to)));
                }
            }
            (name.to_string(), decisions)
        })
        .collect()
}

fn key(run: RunId) -> String {
    format!("mapping.run.{run}")
}

/// Records the confirmed map's decisions per family for `run`; nothing
/// when no map was confirmed.
pub fn stamp(ledger: &Ledger, run: RunId) -> Result<(), LedgerError> {
    let Some(confirmed) = confirmed(ledger)? else {
        return Ok(());
    };
    let json = serde_json::to_string(&family_decisions(&confirmed.map))
        .expect("sets of strings serialise");
    ledger.set_meta(&key(run), &json)
}

/// The decisions per family `run` wrote with, if it was stamped.
pub fn stamped(
    ledger: &Ledger,
    run: RunId,
) -> Result<Option<BTreeMap<String, BTreeSet<String>>>, LedgerError> {
    Ok(ledger
        .meta(&key(run))?
        .and_then(|json| serde_json::from_str(&json).ok()))
}

/// Records in force written under another map than the confirmed one, per
/// run and kind.
pub fn stale(ledger: &Ledger) -> Result<Vec<RunWrites>, LedgerError> {
    let Some(confirmed) = confirmed(ledger)? else {
        return Ok(Vec::new());
    };
    let now = family_decisions(&confirmed.map);
    let mut stamps: BTreeMap<RunId, Option<BTreeMap<String, BTreeSet<String>>>> = BTreeMap::new();
    let mut stale = Vec::new();
    for writes in ledger.written_per_run(EXAMPLES)? {
        let then = match stamps.entry(writes.run) {
            std::collections::btree_map::Entry::Occupied(known) => known.into_mut(),
            std::collections::btree_map::Entry::Vacant(new) => {
                new.insert(stamped(ledger, writes.run)?)
            }
        };
        let Some(then) = then else {
            continue;
        };
        let name = family(writes.kind);
        let unchanged = match (then.get(name), now.get(name)) {
            (Some(then), Some(now)) => then.is_subset(now),
            (None, _) => true,
            (Some(then), None) => then.is_empty(),
        };
        if !unchanged {
            stale.push(writes);
        }
    }
    Ok(stale)
}

/// The gate every writing phase passes: refuses while records written
/// under another map are still in force, naming them and what to run.
pub fn check(ledger: &Ledger, phase: &str) -> Result<(), PhaseError> {
    let stale = stale(ledger)?;
    if stale.is_empty() {
        return Ok(());
    }
    let mut runs: BTreeMap<RunId, Vec<String>> = BTreeMap::new();
    for w in &stale {
        runs.entry(w.run).or_default().push(format!(
            "{} {} (e.g. {})",
            w.records,
            w.kind,
            w.examples.join(", ")
        ));
    }
    let described: Vec<String> = runs
        .iter()
        .map(|(run, what)| format!("run {run} wrote {}", what.join(", ")))
        .collect();
    let commands: Vec<String> = runs
        .keys()
        .rev()
        .map(|run| format!("`deskshift rollback --run {run}`"))
        .collect();
    Err(PhaseError::Refused(format!(
        "{phase} refused: the field map changed since records now in the destination were \
         written ({}); deskshift does not mix two maps. Undo them with {}, then run `deskshift \
         {phase}` again; or put mapping.toml back as it was and run `deskshift map confirm`",
        described.join("; "),
        commands.join(" then ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Intent, Outcome};
    use crate::mapping::confirmation::record_confirmation;
    use crate::mapping::file::tests::sample_map;

    fn create(ledger: &Ledger, run: RunId, kind: ObjectKind, id: &str) {
        let intent = ledger
            .record_intent(run, &Intent::create(kind, id, "h"))
            .unwrap();
        let outcome = Outcome::Created {
            dest_id: format!("d-{id}"),
        };
        ledger.record_outcome(intent, &outcome).unwrap();
    }

    /// A sample run under `map`: two tickets and a customer, stamped.
    fn sample_under(ledger: &Ledger, map: &FieldMap) -> RunId {
        record_confirmation(ledger, map).unwrap();
        let run = ledger.begin_run("migrate").unwrap();
        stamp(ledger, run).unwrap();
        create(ledger, run, ObjectKind::Tickets, "t1");
        create(ledger, run, ObjectKind::Tickets, "t2");
        create(ledger, run, ObjectKind::Customers, "c1");
        run
    }

    #[test]
    fn an_unchanged_map_reuses_what_the_sample_wrote() {
        let ledger = Ledger::open_in_memory().unwrap();
        let map = sample_map();
        sample_under(&ledger, &map);
        record_confirmation(&ledger, &map).unwrap();
        assert!(stale(&ledger).unwrap().is_empty());
        check(&ledger, "migrate").unwrap();
    }

    #[test]
    fn commentary_is_no_change_of_map() {
        let ledger = Ledger::open_in_memory().unwrap();
        let mut map = sample_map();
        sample_under(&ledger, &map);
        for row in &mut map.rows {
            row.reason = format!("{} (reworded)", row.reason);
        }
        for entry in map.value_maps.values_mut().flat_map(|m| m.values_mut()) {
            entry.note = Some("checked with the team".into());
        }
        record_confirmation(&ledger, &map).unwrap();
        assert!(stale(&ledger).unwrap().is_empty());
    }

    #[test]
    fn a_value_the_source_gained_since_is_no_change_for_what_was_written() {
        let ledger = Ledger::open_in_memory().unwrap();
        let mut map = sample_map();
        sample_under(&ledger, &map);
        let statuses = map.value_maps.get_mut("ticket_status").unwrap();
        let mut added = statuses.values().next().unwrap().clone();
        added.to = "closed".into();
        statuses.insert("escalated".into(), added);
        record_confirmation(&ledger, &map).unwrap();
        assert!(stale(&ledger).unwrap().is_empty());
        check(&ledger, "delta").unwrap();
    }

    #[test]
    fn a_changed_value_map_refuses_naming_the_records_and_the_rollback() {
        let ledger = Ledger::open_in_memory().unwrap();
        let mut map = sample_map();
        let run = sample_under(&ledger, &map);
        map.value_maps
            .get_mut("ticket_status")
            .unwrap()
            .get_mut("open")
            .unwrap()
            .to = "closed".into();
        record_confirmation(&ledger, &map).unwrap();
        let stale = stale(&ledger).unwrap();
        assert_eq!(
            stale.len(),
            1,
            "tickets only, customers unchanged: {stale:?}"
        );
        assert_eq!(stale[0].kind, ObjectKind::Tickets);
        assert_eq!(stale[0].records, 2);
        let err = check(&ledger, "migrate").unwrap_err().to_string();
        for needle in [
            "2 tickets (e.g. t1, t2)",
            &format!("deskshift rollback --run {run}"),
            "does not mix two maps",
        ] {
            assert!(err.contains(needle), "{needle}: {err}");
        }
        assert!(!err.contains("customers"), "{err}");
    }

    #[test]
    fn records_rolled_back_or_written_without_a_confirmed_map_are_not_judged() {
        let ledger = Ledger::open_in_memory().unwrap();
        let run = ledger.begin_run("migrate").unwrap();
        stamp(&ledger, run).unwrap();
        create(&ledger, run, ObjectKind::Tickets, "t0");
        record_confirmation(&ledger, &sample_map()).unwrap();
        assert!(stale(&ledger).unwrap().is_empty(), "an unstamped run");

        let mut map = sample_map();
        let sample = sample_under(&ledger, &map);
        map.destination = "elsewhere".into();
        record_confirmation(&ledger, &map).unwrap();
        assert!(!stale(&ledger).unwrap().is_empty());
        let delete = ledger
            .record_intent(
                sample,
                &Intent::delete(ObjectKind::Tickets, "t2", "d-t2", None),
            )
            .unwrap();
        ledger.record_outcome(delete, &Outcome::Deleted).unwrap();
        let left: Vec<String> = stale(&ledger)
            .unwrap()
            .into_iter()
            .flat_map(|w| w.examples)
            .collect();
        assert_eq!(left, ["c1", "t1"], "t0 unstamped, t2 rolled back");
    }
}
