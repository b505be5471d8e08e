//! Things that are not records to move but must be accounted for: the workspace
//! itself, automations, and configuration the API cannot reach.

use super::{Channel, SourceId, Timestamp};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Department {
    pub id: SourceId,
    pub name: String,
}

/// A channel connection configured in Stames. Only its existence and status are
/// visible; the platform credentials behind it never are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelIntegration {
    pub id: SourceId,
    pub channel: Channel,
    /// Page name, phone number, inbox address, …
    pub name: String,
    pub connected: bool,
}

/// What the API says about the self-service portal: that it exists and where.
/// Its forms, access rules and content are not reachable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Portal {
    pub enabled: bool,
    pub url: Option<String>,
}

/// The source workspace as a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub account_id: String,
    pub name: String,
    pub departments: Vec<Department>,
    pub channels: Vec<ChannelIntegration>,
    pub portal: Portal,
}

impl Workspace {
    /// The items an operator must recreate by hand, because no API exposes them.
    pub fn unreachable_items(&self) -> Vec<InventoryItem> {
        let mut items = Vec::new();
        if self.portal.enabled {
            items.push(InventoryItem {
                kind: InventoryKind::PortalConfiguration,
                name: "Self-service portal".into(),
                detail: format!(
                    "Portal at {} is enabled; its forms, access controls and content are not \
                     exposed by the Stames API and must be recreated by hand.",
                    self.portal.url.as_deref().unwrap_or("(no URL given)")
                ),
            });
        }
        for channel in &self.channels {
            if channel.channel.needs_manual_reconnection() {
                items.push(InventoryItem {
                    kind: InventoryKind::ChannelCredentials,
                    name: format!("{} — {}", channel.channel.label(), channel.name),
                    detail: format!(
                        "Platform credentials for this {} connection are not exported; \
                         reconnect it in the destination.",
                        if channel.connected {
                            "connected"
                        } else {
                            "disconnected"
                        }
                    ),
                });
            }
        }
        items
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InventoryKind {
    PortalConfiguration,
    ChannelCredentials,
}

/// Something that cannot be migrated through the API and is listed instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryItem {
    pub kind: InventoryKind,
    pub name: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutomationCondition {
    pub field: String,
    pub operator: String,
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutomationAction {
    /// e.g. `assign_agent`, `add_tag`, `send_email`, `send_sms`, `set_priority`.
    pub action: String,
    pub params: serde_json::Value,
}

/// A Stames automation rule. Never migrated (the destinations' automation models
/// differ), always inventoried so it can be rebuilt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Automation {
    pub id: SourceId,
    pub name: String,
    /// The event that starts it, e.g. `ticket_created`.
    pub trigger: String,
    pub conditions: Vec<AutomationCondition>,
    pub actions: Vec<AutomationAction>,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
