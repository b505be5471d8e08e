//! Helpers shared by the Stames source tests: start an emulator, point a source
//! at it, and read everything a source has.

use deskshift_core::model::{
    Agent, Automation, CustomFieldDef, CustomObjectDef, CustomObjectRecord, Customer, ObjectKind,
    Tag, TicketThread, Workspace,
};
use deskshift_core::source::{Read, ReadStream, Reject, Source, SourceError};
use deskshift_sim::budget::Budget;
use deskshift_sim::stames::{RunningEmulator, StamesConfig, StamesEmulator};
use deskshift_stames::{Credentials, StamesApi, StamesOptions};
use futures::StreamExt;
use std::collections::BTreeMap;

/// An emulator on a free loopback port.
pub async fn emulator(
    seed: u64,
    tickets: usize,
    budget: &str,
    malformed: usize,
) -> RunningEmulator {
    let config = StamesConfig {
        seed,
        tickets,
        budget: budget.parse::<Budget>().expect("test budget"),
        malformed,
        ..StamesConfig::default()
    };
    StamesEmulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("emulator starts")
}

/// The credentials the emulator accepts, in the source's type.
pub fn credentials_of(emulator: &RunningEmulator) -> Credentials {
    let accepted = emulator.credentials();
    Credentials::new(accepted.account_id.clone(), accepted.api_key.clone())
}

/// A REST source for `emulator` with `concurrency` requests in flight.
pub fn api_source(emulator: &RunningEmulator, concurrency: usize) -> StamesApi {
    let options = StamesOptions {
        concurrency,
        ..StamesOptions::default()
    };
    StamesApi::new(&emulator.url(), credentials_of(emulator), options).expect("valid source")
}

/// Everything one source yielded.
#[derive(Debug, Clone, PartialEq)]
pub struct Everything {
    pub workspace: Workspace,
    pub agents: Vec<Agent>,
    pub customers: Vec<Customer>,
    pub tags: Vec<Tag>,
    pub custom_fields: Vec<CustomFieldDef>,
    pub custom_objects: Vec<CustomObjectDef>,
    pub custom_object_records: Vec<CustomObjectRecord>,
    pub automations: Vec<Automation>,
    pub threads: Vec<TicketThread>,
    pub rejects: Vec<Reject>,
}

async fn drain<T>(
    stream: ReadStream<'_, T>,
    records: &mut Vec<T>,
    rejects: &mut Vec<Reject>,
) -> Result<(), SourceError> {
    let mut stream = stream;
    while let Some(item) = stream.next().await {
        match item? {
            Read::Record(record) => records.push(record),
            Read::Rejected(reject) => rejects.push(reject),
        }
    }
    Ok(())
}

impl Everything {
    /// Reads every collection of `source`, in dependency order.
    pub async fn read(source: &dyn Source) -> Result<Everything, SourceError> {
        let mut all = Everything {
            workspace: source.workspace().await?,
            agents: Vec::new(),
            customers: Vec::new(),
            tags: Vec::new(),
            custom_fields: Vec::new(),
            custom_objects: Vec::new(),
            custom_object_records: Vec::new(),
            automations: Vec::new(),
            threads: Vec::new(),
            rejects: Vec::new(),
        };
        let rejects = &mut all.rejects;
        drain(source.agents(), &mut all.agents, rejects).await?;
        drain(source.customers(None), &mut all.customers, rejects).await?;
        drain(source.tags(), &mut all.tags, rejects).await?;
        drain(source.custom_fields(), &mut all.custom_fields, rejects).await?;
        drain(source.custom_objects(), &mut all.custom_objects, rejects).await?;
        drain(
            source.custom_object_records(None),
            &mut all.custom_object_records,
            rejects,
        )
        .await?;
        drain(source.automations(), &mut all.automations, rejects).await?;
        drain(source.tickets(None), &mut all.threads, rejects).await?;
        Ok(all)
    }

    /// Records read per kind, children of tickets included.
    pub fn read_counts(&self) -> BTreeMap<ObjectKind, u64> {
        let n = |len: usize| len as u64;
        let mut counts = BTreeMap::from([
            (ObjectKind::Departments, n(self.workspace.departments.len())),
            (
                ObjectKind::ChannelIntegrations,
                n(self.workspace.channels.len()),
            ),
            (ObjectKind::Users, n(self.agents.len())),
            (ObjectKind::Customers, n(self.customers.len())),
            (ObjectKind::Tags, n(self.tags.len())),
            (ObjectKind::CustomFields, n(self.custom_fields.len())),
            (ObjectKind::CustomObjects, n(self.custom_objects.len())),
            (
                ObjectKind::CustomObjectRecords,
                n(self.custom_object_records.len()),
            ),
            (ObjectKind::Automations, n(self.automations.len())),
            (ObjectKind::Tickets, n(self.threads.len())),
        ]);
        for thread in &self.threads {
            let ticket = &thread.ticket;
            let mut add = |kind, count: usize| *counts.entry(kind).or_default() += n(count);
            add(ObjectKind::Messages, thread.messages.len());
            add(ObjectKind::StatusEvents, thread.status_history.len());
            add(ObjectKind::Reminders, ticket.reminders.len());
            add(ObjectKind::Notifications, ticket.notifications.len());
            add(ObjectKind::SlaRecords, usize::from(ticket.sla.is_some()));
            let attachments = thread.messages.iter().map(|m| m.attachments.len()).sum();
            add(ObjectKind::Attachments, attachments);
        }
        counts
    }

    /// Rejects per kind.
    pub fn rejected_counts(&self) -> BTreeMap<ObjectKind, u64> {
        let mut counts = BTreeMap::new();
        for reject in &self.rejects {
            *counts.entry(reject.kind).or_default() += 1;
        }
        counts
    }

    /// Read plus rejected, per kind.
    pub fn accounted(&self) -> BTreeMap<ObjectKind, u64> {
        let mut counts = self.read_counts();
        for (kind, rejected) in self.rejected_counts() {
            *counts.entry(kind).or_default() += rejected;
        }
        counts
    }

    /// Rejects for a record's own defect, as opposed to the cascade rejects
    /// of children whose parent was rejected.
    pub fn primary_rejects(&self) -> Vec<&Reject> {
        self.rejects
            .iter()
            .filter(|r| !r.reason.contains("which was rejected"))
            .collect()
    }
}

/// Asserts that, for every kind `expected` counts, the source accounted for
/// exactly that many records (read + rejected).
pub fn assert_accounts_for(all: &Everything, expected: &BTreeMap<ObjectKind, u64>, what: &str) {
    let accounted = all.accounted();
    for (kind, count) in expected {
        assert_eq!(
            accounted.get(kind).copied().unwrap_or(0),
            *count,
            "{what}: {kind} read {} + rejected {} should be {count}",
            all.read_counts().get(kind).copied().unwrap_or(0),
            all.rejected_counts().get(kind).copied().unwrap_or(0),
        );
    }
}
