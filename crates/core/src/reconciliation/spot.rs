//! The spot-check packet: the [`SPOT_CHECKS`] most demanding migrated
//! tickets — longest threads, most attachments, departed agents, merged
//! customers, odd encodings — each shown as Stames holds it and as the
//! destination holds it now, side by side, for a person to compare.
//!
//! One pass over the source keeps, per criterion, the top candidates (a
//! few numbers per ticket, bounded); the picks are taken in turn from each
//! criterion so every kind of difficulty is represented; a second pass
//! reads the picked threads themselves.

use crate::destination::notes::{self, Category};
use crate::destination::Destination;
use crate::ledger::{IdMapState, Ledger, LedgerError};
use crate::model::{Message, ObjectKind, TicketThread};
pub use crate::sample::features::odd_text;
use crate::sample::features::{departed_agents, departed_in, odd_in};
use crate::source::{Read, Source, SourceError};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Tickets in the packet.
pub const SPOT_CHECKS: usize = 25;

/// Characters of a message body shown.
pub const EXCERPT: usize = 280;

/// One ticket of the packet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpotCheck {
    pub ticket: String,
    pub dest_id: Option<String>,
    /// Why it was picked, in words.
    pub why: Vec<String>,
    /// The ticket as Stames holds it.
    pub source: Value,
    /// The ticket as the destination holds it now; `None` with `note` when
    /// it could not be read.
    pub destination: Option<Value>,
    pub note: Option<String>,
}

/// What makes one ticket demanding.
#[derive(Debug, Clone, Default)]
struct Candidate {
    id: String,
    messages: usize,
    attachments: usize,
    departed: Vec<String>,
    merged: bool,
    odd: BTreeSet<&'static str>,
}

/// The criteria, in the order picks are taken from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Criterion {
    LongThread,
    Attachments,
    DepartedAgent,
    MergedCustomer,
    OddEncoding,
}

impl Criterion {
    const ALL: [Criterion; 5] = [
        Criterion::LongThread,
        Criterion::Attachments,
        Criterion::DepartedAgent,
        Criterion::MergedCustomer,
        Criterion::OddEncoding,
    ];

    /// How strongly `c` meets the criterion; 0: not at all.
    fn score(self, c: &Candidate) -> usize {
        match self {
            Criterion::LongThread => c.messages,
            Criterion::Attachments => c.attachments,
            Criterion::DepartedAgent => usize::from(!c.departed.is_empty()) * (1 + c.messages),
            Criterion::MergedCustomer => usize::from(c.merged) * (1 + c.messages),
            Criterion::OddEncoding => {
                c.odd.len() * 1_000 + usize::from(!c.odd.is_empty()) * c.messages
            }
        }
    }
}

impl Candidate {
    fn why(&self) -> Vec<String> {
        let mut why = vec![format!("{} messages", self.messages)];
        if self.attachments > 0 {
            why.push(format!("{} attachments", self.attachments));
        }
        if !self.departed.is_empty() {
            why.push(format!("departed agent {}", self.departed.join(", ")));
        }
        if self.merged {
            why.push("its customer was merged with another".into());
        }
        if !self.odd.is_empty() {
            why.push(format!(
                "odd text: {}",
                self.odd.iter().copied().collect::<Vec<_>>().join(", ")
            ));
        }
        why
    }
}

/// Top candidates per criterion, bounded.
struct Tops {
    lists: BTreeMap<Criterion, Vec<Candidate>>,
}

impl Tops {
    fn offer(&mut self, c: &Candidate) {
        for criterion in Criterion::ALL {
            let score = criterion.score(c);
            if score == 0 {
                continue;
            }
            let list = self.lists.entry(criterion).or_default();
            list.push(c.clone());
            list.sort_by(|a, b| {
                criterion
                    .score(b)
                    .cmp(&criterion.score(a))
                    .then(a.id.cmp(&b.id))
            });
            list.truncate(SPOT_CHECKS);
        }
    }

    /// Up to [`SPOT_CHECKS`] picks, taken in turn from each criterion.
    fn picks(self) -> Vec<Candidate> {
        let mut picked: Vec<Candidate> = Vec::new();
        let mut seen = HashSet::new();
        let mut lists: Vec<std::vec::IntoIter<Candidate>> =
            self.lists.into_values().map(Vec::into_iter).collect();
        loop {
            let mut took = false;
            for list in &mut lists {
                for c in list.by_ref() {
                    if seen.insert(c.id.clone()) {
                        picked.push(c);
                        took = true;
                        break;
                    }
                }
                if picked.len() == SPOT_CHECKS {
                    return picked;
                }
            }
            if !took {
                return picked;
            }
        }
    }
}

