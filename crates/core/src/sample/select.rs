//! Choosing the sample: one pass over the source, bounded memory, a greedy
//! cover of the features, most important first.

use super::features::{self, departed_agents, features_of, Feature};
use super::{Pick, SampleSet};
use crate::ledger::{Ledger, LedgerError};
use crate::model::{ObjectKind, SenderKind, TicketThread};
use crate::source::{Read, Source, SourceError};
use futures::StreamExt;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

/// At most this many ticket (and customer) ids linked by custom-object
/// records are remembered while choosing; beyond it a ticket's link is not
/// seen, which only makes the feature rarer, never the sample wrong.
const LINKED_CAP: usize = 10_000;

/// Why no sample could be chosen.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// A ticket as the selection sees it: a few numbers and ids.
#[derive(Debug, Clone)]
struct Candidate {
    id: String,
    features: BTreeSet<Feature>,
    messages: usize,
    customers: Vec<String>,
}

impl Candidate {
    /// The order within a feature's list: richest first, then longest, then
    /// the smaller id (determinism).
    fn rank(&self) -> (Reverse<usize>, Reverse<usize>, String) {
        (
            Reverse(self.features.len()),
            Reverse(self.messages),
            self.id.clone(),
        )
    }
}

/// A bounded list of the best candidates by some order.
#[derive(Debug, Default)]
struct Top {
    items: Vec<Candidate>,
}

impl Top {
    fn offer<K: Ord>(&mut self, c: &Candidate, keep: usize, key: impl Fn(&Candidate) -> K) {
        self.items.push(c.clone());
        if self.items.len() >= keep.saturating_mul(2).max(keep + 1) {
            self.trim(keep, &key);
        }
    }

    fn trim<K: Ord>(&mut self, keep: usize, key: impl Fn(&Candidate) -> K) {
        self.items.sort_by_key(|c| key(c));
        self.items.truncate(keep);
    }
}

/// Chooses `n` representative tickets of `source` (see the module docs of
/// [`crate::sample`]). Reads agents and custom-object records, then every
/// ticket once; looks customers' e-mails up in the ledger's source index
/// (written by discovery) to find customers merged by e-mail. Tickets whose
/// customer discovery did not find are not chosen: they cannot land.
pub async fn select(
    source: &dyn Source,
    ledger: &Ledger,
    n: usize,
) -> Result<SampleSet, SampleError> {
    let ctx = features::Context {
        departed: departed_agents(source).await?,
        ..linked_records(source).await?
    };
    let customers_indexed = ledger.source_count(ObjectKind::Customers)? > 0;
    let keep = n.max(1);
    let mut lists: BTreeMap<Feature, Top> = BTreeMap::new();
    let mut longest = Top::default();
    let mut ordinary = Top::default();
    let mut tickets = source.tickets(None);
    while let Some(item) = tickets.next().await {
        let Read::Record(thread) = item? else {
            continue;
        };
        let customer = &thread.ticket.customer_id;
        if customers_indexed && !ledger.source_contains(ObjectKind::Customers, customer)? {
            continue;
        }
        let mut features = features_of(&thread, &ctx);
        if ledger
            .sharing_natural_key(ObjectKind::Customers, customer)?
            .len()
            > 1
        {
            features.insert(Feature::DuplicateCustomer);
        }
        let candidate = Candidate {
            id: thread.ticket.id.clone(),
            messages: thread.messages.len(),
            customers: customers_of(&thread),
            features,
        };
        for feature in &candidate.features {
            lists
                .entry(feature.clone())
                .or_default()
                .offer(&candidate, keep, |c| c.rank());
        }
        longest.offer(&candidate, keep, longest_first);
        if ordinary.items.len() < keep {
            ordinary.items.push(candidate);
        }
    }
    for list in lists.values_mut() {
        list.trim(keep, |c| c.rank());
    }
    longest.trim(keep, longest_first);
    if let Some(id) = longest.items.first().map(|c| c.id.clone()) {
        // The longest thread gets the feature in every list it is in.
        for list in lists.values_mut().chain([&mut longest, &mut ordinary]) {
            for c in list.items.iter_mut().filter(|c| c.id == id) {
                c.features.insert(Feature::LongestThread);
            }
        }
        lists.insert(Feature::LongestThread, longest);
    }
    let picks = cover(&lists, &ordinary, n);
    let mut set = SampleSet {
        requested: n,
        ..SampleSet::default()
    };
    for (candidate, covers) in &picks.chosen {
        set.tickets.insert(candidate.id.clone());
        for customer in &candidate.customers {
            set.customers.insert(customer.clone());
            set.customers
                .extend(ledger.sharing_natural_key(ObjectKind::Customers, customer)?);
        }
        set.picks.push(Pick {
            ticket: candidate.id.clone(),
            messages: candidate.messages,
            covers: covers.iter().map(ToString::to_string).collect(),
            shows: candidate.features.iter().map(ToString::to_string).collect(),
        });
    }
    set.uncovered = picks.uncovered.iter().map(ToString::to_string).collect();
    Ok(set)
}

fn longest_first(c: &Candidate) -> (Reverse<usize>, String) {
    (Reverse(c.messages), c.id.clone())
}

