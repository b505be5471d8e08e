//! The running totals of one discovery: counts per kind, rejects (buffered and
//! written to the ledger in batches), the source index, and the summaries the
//! scope report is made of.

use super::scope::*;
use super::{index_entry, workspace_counts, DiscoverError, FieldProfiler, PHASE};
use crate::ledger::{Ledger, RunId, SourceIndexEntry};
use crate::model::{
    Agent, Automation, Channel, CustomObjectDef, CustomObjectRecord, Customer, Message, ObjectKind,
    SenderKind, SourceId, Tag, TicketThread, Visibility, Workspace,
};
use crate::normalise::{company_key, email_key, tag_key};
use crate::source::{ApiStats, Read, Reject};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Rejects and index entries are written in batches of this many: one SQLite
/// transaction (and fsync) per batch instead of per record.
const BATCH: usize = 500;
const REJECT_EXAMPLES: usize = 20;
const LARGEST_ATTACHMENTS: usize = 5;
const AUTH_EXAMPLES: usize = 20;
/// Private notes longer than this are listed by size (`long_private_notes`).
const LONG_NOTE_BYTES: u64 = 2_000;

pub(super) struct Tally<'l> {
    ledger: &'l Ledger,
    run: RunId,
    declared: BTreeMap<ObjectKind, u64>,
    counts: BTreeMap<ObjectKind, KindCount>,
    pending_rejects: Vec<Reject>,
    pending_index: BTreeMap<ObjectKind, Vec<SourceIndexEntry>>,
    rejects: RejectSummary,
    /// Departed agents are few; kept to flag tickets assigned to them.
    departed_agents: HashSet<SourceId>,
    /// Agent id → position in `agents.roster`, to count assigned tickets.
    roster_index: HashMap<SourceId, usize>,
    /// (medium, event, enabled) → notification settings of that kind.
    notification_triggers: BTreeMap<(String, String, bool), u64>,
    agents: AgentSummary,
    customers: CustomerSummary,
    tickets: TicketSummary,
    messages: MessageSummary,
    channels: BTreeMap<Channel, (u64, u64)>,
    attachments: AttachmentSummary,
    tags_defined: u64,
    tags_used: BTreeMap<String, u64>,
    custom_objects: Vec<CustomObjectSummary>,
    automations: Vec<Automation>,
    /// Distinct company keys (companies are far fewer than customers).
    companies: HashSet<String>,
}

impl<'l> Tally<'l> {
    pub fn new(ledger: &'l Ledger, run: RunId, declared: BTreeMap<ObjectKind, u64>) -> Self {
        let counts = declared
            .iter()
            .map(|(&kind, &n)| {
                let count = KindCount {
                    declared: Some(n),
                    ..KindCount::default()
                };
                (kind, count)
            })
            .collect();
        Tally {
            ledger,
            run,
            declared,
            counts,
            pending_rejects: Vec::new(),
            pending_index: BTreeMap::new(),
            rejects: RejectSummary::default(),
            departed_agents: HashSet::new(),
            roster_index: HashMap::new(),
            notification_triggers: BTreeMap::new(),
            agents: AgentSummary::default(),
            customers: CustomerSummary::default(),
            tickets: TicketSummary::default(),
            messages: MessageSummary::default(),
            channels: BTreeMap::new(),
            attachments: AttachmentSummary::default(),
            tags_defined: 0,
            tags_used: BTreeMap::new(),
            custom_objects: Vec::new(),
            automations: Vec::new(),
            companies: HashSet::new(),
        }
    }

