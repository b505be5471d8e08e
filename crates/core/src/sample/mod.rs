//! The representative sample of `deskshift migrate --sample N`: N tickets
//! chosen to show every kind of content that lands differently (each
//! channel, files, inline images, the longest threads, filled custom
//! fields, departed agents, customers merged by e-mail, odd text, …), with
//! the customers they need, for both destinations alike.
//!
//! [`select`] reads the source's tickets once and keeps a bounded number of
//! candidates per [`Feature`], then covers the features greedily, most
//! important first; a sample too small to cover them all says which are
//! left out. The choice is deterministic for a workspace: ties go to the
//! smaller ticket id. The [`SampleSet`] travels to the writers in
//! [`crate::destination::Scope::Sample`], which narrow their ticket stream
//! with [`SampleSet::narrow`] and their customers to
//! [`SampleSet::customers`].

pub mod features;
mod select;

pub use features::Feature;
pub use select::{select, SampleError};

use crate::model::{ObjectKind, SourceId, TicketThread};
use crate::source::{Read, ReadStream};
use futures::{future, stream, StreamExt};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The tickets of a sample, why each was picked, and what they depend on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleSet {
    /// How many tickets were asked for.
    pub requested: usize,
    /// In the order they were picked: the most important coverage first.
    pub picks: Vec<Pick>,
    /// The picked ticket ids.
    pub tickets: BTreeSet<SourceId>,
    /// Every customer the picked tickets name (as requester or as a writer
    /// of a message), and every customer record sharing an e-mail with one
    /// of them: the destination merges those, so they travel together.
    pub customers: BTreeSet<SourceId>,
    /// What the source shows that no pick covers, because N was too small;
    /// most important first.
    pub uncovered: Vec<String>,
}

/// One picked ticket and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    pub ticket: SourceId,
    pub messages: usize,
    /// What this ticket was the first pick to show; empty for a ticket
    /// added after everything was covered.
    pub covers: Vec<String>,
    /// Everything it shows.
    pub shows: Vec<String>,
}

impl Pick {
    /// One line for the operator: the ticket and why it is in the sample.
    pub fn why(&self) -> String {
        let also: Vec<&String> = self
            .shows
            .iter()
            .filter(|s| !self.covers.contains(s))
            .collect();
        let mut line = format!("ticket {} ({} messages)", self.ticket, self.messages);
        if !self.covers.is_empty() {
            line.push_str(&format!(": first to show {}", self.covers.join(", ")));
        } else {
            line.push_str(": more of the same kinds");
        }
        if !also.is_empty() {
            let also: Vec<&str> = also.iter().map(|s| s.as_str()).collect();
            line.push_str(&format!("; also {}", also.join(", ")));
        }
        line
    }
}

impl SampleSet {
    pub fn len(&self) -> usize {
        self.tickets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty()
    }

    pub fn contains_ticket(&self, id: &str) -> bool {
        self.tickets.contains(id)
    }

    /// The sample's part of a source's ticket stream: its tickets, each
    /// after the rejects of its own malformed messages (a source yields
    /// those right before their ticket); every other ticket and reject is
    /// left out, so a sample records no reject that is not its own. The
    /// stream ends after the last picked ticket (sources yield tickets in
    /// ascending id order).
    pub fn narrow<'s>(
        &'s self,
        tickets: ReadStream<'s, TicketThread>,
    ) -> ReadStream<'s, TicketThread> {
        let state = (Vec::new(), self.tickets.len());
        tickets
            .scan(state, move |(held, left), item| {
                if *left == 0 {
                    return future::ready(None);
                }
                let out = match item {
                    Err(error) => vec![Err(error)],
                    Ok(Read::Rejected(reject)) => {
                        if reject.kind == ObjectKind::Messages {
                            held.push(reject);
                        }
                        Vec::new()
                    }
                    Ok(Read::Record(thread)) => {
                        let rejects = std::mem::take(held);
                        if self.contains_ticket(&thread.ticket.id) {
                            *left -= 1;
                            let mut out: Vec<_> =
                                rejects.into_iter().map(|r| Ok(Read::Rejected(r))).collect();
                            out.push(Ok(Read::Record(thread)));
                            out
                        } else {
                            Vec::new()
                        }
                    }
                };
                future::ready(Some(out))
            })
            .flat_map(stream::iter)
            .boxed()
    }

    /// The operator's account of the sample: one line per pick, then what a
    /// sample this small leaves out.
    pub fn explain(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "Sample: {} of {} tickets asked for, with {} customers",
            self.len(),
            self.requested,
            self.customers.len()
        )];
        lines.extend(self.picks.iter().map(|p| format!("  {}", p.why())));
        if !self.uncovered.is_empty() {
            lines.push(format!(
                "  {} tickets are too few to show everything the source holds; not covered: {} \
                 (run a larger sample to see them)",
                self.requested,
                self.uncovered.join(", ")
            ));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Channel, Ticket};
    use crate::source::{Reject, SourceError};
    use futures::TryStreamExt;

    fn thread(id: &str) -> TicketThread {
        let at = chrono::Utc::now();
        TicketThread {
            ticket: Ticket {
                id: id.into(),
                subject: "s".into(),
                status: "open".into(),
                priority: "normal".into(),
                channel: Channel::Email,
                department_id: None,
                customer_id: "c".into(),
                assignee_id: None,
                tags: vec![],
                custom_fields: Default::default(),
                reminders: vec![],
                notifications: vec![],
                sla: None,
                created_at: at,
                updated_at: at,
                closed_at: None,
            },
            messages: vec![],
            status_history: vec![],
        }
    }

    fn reject(kind: ObjectKind, id: &str) -> Result<Read<TicketThread>, SourceError> {
        Ok(Read::Rejected(Reject::new(
            kind,
            Some(id.into()),
            "f",
            "bad",
            "fix it",
        )))
    }

    #[tokio::test]
    async fn narrowing_keeps_the_sample_and_its_own_message_rejects_only() {
        let sample = SampleSet {
            tickets: ["2", "4"].map(String::from).into(),
            ..SampleSet::default()
        };
        let items = vec![
            reject(ObjectKind::Messages, "m1"),
            Ok(Read::Record(thread("1"))),
            reject(ObjectKind::Tickets, "t-broken"),
            reject(ObjectKind::Messages, "m2"),
            Ok(Read::Record(thread("2"))),
            Ok(Read::Record(thread("3"))),
            Ok(Read::Record(thread("4"))),
            Ok(Read::Record(thread("5"))),
            Err(SourceError::Other("never read: the sample ended".into())),
        ];
        let narrowed: Vec<Read<TicketThread>> = sample
            .narrow(futures::stream::iter(items).boxed())
            .try_collect()
            .await
            .unwrap();
        let seen: Vec<String> = narrowed
            .iter()
            .map(|r| match r {
                Read::Record(t) => format!("ticket {}", t.ticket.id),
                Read::Rejected(r) => format!("reject {}", r.source_id.clone().unwrap()),
            })
            .collect();
        assert_eq!(seen, ["reject m2", "ticket 2", "ticket 4"]);
    }
}