/// The customers a ticket names: its requester, then every customer who
/// wrote in it.
fn customers_of(thread: &TicketThread) -> Vec<String> {
    let mut ids = vec![thread.ticket.customer_id.clone()];
    for m in &thread.messages {
        if let (SenderKind::Customer, Some(id)) = (m.sender.kind, &m.sender.id) {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
    }
    ids
}

/// The tickets and customers custom-object records link to, up to
/// [`LINKED_CAP`] of each.
async fn linked_records(source: &dyn Source) -> Result<features::Context, SourceError> {
    let mut ctx = features::Context::default();
    let mut records = source.custom_object_records(None);
    while let Some(item) = records.next().await {
        let Read::Record(record) = item? else {
            continue;
        };
        for id in record.ticket_ids {
            if ctx.linked_tickets.len() < LINKED_CAP {
                ctx.linked_tickets.insert(id);
            }
        }
        for id in record.customer_ids {
            if ctx.linked_customers.len() < LINKED_CAP {
                ctx.linked_customers.insert(id);
            }
        }
    }
    Ok(ctx)
}

/// The picks, each with the features it was first to cover, and what was
/// left uncovered.
#[derive(Debug, Default)]
struct Cover {
    chosen: Vec<(Candidate, Vec<Feature>)>,
    uncovered: BTreeSet<Feature>,
}

/// The greedy cover: while features are uncovered, the most important one
/// is covered by its candidate that covers the most other uncovered
/// features too; then the remaining places are filled taking turns between
/// the features' lists (the longest threads' among them, plain tickets
/// last), so a larger sample shows more of each kind.
fn cover(lists: &BTreeMap<Feature, Top>, ordinary: &Top, n: usize) -> Cover {
    let mut uncovered: BTreeSet<Feature> = lists.keys().cloned().collect();
    let mut cover = Cover::default();
    let mut picked: BTreeSet<String> = BTreeSet::new();
    while cover.chosen.len() < n {
        let Some(feature) = uncovered.first().cloned() else {
            break;
        };
        let best = lists[&feature]
            .items
            .iter()
            .filter(|c| c.features.contains(&feature) && !picked.contains(&c.id))
            .min_by_key(|c| {
                let gain = c.features.intersection(&uncovered).count();
                (Reverse(gain), c.rank())
            });
        let Some(best) = best else {
            uncovered.remove(&feature);
            continue;
        };
        let covers: Vec<Feature> = best.features.intersection(&uncovered).cloned().collect();
        for f in &covers {
            uncovered.remove(f);
        }
        picked.insert(best.id.clone());
        cover.chosen.push((best.clone(), covers));
    }
    let mut turns: Vec<std::slice::Iter<'_, Candidate>> = lists
        .values()
        .chain([ordinary])
        .map(|top| top.items.iter())
        .collect();
    while cover.chosen.len() < n {
        let mut took = false;
        for turn in &mut turns {
            if cover.chosen.len() == n {
                break;
            }
            if let Some(c) = turn.by_ref().find(|c| !picked.contains(&c.id)) {
                picked.insert(c.id.clone());
                cover.chosen.push((c.clone(), Vec::new()));
                took = true;
            }
        }
        if !took {
            break;
        }
    }
    cover.uncovered = uncovered;
    cover
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Channel;

    fn candidate(id: &str, messages: usize, features: &[Feature]) -> Candidate {
        Candidate {
            id: id.into(),
            features: features.iter().cloned().collect(),
            messages,
            customers: vec![format!("c-{id}")],
        }
    }

    fn lists(candidates: &[Candidate], keep: usize) -> BTreeMap<Feature, Top> {
        let mut lists: BTreeMap<Feature, Top> = BTreeMap::new();
        for c in candidates {
            for f in &c.features {
                lists
                    .entry(f.clone())
                    .or_default()
                    .offer(c, keep, Candidate::rank);
            }
        }
        for list in lists.values_mut() {
            list.trim(keep, Candidate::rank);
        }
        lists
    }

    #[test]
    fn the_most_important_kinds_come_first_and_a_small_sample_says_what_it_leaves_out() {
        let email = Feature::Channel(Channel::Email);
        let chat = Feature::Channel(Channel::Whatsapp);
        let all = [
            candidate("1", 3, &[email.clone(), Feature::Tags]),
            candidate("2", 50, &[email.clone(), Feature::DepartedAgent]),
            candidate("3", 2, &[chat.clone(), Feature::Attachments, Feature::Tags]),
            candidate("4", 4, &[email.clone(), Feature::OddEncoding]),
        ];
        let cover = cover(&lists(&all, 2), &Top::default(), 2);
        let picked: Vec<&str> = cover.chosen.iter().map(|(c, _)| c.id.as_str()).collect();
        // Channels first, in Stames's order (WhatsApp before Email): the
        // WhatsApp ticket brings files and tags along; then the Email ticket
        // that covers the most of what is left.
        assert_eq!(picked, ["3", "2"], "{:?}", cover.chosen);
        assert_eq!(
            cover.chosen[0].1,
            [chat, Feature::Attachments, Feature::Tags]
        );
        assert_eq!(cover.chosen[1].1, [email, Feature::DepartedAgent]);
        assert_eq!(
            cover.uncovered.into_iter().collect::<Vec<_>>(),
            [Feature::OddEncoding],
            "too few to show odd text"
        );
    }

    #[test]
    fn places_left_after_coverage_go_to_more_of_each_kind_never_twice_the_same() {
        let email = Feature::Channel(Channel::Email);
        let all: Vec<Candidate> = (0..6)
            .map(|n| candidate(&format!("t{n}"), n, std::slice::from_ref(&email)))
            .collect();
        let ordinary = Top { items: all.clone() };
        let cover = cover(&lists(&all, 5), &ordinary, 5);
        let picked: BTreeSet<&str> = cover.chosen.iter().map(|(c, _)| c.id.as_str()).collect();
        assert_eq!(picked.len(), 5);
        assert!(cover.uncovered.is_empty());
        assert_eq!(cover.chosen[0].0.id, "t5", "the richest, then the longest");
    }
}
