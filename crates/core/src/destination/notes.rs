//! What a run decided about records without failing them — repairs, merges,
//! skips with their reasons — kept for the report.
//!
//! Entries are collected in memory while a phase runs (they are few next to
//! the records) and written to the ledger's meta table when it ends, one
//! JSON list per category under `<destination>.notes.<category>`, merged
//! with what earlier runs wrote. Reading them back is [`read`].

use crate::engine::Journal;
use crate::ledger::LedgerError;
use crate::model::ObjectKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::Mutex;

/// Why a note was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A record was changed so the destination accepts it.
    Repair,
    /// A record was matched to another Stames record's destination (tag
    /// spellings, customers sharing an e-mail).
    Merge,
    /// A record was matched to a record that already existed in the destination.
    Existing,
    /// A record was deliberately not written; the reason says what to do.
    Skip,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::Repair,
        Category::Merge,
        Category::Existing,
        Category::Skip,
    ];

    fn name(self) -> &'static str {
        match self {
            Category::Repair => "repair",
            Category::Merge => "merge",
            Category::Existing => "existing",
            Category::Skip => "skip",
        }
    }

    /// The ledger meta key of this category's notes for `destination`.
    fn key(self, destination: &str) -> String {
        format!("{destination}.notes.{}", self.name())
    }
}

/// One note about one record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Note {
    pub kind: ObjectKind,
    pub source_id: String,
    pub text: String,
}

/// Notes of one run, by category.
#[derive(Debug)]
pub struct Notebook {
    /// `gorgias`, `salesforce`: notes are kept per destination.
    destination: &'static str,
    entries: Mutex<Vec<(Category, Note)>>,
}

impl Notebook {
    pub fn new(destination: &'static str) -> Notebook {
        Notebook {
            destination,
            entries: Mutex::default(),
        }
    }

    pub fn add(
        &self,
        category: Category,
        kind: ObjectKind,
        source_id: &str,
        text: impl Into<String>,
    ) {
        let note = Note {
            kind,
            source_id: source_id.to_string(),
            text: text.into(),
        };
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((category, note));
    }

    /// Writes the notes into the ledger, merged with earlier runs' notes.
    pub fn flush(&self, journal: &Journal) -> Result<(), LedgerError> {
        let entries = std::mem::take(&mut *self.entries.lock().unwrap_or_else(|p| p.into_inner()));
        for category in Category::ALL {
            let new: Vec<&Note> = entries
                .iter()
                .filter(|(c, _)| *c == category)
                .map(|(_, n)| n)
                .collect();
            if new.is_empty() {
                continue;
            }
            journal.with(|ledger| {
                let mut all: BTreeSet<Note> = read_ledger(ledger, self.destination, category)?
                    .into_iter()
                    .collect();
                all.extend(new.into_iter().cloned());
                let text = serde_json::to_string(&all).map_err(|source| LedgerError::Encode {
                    what: "deskshift's notes",
                    source,
                })?;
                ledger.set_meta(&category.key(self.destination), &text)
            })?;
        }
        Ok(())
    }
}

/// The notes of `category` that runs into `destination` wrote so far.
pub fn read(
    journal: &Journal,
    destination: &str,
    category: Category,
) -> Result<Vec<Note>, LedgerError> {
    journal.with(|ledger| read_ledger(ledger, destination, category))
}

/// [`read`] for a caller holding the ledger itself rather than a journal
/// (reports, which start no run of their own).
pub fn read_ledger(
    ledger: &crate::ledger::Ledger,
    destination: &str,
    category: Category,
) -> Result<Vec<Note>, LedgerError> {
    Ok(ledger
        .meta(&category.key(destination))?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}

/// Forgets every note of `destination` (after a full rollback: the next
/// migration starts over).
pub fn clear(ledger: &crate::ledger::Ledger, destination: &str) -> Result<(), LedgerError> {
    for category in Category::ALL {
        ledger.set_meta(&category.key(destination), "[]")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Ledger;

    #[test]
    fn notes_survive_runs_without_duplicates() {
        let journal = Journal::begin(Ledger::open_in_memory().unwrap(), "migrate").unwrap();
        let book = Notebook::new("gorgias");
        book.add(Category::Repair, ObjectKind::Tickets, "1", "subject cut");
        book.add(Category::Skip, ObjectKind::Users, "7", "no Gorgias user");
        book.flush(&journal).unwrap();
        book.add(Category::Repair, ObjectKind::Tickets, "1", "subject cut");
        book.add(Category::Repair, ObjectKind::Tickets, "2", "empty body");
        book.flush(&journal).unwrap();
        let repairs = read(&journal, "gorgias", Category::Repair).unwrap();
        assert_eq!(repairs.len(), 2);
        assert_eq!(
            read(&journal, "gorgias", Category::Skip).unwrap()[0].source_id,
            "7"
        );
        assert!(read(&journal, "gorgias", Category::Merge)
            .unwrap()
            .is_empty());
        assert!(read(&journal, "salesforce", Category::Repair)
            .unwrap()
            .is_empty());
    }
}
