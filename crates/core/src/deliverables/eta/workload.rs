//! The figures of the scope report the call models need, in one place.

use crate::discover::ScopeReport;
use crate::model::{FieldObject, ObjectKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Workload {
    pub agents: u64,
    pub customers: u64,
    /// Customers sharing another customer's e-mail beyond the first: merged,
    /// not created.
    pub duplicate_customers: u64,
    pub tickets: u64,
    pub public_messages: u64,
    pub private_notes: u64,
    /// Messages per ticket → tickets.
    pub thread_lengths: BTreeMap<u64, u64>,
    pub status_events: u64,
    pub ticket_fields: u64,
    pub customer_fields: u64,
    pub custom_objects: u64,
    pub custom_object_fields: u64,
    /// Distinct kinds of record each custom object links to (ticket,
    /// customer), summed over the objects.
    pub custom_object_links: u64,
    pub custom_object_records: u64,
    /// Customers with a company, and the distinct companies among them.
    pub customers_with_company: u64,
    pub companies: u64,
    /// Private notes over 2,000 bytes: size (rounded up to 100) → notes.
    pub long_private_notes: BTreeMap<u64, u64>,
    /// Tags in the tag list, and how many of them merge into another once
    /// normalised.
    pub tags: u64,
    pub tag_merges: u64,
    pub distinct_tags_used: u64,
    pub tag_applications: u64,
    /// Files that can be downloaded (the others are rejected, no call).
    pub files: u64,
    pub file_bytes: u64,
    /// Downloadable files per ticket → tickets.
    pub files_per_ticket: BTreeMap<u64, u64>,
    /// Of the downloadable files, those on private notes and those of 0 bytes.
    pub private_note_files: u64,
    pub empty_files: u64,
}

impl Workload {
    pub fn from_scope(scope: &ScopeReport) -> Workload {
        let read = |kind| scope.counts.get(&kind).map_or(0, |c| c.read);
        let fields = |object| {
            scope
                .custom_fields
                .iter()
                .filter(|f| f.object == object)
                .count() as u64
        };
        let customers = &scope.customers;
        let attachments = &scope.attachments;
        Workload {
            agents: read(ObjectKind::Users),
            customers: read(ObjectKind::Customers),
            duplicate_customers: customers
                .customers_in_duplicate_groups
                .saturating_sub(customers.duplicate_email_groups),
            tickets: read(ObjectKind::Tickets),
            public_messages: scope.messages.public,
            private_notes: scope.messages.private_notes,
            thread_lengths: scope.tickets.thread_lengths.clone(),
            status_events: read(ObjectKind::StatusEvents),
            ticket_fields: fields(FieldObject::Ticket),
            customer_fields: fields(FieldObject::Customer),
            custom_objects: scope.custom_objects.len() as u64,
            custom_object_fields: scope
                .custom_objects
                .iter()
                .map(|o| o.fields.len() as u64)
                .sum(),
            custom_object_links: scope
                .custom_objects
                .iter()
                .map(|o| o.links.iter().collect::<BTreeSet<_>>().len() as u64)
                .sum(),
            customers_with_company: customers.with_company,
            companies: customers.companies,
            long_private_notes: scope.messages.long_private_notes.clone(),
            custom_object_records: read(ObjectKind::CustomObjectRecords),
            tags: scope.tags.defined,
            tag_merges: scope
                .tags
                .collisions
                .iter()
                .map(|g| g.len().saturating_sub(1) as u64)
                .sum(),
            distinct_tags_used: scope.tags.distinct_used,
            tag_applications: scope.tags.applications,
            files: attachments.count.saturating_sub(attachments.requires_auth),
            file_bytes: attachments.downloadable_bytes,
            files_per_ticket: attachments.downloadable_per_ticket.clone(),
            private_note_files: attachments.downloadable_on_private_notes,
            empty_files: attachments.downloadable_empty,
        }
    }

    /// Mean size of a downloadable file, 0 when there is none.
    pub fn mean_file_bytes(&self) -> u64 {
        self.file_bytes.checked_div(self.files).unwrap_or(0)
    }
}