    pub fn ledger(&self) -> &'l Ledger {
        self.ledger
    }

    pub fn declared(&self, kind: ObjectKind) -> Option<u64> {
        self.declared.get(&kind).copied()
    }

    fn count(&mut self, kind: ObjectKind) -> &mut KindCount {
        self.counts.entry(kind).or_default()
    }

    fn read(&mut self, kind: ObjectKind, n: u64) {
        self.count(kind).read += n;
    }

    /// Unwraps a stream item: records pass through, rejects are tallied.
    pub fn accept<T>(
        &mut self,
        _kind: ObjectKind,
        item: Read<T>,
    ) -> Result<Option<T>, DiscoverError> {
        match item {
            Read::Record(record) => Ok(Some(record)),
            Read::Rejected(reject) => {
                self.reject_read(reject);
                Ok(None)
            }
        }
    }

    /// Tallies one reject; it reaches the ledger at the next [`Tally::flush`].
    pub fn reject_read(&mut self, reject: Reject) {
        self.count(reject.kind).rejected += 1;
        self.rejects.total += 1;
        *self.rejects.by_kind.entry(reject.kind).or_default() += 1;
        if self.rejects.examples.len() < REJECT_EXAMPLES {
            self.rejects.examples.push(reject.clone());
        }
        self.pending_rejects.push(reject);
    }

    /// Rejects a whole ticket thread and, with it, everything it carries.
    pub fn reject_thread(&mut self, reject: Reject, thread: &TicketThread) {
        self.reject_read(reject);
        for child in super::references::cascade_ticket_reject(thread) {
            self.reject_read(child);
        }
    }

    /// Rejects one message and its attachments.
    pub fn reject_message(&mut self, reject: Reject, message: &Message) {
        self.reject_read(reject);
        for child in super::references::cascade_message_reject(message) {
            self.reject_read(child);
        }
    }

    fn index(&mut self, kind: ObjectKind, entry: SourceIndexEntry) -> Result<(), DiscoverError> {
        let batch = self.pending_index.entry(kind).or_default();
        batch.push(entry);
        if batch.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes buffered rejects and index entries to the ledger.
    pub fn flush(&mut self) -> Result<(), DiscoverError> {
        if !self.pending_rejects.is_empty() {
            self.ledger
                .record_rejects(self.run, PHASE, &self.pending_rejects)?;
            self.pending_rejects.clear();
        }
        for (kind, entries) in std::mem::take(&mut self.pending_index) {
            if !entries.is_empty() {
                self.ledger.index_source_batch(kind, &entries)?;
            }
        }
        Ok(())
    }

    pub fn workspace(&mut self, workspace: &Workspace) {
        for (kind, n) in workspace_counts(workspace) {
            self.read(kind, n);
        }
    }

    pub fn agent(&mut self, agent: &Agent) -> Result<(), DiscoverError> {
        self.read(ObjectKind::Users, 1);
        if agent.is_departed() {
            self.agents.departed += 1;
            self.departed_agents.insert(agent.id.clone());
        } else if agent.active {
            self.agents.active += 1;
        } else {
            self.agents.inactive += 1;
        }
        *self.agents.by_role.entry(agent.role.clone()).or_default() += 1;
        self.roster_index
            .insert(agent.id.clone(), self.agents.roster.len());
        self.agents.roster.push(AgentEntry {
            id: agent.id.clone(),
            name: agent.name.clone(),
            email: agent.email.clone(),
            role: agent.role.clone(),
            active: agent.active,
            departed: agent.is_departed(),
            assigned_tickets: 0,
        });
        let entry = index_entry(
            &agent.id,
            agent,
            Some(email_key(&agent.email)),
            Some(&agent.updated_at),
        );
        self.index(ObjectKind::Users, entry)
    }

    pub fn customer(&mut self, customer: &Customer) -> Result<(), DiscoverError> {
        self.read(ObjectKind::Customers, 1);
        let email = customer.email.as_deref().map(email_key);
        if email.is_some() {
            self.customers.with_email += 1;
        } else {
            self.customers.without_email += 1;
        }
        if let Some(company) = &customer.company {
            self.customers.with_company += 1;
            let key = company_key(&company.name);
            if !key.is_empty() && !self.companies.contains(&key) {
                self.companies.insert(key);
            }
        }
        let entry = index_entry(&customer.id, customer, email, Some(&customer.updated_at));
        self.index(ObjectKind::Customers, entry)
    }

    pub fn tag(&mut self, _tag: &Tag) {
        self.read(ObjectKind::Tags, 1);
        self.tags_defined += 1;
    }

    pub fn custom_field(&mut self) {
        self.read(ObjectKind::CustomFields, 1);
    }

    pub fn custom_object(&mut self, def: CustomObjectDef) {
        self.read(ObjectKind::CustomObjects, 1);
        self.custom_objects.push(CustomObjectSummary {
            key: def.key,
            label: def.label,
            fields: def.fields.iter().map(|f| f.key.clone()).collect(),
            field_defs: def.fields,
            links: def.links,
            records: 0,
        });
    }

    pub fn custom_object_record(&mut self, record: &CustomObjectRecord) {
        self.read(ObjectKind::CustomObjectRecords, 1);
        if let Some(summary) = self
            .custom_objects
            .iter_mut()
            .find(|s| s.key == record.object_key)
        {
            summary.records += 1;
        }
    }

    pub fn automation(&mut self, automation: Automation) {
        self.read(ObjectKind::Automations, 1);
        self.automations.push(automation);
    }

    /// Tallies an accepted ticket with everything it carries.
    pub fn thread(&mut self, thread: &TicketThread) -> Result<(), DiscoverError> {
        let ticket = &thread.ticket;
        self.read(ObjectKind::Tickets, 1);
        self.read(ObjectKind::Messages, thread.messages.len() as u64);
        self.read(ObjectKind::StatusEvents, thread.status_history.len() as u64);
        self.read(ObjectKind::Reminders, ticket.reminders.len() as u64);
        self.read(ObjectKind::Notifications, ticket.notifications.len() as u64);
        self.read(ObjectKind::SlaRecords, u64::from(ticket.sla.is_some()));

        let t = &mut self.tickets;
        *t.by_status.entry(ticket.status.clone()).or_default() += 1;
        *t.by_priority.entry(ticket.priority.clone()).or_default() += 1;
        match &ticket.assignee_id {
            None => t.unassigned += 1,
            Some(agent) if self.departed_agents.contains(agent) => t.assigned_to_departed += 1,
            Some(_) => {}
        }
        if let Some(&at) = ticket
            .assignee_id
            .as_ref()
            .and_then(|agent| self.roster_index.get(agent))
        {
            self.agents.roster[at].assigned_tickets += 1;
        }
        *t.thread_lengths
            .entry(thread.messages.len() as u64)
            .or_default() += 1;
        t.open_reminders += ticket.reminders.iter().filter(|r| !r.completed).count() as u64;
        for n in &ticket.notifications {
            let key = (n.medium.clone(), n.event.clone(), n.enabled);
            *self.notification_triggers.entry(key).or_default() += 1;
        }
        if let Some(sla) = &ticket.sla {
            t.with_sla += 1;
            t.sla_breached += u64::from(sla.breached);
        }
        t.with_reminders += u64::from(!ticket.reminders.is_empty());
        t.with_notifications += u64::from(!ticket.notifications.is_empty());
        t.oldest_created_at = Some(
            t.oldest_created_at
                .map_or(ticket.created_at, |o| o.min(ticket.created_at)),
        );
        t.newest_created_at = Some(
            t.newest_created_at
                .map_or(ticket.created_at, |n| n.max(ticket.created_at)),
        );
        let length = thread.messages.len() as u64;
        if t.longest_thread
            .as_ref()
            .is_none_or(|l| length > l.messages)
        {
            t.longest_thread = Some(ThreadLength {
                ticket_id: ticket.id.clone(),
                messages: length,
            });
        }
        for tag in &ticket.tags {
            *self.tags_used.entry(tag.clone()).or_default() += 1;
        }
        self.channels.entry(ticket.channel.clone()).or_default().0 += 1;
        for message in &thread.messages {
            self.message(message);
        }
        let downloadable = thread
            .messages
            .iter()
            .flat_map(|m| &m.attachments)
            .filter(|a| !a.requires_auth)
            .count() as u64;
        let private_files = thread
            .messages
            .iter()
            .filter(|m| m.visibility == Visibility::PrivateNote)
            .flat_map(|m| &m.attachments)
            .filter(|a| !a.requires_auth)
            .count() as u64;
        self.attachments.downloadable_on_private_notes += private_files;
        if downloadable > 0 {
            *self
                .attachments
                .downloadable_per_ticket
                .entry(downloadable)
                .or_default() += 1;
        }
        let entry = index_entry(&ticket.id, thread, None, Some(&ticket.updated_at));
        self.index(ObjectKind::Tickets, entry)
    }

    fn message(&mut self, message: &Message) {
        let m = &mut self.messages;
        match message.visibility {
            Visibility::Public => m.public += 1,
            Visibility::PrivateNote => {
                m.private_notes += 1;
                let bytes = message.body_text.len() as u64;
                if bytes > LONG_NOTE_BYTES {
                    *m.long_private_notes
                        .entry(bytes.div_ceil(100) * 100)
                        .or_default() += 1;
                }
            }
        }
        match message.sender.kind {
            SenderKind::Customer => m.from_customers += 1,
            SenderKind::Agent => m.from_agents += 1,
            SenderKind::System => m.from_system += 1,
        }
        m.with_html += u64::from(message.body_html.is_some());
        self.channels.entry(message.channel.clone()).or_default().1 += 1;
        self.read(ObjectKind::Attachments, message.attachments.len() as u64);
        for attachment in &message.attachments {
            let a = &mut self.attachments;
            a.count += 1;
            a.total_bytes += attachment.size_bytes;
            a.inline += u64::from(attachment.inline);
            let reference = AttachmentRef {
                id: attachment.id.clone(),
                ticket_id: attachment.ticket_id.clone(),
                file_name: attachment.file_name.clone(),
                size_bytes: attachment.size_bytes,
            };
            if !attachment.requires_auth {
                a.downloadable_bytes += attachment.size_bytes;
                a.downloadable_empty += u64::from(attachment.size_bytes == 0);
            }
            if attachment.requires_auth {
                a.requires_auth += 1;
                if a.requires_auth_examples.len() < AUTH_EXAMPLES {
                    a.requires_auth_examples.push(reference.clone());
                }
            }
            let smallest_kept = a.largest.last().map_or(0, |r| r.size_bytes);
            if a.largest.len() < LARGEST_ATTACHMENTS || attachment.size_bytes > smallest_kept {
                a.largest.push(reference);
                a.largest.sort_by_key(|r| std::cmp::Reverse(r.size_bytes));
                a.largest.truncate(LARGEST_ATTACHMENTS);
            }
        }
    }

    /// Flushes what is left, reconciles and assembles the report.
    pub fn finish(
        mut self,
        source: String,
        workspace: &Workspace,
        profiler: FieldProfiler,
        api: ApiStats,
        duration_s: f64,
    ) -> Result<ScopeReport, DiscoverError> {
        self.flush()?;
        let duplicates = self.ledger.duplicate_natural_keys(ObjectKind::Customers)?;
        self.customers.duplicate_email_groups = duplicates.len() as u64;
        self.customers.customers_in_duplicate_groups = duplicates.iter().map(|(_, n)| n).sum();
        self.customers.duplicate_examples = duplicates.into_iter().take(10).collect();
        self.customers.companies = self.companies.len() as u64;

        let discrepancies: Vec<String> = self
            .counts
            .iter()
            .filter(|(_, c)| c.unaccounted() != 0)
            .map(|(kind, c)| {
                format!(
                    "{kind}: the source declared {}, but {} were read and {} rejected ({} unaccounted); \
                     run discover again, and if the gap stays, the source's listing is inconsistent",
                    c.source(),
                    c.read,
                    c.rejected,
                    c.unaccounted()
                )
            })
            .collect();

        self.tickets.notification_triggers = std::mem::take(&mut self.notification_triggers)
            .into_iter()
            .map(
                |((medium, event, enabled), settings)| NotificationTriggerUse {
                    medium,
                    event,
                    enabled,
                    settings,
                },
            )
            .collect();
        let channels = channel_uses(&self.channels, workspace);
        let tags = TagSummary {
            defined: self.tags_defined,
            distinct_used: self.tags_used.len() as u64,
            applications: self.tags_used.values().sum(),
            collisions: tag_collisions(self.tags_used.keys()),
        };
        Ok(ScopeReport {
            generated_at: chrono::Utc::now(),
            source,
            workspace: WorkspaceSummary {
                account_id: workspace.account_id.clone(),
                name: workspace.name.clone(),
                departments: workspace.departments.clone(),
                portal: workspace.portal.clone(),
            },
            reconciled: discrepancies.is_empty(),
            discrepancies,
            counts: self.counts,
            agents: self.agents,
            customers: self.customers,
            tickets: self.tickets,
            messages: self.messages,
            channels,
            attachments: self.attachments,
            custom_fields: profiler.finish(),
            tags,
            custom_objects: self.custom_objects,
            automations: self.automations,
            unreachable: workspace.unreachable_items(),
            rejects: self.rejects,
            api,
            duration_s,
        })
    }
}