/// Picks the packet and reads both sides of each ticket.
pub async fn spot_checks(
    ledger: &Ledger,
    source: &dyn Source,
    destination: &dyn Destination,
) -> Result<Vec<SpotCheck>, SpotError> {
    let departed = departed_agents(source).await?;
    let merged: HashSet<String> = notes::read_ledger(ledger, destination.name(), Category::Merge)?
        .into_iter()
        .filter(|n| n.kind == ObjectKind::Customers)
        .map(|n| n.source_id)
        .collect();
    let mut tops = Tops {
        lists: BTreeMap::new(),
    };
    let mut threads = source.tickets(None);
    while let Some(item) = threads.next().await {
        let Read::Record(thread) = item? else {
            continue;
        };
        if in_destination(ledger, &thread.ticket.id)?.is_none() {
            continue;
        }
        tops.offer(&candidate(&thread, &departed, &merged));
    }
    let picks = tops.picks();
    let wanted: HashSet<&str> = picks.iter().map(|c| c.id.as_str()).collect();
    let mut found: BTreeMap<String, TicketThread> = BTreeMap::new();
    let mut threads = source.tickets(None);
    while let Some(item) = threads.next().await {
        if let Read::Record(thread) = item? {
            if wanted.contains(thread.ticket.id.as_str()) {
                found.insert(thread.ticket.id.clone(), thread);
            }
        }
    }
    let mut checks = Vec::with_capacity(picks.len());
    for pick in picks {
        let Some(thread) = found.remove(&pick.id) else {
            continue;
        };
        let dest_id = in_destination(ledger, &pick.id)?;
        let (view, note) = match &dest_id {
            Some(dest) => match destination.read_record(ObjectKind::Tickets, dest).await {
                Ok(Some(view)) => (Some(view), None),
                Ok(None) => (None, Some("not in the destination any more".into())),
                Err(error) => (None, Some(format!("could not be read: {error}"))),
            },
            None => (None, Some("not in the destination".into())),
        };
        checks.push(SpotCheck {
            ticket: pick.id.clone(),
            dest_id,
            why: pick.why(),
            source: source_view(&thread, &departed),
            destination: view,
            note,
        });
    }
    Ok(checks)
}

/// Why the packet could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SpotError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

fn in_destination(ledger: &Ledger, ticket: &str) -> Result<Option<String>, LedgerError> {
    Ok(ledger.mapping(ObjectKind::Tickets, ticket)?.and_then(|e| {
        matches!(
            e.state,
            IdMapState::Created | IdMapState::Updated | IdMapState::Matched
        )
        .then_some(e.dest_id)
        .flatten()
    }))
}

fn candidate(
    thread: &TicketThread,
    departed: &BTreeMap<String, String>,
    merged: &HashSet<String>,
) -> Candidate {
    let t = &thread.ticket;
    Candidate {
        id: t.id.clone(),
        messages: thread.messages.len(),
        attachments: thread.messages.iter().map(|m| m.attachments.len()).sum(),
        departed: departed_in(thread, departed).into_iter().collect(),
        merged: merged.contains(&t.customer_id),
        odd: odd_in(thread),
    }
}

fn excerpt(text: &str) -> String {
    text.chars().take(EXCERPT).collect()
}

fn author(m: &Message, departed: &BTreeMap<String, String>) -> String {
    let name = m
        .sender
        .name
        .clone()
        .or_else(|| m.sender.address.clone())
        .unwrap_or_else(|| format!("{:?}", m.sender.kind).to_lowercase());
    match m.sender.id.as_ref().and_then(|id| departed.get(id)) {
        Some(_) => format!("{name} (departed)"),
        None => name,
    }
}

/// The ticket as Stames holds it, in the shape the report shows.
fn source_view(thread: &TicketThread, departed: &BTreeMap<String, String>) -> Value {
    let t = &thread.ticket;
    let mut messages: Vec<&Message> = thread.messages.iter().collect();
    messages.sort_by_key(|m| m.created_at);
    json!({
        "subject": t.subject,
        "status": t.status,
        "priority": t.priority,
        "channel": t.channel.label(),
        "customer": t.customer_id,
        "assignee": t.assignee_id,
        "tags": t.tags,
        "created": t.created_at,
        "closed": t.closed_at,
        "messages": messages.iter().map(|m| json!({
            "id": m.id,
            "created": m.created_at,
            "sender": author(m, departed),
            "private_note": matches!(m.visibility, crate::model::Visibility::PrivateNote),
            "body": excerpt(&m.body_text),
            "attachments": m.attachments.iter().map(|a| format!("{} ({} bytes)", a.file_name, a.size_bytes)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: &str, messages: usize, attachments: usize) -> Candidate {
        Candidate {
            id: id.into(),
            messages,
            attachments,
            ..Candidate::default()
        }
    }

    #[test]
    fn odd_text_names_what_it_finds() {
        assert!(odd_text("Hello, world").is_empty());
        assert!(
            odd_text("Zoë O'Brien, café").is_empty(),
            "Latin-1 is ordinary"
        );
        let odd = odd_text("Danke 🙏 שלום 破損\u{200B}\u{FFFD}");
        for label in [
            "emoji",
            "right-to-left script",
            "CJK or Hangul",
            "zero-width characters",
            "replacement characters (broken encoding)",
        ] {
            assert!(odd.contains(label), "{label}: {odd:?}");
        }
    }

    #[test]
    fn picks_take_turns_between_criteria_and_never_repeat() {
        let mut tops = Tops {
            lists: BTreeMap::new(),
        };
        for n in 0..60 {
            tops.offer(&candidate(&format!("long-{n:02}"), 100 + n, 0));
        }
        let mut filed = candidate("files", 2, 40);
        filed.odd.insert("emoji");
        tops.offer(&filed);
        let mut gone = candidate("departed", 3, 0);
        gone.departed.push("Ken".into());
        tops.offer(&gone);
        let picks = tops.picks();
        assert_eq!(picks.len(), SPOT_CHECKS);
        let ids: Vec<&str> = picks.iter().map(|c| c.id.as_str()).collect();
        assert!(
            ids.contains(&"files") && ids.contains(&"departed"),
            "{ids:?}"
        );
        assert_eq!(ids[0], "long-59", "the longest thread first");
        let unique: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len());
        assert!(picks
            .iter()
            .find(|c| c.id == "files")
            .unwrap()
            .why()
            .iter()
            .any(|w| w.contains("emoji")));
    }
}
