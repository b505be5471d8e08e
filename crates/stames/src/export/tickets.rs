//! Tickets and their conversations, merged from two files.
//!
//! `tickets.jsonl` holds tickets in ascending id order and `messages.jsonl` the
//! messages grouped by ticket in the same order, so one pass over both, with
//! one message of look-ahead, yields each ticket with its conversation while
//! holding only that conversation in memory.

use super::lines::{locate, JsonlReader, Line};
use super::{MESSAGES_FILE, TICKETS_FILE};
use crate::api::convert::{
    assemble_thread, decode, decode_message, message_children_rejects, message_of_rejected_ticket,
    raw_id, ticket_children_rejects, TicketHead,
};
use deskshift_core::model::{ObjectKind, TicketThread, Timestamp};
use deskshift_core::source::{Read, Reject, SourceError};
use serde_json::Value;

/// Orphans after the last ticket are yielded in batches of at most this many.
const ORPHAN_BATCH: usize = 256;

pub(super) struct TicketMerge {
    tickets: JsonlReader,
    messages: JsonlReader,
    peeked: Option<Line>,
    since: Option<Timestamp>,
}

impl TicketMerge {
    pub(super) fn new(
        tickets: JsonlReader,
        messages: JsonlReader,
        since: Option<Timestamp>,
    ) -> TicketMerge {
        TicketMerge {
            tickets,
            messages,
            peeked: None,
            since,
        }
    }

    /// The next ticket with the rejects that go before it (or, after the last
    /// ticket, a batch of leftover messages); `None` when both files are done.
    pub(super) async fn next_batch(
        &mut self,
    ) -> Result<Option<Vec<Read<TicketThread>>>, SourceError> {
        if let Some(line) = self.tickets.next().await? {
            return Ok(Some(self.ticket(line).await?));
        }
        // No tickets left: every remaining message is an orphan.
        let mut rejects = Vec::new();
        while rejects.len() < ORPHAN_BATCH {
            let Some(line) = self.next_message().await? else {
                break;
            };
            rejects.extend(stray_message(line));
        }
        Ok((!rejects.is_empty()).then(|| rejects.into_iter().map(Read::Rejected).collect()))
    }

    async fn ticket(&mut self, line: Line) -> Result<Vec<Read<TicketThread>>, SourceError> {
        let number = line.number;
        let raw = match line.content {
            Ok(raw) => raw,
            // A ticket line we cannot read leaves its messages without a
            // ticket; they are rejected as orphans when the next ticket comes.
            Err(bad) => {
                return Ok(vec![Read::Rejected(bad.reject(
                    ObjectKind::Tickets,
                    TICKETS_FILE,
                    number,
                ))])
            }
        };
        let ticket_id = raw.get("id").and_then(Value::as_u64);
        let (group, mut rejects) = self.conversation_of(ticket_id).await?;

        let mut items = Vec::new();
        match decode::<TicketHead>(&raw) {
            Ok(head) => {
                if self
                    .since
                    .is_some_and(|since| head.ticket.updated_at < since)
                {
                    // Not changed since the last run: skipped with its conversation.
                    return Ok(rejects.into_iter().map(Read::Rejected).collect());
                }
                let messages = group.iter().map(|(number, message)| {
                    decode_message(message).map_err(|found| {
                        found
                            .into_iter()
                            .map(|r| locate(r, MESSAGES_FILE, *number))
                            .collect()
                    })
                });
                let (message_rejects, thread) = assemble_thread(head, messages);
                rejects.extend(message_rejects);
                items.extend(rejects.into_iter().map(Read::Rejected));
                items.push(Read::Record(thread));
            }
            Err(reject) => {
                let shown_id = ticket_id.map_or_else(|| "(no id)".to_string(), |id| id.to_string());
                rejects.push(locate(reject, TICKETS_FILE, number));
                rejects.extend(ticket_children_rejects(&raw));
                for (number, message) in &group {
                    rejects.extend(
                        message_of_rejected_ticket(message, &shown_id)
                            .into_iter()
                            .map(|r| locate(r, MESSAGES_FILE, *number)),
                    );
                }
                items.extend(rejects.into_iter().map(Read::Rejected));
            }
        }
        Ok(items)
    }

    /// Takes the messages of `ticket_id` off the front of `messages.jsonl`,
    /// with their line numbers, and the rejects for anything in the way:
    /// damaged lines and orphans (messages of a ticket that came earlier, or
    /// never). Stops at the first message of a later ticket.
    async fn conversation_of(
        &mut self,
        ticket_id: Option<u64>,
    ) -> Result<(Vec<(u64, Value)>, Vec<Reject>), SourceError> {
        let mut group = Vec::new();
        let mut rejects = Vec::new();
        let Some(ticket_id) = ticket_id else {
            return Ok((group, rejects));
        };
        while let Some(line) = self.next_message().await? {
            let belongs_to = match &line.content {
                Ok(message) => message.get("ticket_id").and_then(Value::as_u64),
                Err(_) => None,
            };
            match belongs_to {
                // The next ticket's conversation: put it back for then.
                Some(id) if id > ticket_id => {
                    self.peeked = Some(line);
                    break;
                }
                Some(id) if id == ticket_id => {
                    if let Ok(message) = line.content {
                        group.push((line.number, message));
                    }
                }
                // Earlier tickets' messages, damaged lines and messages with no
                // usable ticket id cannot belong to anything still to come.
                _ => rejects.extend(stray_message(line)),
            }
        }
        Ok((group, rejects))
    }

    /// The next line of `messages.jsonl`, the one put back first if any.
    async fn next_message(&mut self) -> Result<Option<Line>, SourceError> {
        match self.peeked.take() {
            Some(line) => Ok(Some(line)),
            None => self.messages.next().await,
        }
    }
}

/// Rejects for a message line that belongs to no ticket being read: damaged,
/// without a usable ticket id, or an orphan.
fn stray_message(line: Line) -> Vec<Reject> {
    let number = line.number;
    let raw = match line.content {
        Err(bad) => return vec![bad.reject(ObjectKind::Messages, MESSAGES_FILE, number)],
        Ok(raw) => raw,
    };
    let rejects = match raw.get("ticket_id").and_then(Value::as_u64) {
        // The shape check names the broken `ticket_id` (and takes attachments along).
        None => match decode_message(&raw) {
            Err(rejects) => rejects,
            Ok(_) => orphan(&raw, "(unknown)"),
        },
        Some(ticket_id) => orphan(&raw, &ticket_id.to_string()),
    };
    rejects
        .into_iter()
        .map(|r| locate(r, MESSAGES_FILE, number))
        .collect()
}

/// Rejects for a message whose ticket is not where it should be, and for its
/// attachments.
fn orphan(raw: &Value, ticket_id: &str) -> Vec<Reject> {
    let mut rejects = vec![Reject::new(
        ObjectKind::Messages,
        raw_id(raw),
        "ticket_id",
        format!(
            "an orphan: ticket {ticket_id} does not precede it in {TICKETS_FILE} (it is \
             missing, unreadable, or out of order)"
        ),
        "messages.jsonl must be grouped by ticket in the order of tickets.jsonl; export the \
         bundle again",
    )];
    rejects.extend(message_children_rejects(raw));
    rejects
}