/// Every channel that carried traffic or has an integration, known channels first.
fn channel_uses(traffic: &BTreeMap<Channel, (u64, u64)>, workspace: &Workspace) -> Vec<ChannelUse> {
    let mut channels: Vec<Channel> = Channel::KNOWN.to_vec();
    for channel in traffic
        .keys()
        .chain(workspace.channels.iter().map(|c| &c.channel))
    {
        if !channels.contains(channel) {
            channels.push(channel.clone());
        }
    }
    channels
        .into_iter()
        .filter_map(|channel| {
            let (tickets, messages) = traffic.get(&channel).copied().unwrap_or_default();
            let integrations: Vec<IntegrationStatus> = workspace
                .channels
                .iter()
                .filter(|c| c.channel == channel)
                .map(|c| IntegrationStatus {
                    name: c.name.clone(),
                    connected: c.connected,
                })
                .collect();
            if tickets == 0 && messages == 0 && integrations.is_empty() {
                return None;
            }
            Some(ChannelUse {
                channel: channel.label(),
                tickets,
                messages,
                needs_manual_reconnection: channel.needs_manual_reconnection(),
                integrations,
            })
        })
        .collect()
}

/// Groups of spellings that normalise to the same tag key.
fn tag_collisions<'a>(spellings: impl Iterator<Item = &'a String>) -> Vec<Vec<String>> {
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for spelling in spellings {
        groups
            .entry(tag_key(spelling))
            .or_default()
            .push(spelling.clone());
    }
    groups.into_values().filter(|g| g.len() > 1).collect()
}
