//! The workspace, tags, custom fields, custom objects and automations.

use super::values::{channel, record_values};
use super::{require_id, Checker, FromWire};
use crate::api::wire::{
    WireAccount, WireAutomation, WireCustomField, WireCustomObject, WireCustomObjectRecord, WireTag,
};
use deskshift_core::model::{
    Automation, AutomationAction, AutomationCondition, ChannelIntegration, CustomFieldDef,
    CustomObjectDef, CustomObjectField, CustomObjectRecord, Department, FieldObject, FieldType,
    LinkTarget, ObjectKind, Portal, Tag, Workspace,
};
use deskshift_core::source::Reject;

/// The workspace as `GET /account` (or `account.json`) describes it. Not a
/// record that can be rejected: it has no id of its own to reject under, and
/// nothing in it is validated beyond its JSON shape.
pub fn workspace(account: WireAccount) -> Workspace {
    Workspace {
        account_id: account.id,
        name: account.name,
        departments: account
            .departments
            .into_iter()
            .map(|d| Department {
                id: d.id.to_string(),
                name: d.name,
            })
            .collect(),
        channels: account
            .channels
            .into_iter()
            .map(|c| ChannelIntegration {
                id: c.id.to_string(),
                channel: channel(&c.channel_type),
                name: c.name,
                connected: c.status == "connected",
            })
            .collect(),
        portal: Portal {
            enabled: account.portal.enabled,
            url: account.portal.url,
        },
    }
}

impl FromWire for Tag {
    type Wire = WireTag;
    const KIND: ObjectKind = ObjectKind::Tags;

    fn from_wire(wire: WireTag) -> Result<Tag, Reject> {
        let id = require_id(Self::KIND, wire.id)?;
        let check = Checker::new(Self::KIND, Some(&id));
        Ok(Tag {
            created_at: check.optional_timestamp("created_at", wire.created_at.as_deref())?,
            name: wire.name,
            id,
        })
    }
}

impl FromWire for CustomFieldDef {
    type Wire = WireCustomField;
    const KIND: ObjectKind = ObjectKind::CustomFields;

    fn from_wire(wire: WireCustomField) -> Result<CustomFieldDef, Reject> {
        let id = require_id(Self::KIND, wire.id)?;
        let check = Checker::new(Self::KIND, Some(&id));
        let object =
            match wire.object.as_str() {
                "ticket" => FieldObject::Ticket,
                "customer" => FieldObject::Customer,
                other => return Err(check.reject(
                    "object",
                    format!("unknown field owner {other:?}"),
                    "custom fields belong to `ticket` or `customer`; deskshift needs an update \
                     if Stames added another",
                )),
            };
        Ok(CustomFieldDef {
            object,
            field_type: field_type(&check, "type", &wire.field_type)?,
            key: wire.key,
            label: wire.label,
            options: wire.options,
            required: wire.required,
            id,
        })
    }
}

impl FromWire for CustomObjectDef {
    type Wire = WireCustomObject;
    const KIND: ObjectKind = ObjectKind::CustomObjects;

    fn from_wire(wire: WireCustomObject) -> Result<CustomObjectDef, Reject> {
        let id = require_id(Self::KIND, wire.id)?;
        let check = Checker::new(Self::KIND, Some(&id));
        let mut fields = Vec::with_capacity(wire.fields.len());
        for (i, field) in wire.fields.into_iter().enumerate() {
            fields.push(CustomObjectField {
                field_type: field_type(&check, &format!("fields[{i}].type"), &field.field_type)?,
                key: field.key,
                label: field.label,
                options: field.options,
            });
        }
        let mut links = Vec::with_capacity(wire.links.len());
        for (i, link) in wire.links.iter().enumerate() {
            links.push(match link.as_str() {
                "ticket" => LinkTarget::Ticket,
                "customer" => LinkTarget::Customer,
                other => {
                    return Err(check.reject(
                        format!("links[{i}]"),
                        format!("unknown link target {other:?}"),
                        "custom objects link to `ticket` or `customer`; deskshift needs an \
                         update if Stames added another",
                    ))
                }
            });
        }
        Ok(CustomObjectDef {
            key: wire.key,
            label: wire.label,
            fields,
            links,
            id,
        })
    }
}

impl FromWire for CustomObjectRecord {
    type Wire = WireCustomObjectRecord;
    const KIND: ObjectKind = ObjectKind::CustomObjectRecords;

    fn from_wire(wire: WireCustomObjectRecord) -> Result<CustomObjectRecord, Reject> {
        let id = require_id(Self::KIND, wire.id)?;
        let check = Checker::new(Self::KIND, Some(&id));
        Ok(CustomObjectRecord {
            values: record_values(&check, wire.values)?,
            ticket_ids: wire.ticket_ids.iter().map(u64::to_string).collect(),
            customer_ids: wire.customer_ids.iter().map(u64::to_string).collect(),
            created_at: check.timestamp("created_at", &wire.created_at)?,
            updated_at: check.timestamp("updated_at", &wire.updated_at)?,
            object_key: wire.object_key,
            id,
        })
    }
}

impl FromWire for Automation {
    type Wire = WireAutomation;
    const KIND: ObjectKind = ObjectKind::Automations;

    fn from_wire(wire: WireAutomation) -> Result<Automation, Reject> {
        let id = require_id(Self::KIND, wire.id)?;
        let check = Checker::new(Self::KIND, Some(&id));
        Ok(Automation {
            created_at: check.timestamp("created_at", &wire.created_at)?,
            updated_at: check.timestamp("updated_at", &wire.updated_at)?,
            name: wire.name,
            trigger: wire.trigger,
            conditions: wire
                .conditions
                .into_iter()
                .map(|c| AutomationCondition {
                    field: c.field,
                    operator: c.operator,
                    value: c.value,
                })
                .collect(),
            actions: wire
                .actions
                .into_iter()
                .map(|a| AutomationAction {
                    action: a.action_type,
                    params: a.params,
                })
                .collect(),
            active: wire.active,
            id,
        })
    }
}

fn field_type(check: &Checker<'_>, field: &str, name: &str) -> Result<FieldType, Reject> {
    Ok(match name {
        "text" => FieldType::Text,
        "number" => FieldType::Number,
        "date" => FieldType::Date,
        "boolean" => FieldType::Boolean,
        "select" => FieldType::Select,
        "multi_select" => FieldType::MultiSelect,
        other => {
            return Err(check.reject(
                field,
                format!("unknown field type {other:?}"),
                "Stames field types are text, number, date, boolean, select and multi_select; \
                 deskshift needs an update if Stames added another",
            ))
        }
    })
}
