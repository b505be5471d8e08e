//! The canonical helpdesk model: what deskshift believes a Stames workspace *is*,
//! independent of how it was read (REST API or export bundle) and of where it goes.
//!
//! Every record carries its source id as a string ([`SourceId`]) so the ledger can
//! key on it without caring about the source's id type. Enumerated values that a
//! destination will need a *value map* for (ticket status, priority, agent role)
//! are kept as the source spelled them: the field map (not the reader) decides what
//! they become, and the map can only be built from the values actually present.
//! Channels are the exception: the six Stames channels are a closed, documented set,
//! so they get an enum with an `Other` escape hatch for anything new.

mod fields;
mod inventory;
mod kind;
mod ticket;

pub use fields::{
    CustomFieldDef, CustomObjectDef, CustomObjectField, CustomObjectRecord, FieldObject, FieldType,
    FieldValue, LinkTarget,
};
pub use inventory::{
    Automation, AutomationAction, AutomationCondition, ChannelIntegration, Department,
    InventoryItem, InventoryKind, Portal, Workspace,
};
pub use kind::ObjectKind;
pub use ticket::{
    Agent, Attachment, Channel, Company, Customer, Message, Notification, Reminder, Sender,
    SenderKind, Sla, StatusEvent, Tag, Ticket, TicketThread, Visibility,
};

/// A record's id in the source system, always as text.
pub type SourceId = String;

/// Every timestamp in the model is UTC; sources convert on the way in.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
