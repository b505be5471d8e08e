//! The automation inventory: every Stames automation, every kind of
//! per-ticket notification trigger and the reminders, each with the
//! destination equivalent an admin would build.
//!
//! Gorgias vocabulary is the documented one: rule events (`event_types`)
//! `ticket-created`, `ticket-updated`, `ticket-message-created`,
//! `ticket-assigned`, `ticket-self-unsnoozed` (reference §4.9) and the rule
//! actions of the Gorgias rule glossary (Add tags, Assign agent, Set status,
//! Set ticket field, Snooze for, Send email, Reply to customer, Apply macro,
//! Add internal note). Where nothing documented fits, the gap is named.

use super::Target;
use crate::discover::{NotificationTriggerUse, ScopeReport};
use crate::model::{Automation, AutomationAction};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a person rebuilds in the destination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// `Gorgias rule`, `Salesforce Flow`, `Case assignment rule`, …
    pub mechanism: String,
    /// The event that starts it.
    pub when: String,
    pub conditions: Vec<String>,
    pub actions: Vec<String>,
    /// What has no documented equivalent.
    pub gaps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutomationEntry {
    /// `automation`, `notification_trigger` or `reminders`.
    pub origin: String,
    pub id: String,
    pub name: String,
    pub trigger: String,
    pub conditions: Vec<String>,
    pub actions: Vec<String>,
    pub active: bool,
    pub recommendation: Recommendation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutomationInventory {
    /// Stames automations (every one the source holds, active or not).
    pub automations: usize,
    pub active_automations: usize,
    /// Kinds of per-ticket notification triggers (medium × event × state).
    pub notification_triggers: usize,
    pub entries: Vec<AutomationEntry>,
}

/// The neutral form of anything that fires: trigger, conditions, actions.
struct Spec {
    trigger: String,
    conditions: Vec<String>,
    actions: Vec<AutomationAction>,
}

pub fn inventory(target: Target, scope: &ScopeReport) -> AutomationInventory {
    let mut entries: Vec<AutomationEntry> = scope
        .automations
        .iter()
        .map(|a| entry(target, "automation", &a.id, &a.name, a.active, spec_of(a)))
        .collect();
    for (i, n) in scope.tickets.notification_triggers.iter().enumerate() {
        let name = format!(
            "{} notification on {} ({} ticket settings)",
            n.medium, n.event, n.settings
        );
        let id = format!("notification-{}", i + 1);
        entries.push(entry(
            target,
            "notification_trigger",
            &id,
            &name,
            n.enabled,
            notification_spec(n),
        ));
    }
    if scope.tickets.open_reminders > 0 {
        let name = format!(
            "Ticket reminders ({} open on {} tickets)",
            scope.tickets.open_reminders, scope.tickets.with_reminders
        );
        let spec = Spec {
            trigger: "reminder_due".into(),
            conditions: Vec::new(),
            actions: vec![AutomationAction {
                action: "remind_agent".into(),
                params: Value::Null,
            }],
        };
        entries.push(entry(target, "reminders", "reminders", &name, true, spec));
    }
    AutomationInventory {
        automations: scope.automations.len(),
        active_automations: scope.automations.iter().filter(|a| a.active).count(),
        notification_triggers: scope.tickets.notification_triggers.len(),
        entries,
    }
}

fn spec_of(a: &Automation) -> Spec {
    Spec {
        trigger: a.trigger.clone(),
        conditions: a
            .conditions
            .iter()
            .map(|c| format!("{} {} {}", c.field, c.operator, value_text(&c.value)))
            .collect(),
        actions: a.actions.clone(),
    }
}

/// Who a per-ticket notification goes to differs ticket by ticket (the
/// customer, an agent, a phone number), so the inventory names it so.
const NOTIFICATION_RECIPIENT: &str = "the recipient set on each ticket";

fn notification_spec(n: &NotificationTriggerUse) -> Spec {
    Spec {
        trigger: n.event.clone(),
        conditions: vec![format!(
            "the ticket has {} notification for it",
            match n.medium.as_str() {
                "email" => "an e-mail".to_string(),
                "sms" => "an SMS".to_string(),
                other => format!("a {other}"),
            }
        )],
        actions: vec![AutomationAction {
            action: format!("send_{}", n.medium),
            params: serde_json::json!({ "to": NOTIFICATION_RECIPIENT }),
        }],
    }
}

fn entry(
    target: Target,
    origin: &str,
    id: &str,
    name: &str,
    active: bool,
    spec: Spec,
) -> AutomationEntry {
    let recommendation = match target {
        Target::Gorgias => gorgias_rule(&spec),
        Target::Salesforce => salesforce_equivalent(&spec),
    };
    AutomationEntry {
        origin: origin.into(),
        id: id.into(),
        name: name.into(),
        trigger: spec.trigger,
        conditions: spec.conditions,
        actions: spec.actions.iter().map(action_text).collect(),
        active,
        recommendation,
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

fn action_text(a: &AutomationAction) -> String {
    match &a.params {
        Value::Null => a.action.clone(),
        Value::Object(map) if map.is_empty() => a.action.clone(),
        params => format!("{} {params}", a.action),
    }
}

/// A parameter of an action as text, e.g. the tag of `add_tag`.
fn param(a: &AutomationAction, key: &str) -> String {
    match a.params.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "…".into(),
    }
}

/// The agent an action names: a Stames agent id, or a role such as the
/// ticket's assignee.
fn agent(a: &AutomationAction) -> String {
    match a.params.get("agent_id") {
        Some(Value::String(role)) if role.parse::<u64>().is_err() => {
            format!("the ticket's {role}")
        }
        Some(_) => format!("the user of Stames agent {}", param(a, "agent_id")),
        None => "an agent".into(),
    }
}

fn sends_to_customer(a: &AutomationAction) -> bool {
    a.params
        .get("to")
        .and_then(Value::as_str)
        .is_none_or(|to| to == "customer")
}

/// The Gorgias rule event for a Stames trigger, with any condition it needs.
fn gorgias_event(trigger: &str) -> (String, Option<String>, Option<String>) {
    let t = trigger.to_ascii_lowercase();
    match t.as_str() {
        "ticket_created" => ("ticket-created".into(), None, None),
        "ticket_updated" | "ticket_reopened" | "ticket_solved" | "status_changed" => (
            "ticket-updated".into(),
            (t != "ticket_updated").then(|| format!("the ticket's change is: {trigger}")),
            None,
        ),
        "message_received" => (
            "ticket-message-created".into(),
            Some("message from agent is false".into()),
            None,
        ),
        "time_based" | "reminder_due" => (
            "ticket-self-unsnoozed".into(),
            None,
            Some(
                "no time-based trigger: pair a rule that snoozes the ticket (Snooze for) with \
                 this one, which runs when the snooze ends"
                    .into(),
            ),
        ),
        "sla_breached" => (
            "ticket-updated".into(),
            None,
            Some(
                "no SLA-breach event in Gorgias rules: watch SLA breaches in a view instead".into(),
            ),
        ),
        _ => (
            "ticket-updated".into(),
            None,
            Some(format!(
                "no Gorgias event matches the Stames trigger `{trigger}`"
            )),
        ),
    }
}

/// A Gorgias rule sketch: WHEN event, IF conditions, THEN actions.
fn gorgias_rule(spec: &Spec) -> Recommendation {
    let (when, extra_condition, event_gap) = gorgias_event(&spec.trigger);
    let mut gaps: Vec<String> = event_gap.into_iter().collect();
    let mut actions = Vec::new();
    for a in &spec.actions {
        match a.action.as_str() {
            "add_tag" => actions.push(format!("Add tags: {}", param(a, "tag"))),
            "assign_agent" => actions.push(format!("Assign agent: {}", agent(a))),
            "set_status" => actions.push(format!(
                "Set status: {} (Gorgias has open and closed)",
                param(a, "status")
            )),
            "set_priority" => {
                actions.push(format!("Add tags: priority-{}", param(a, "priority")));
                gaps.push("no documented Set priority rule action: a tag (or a ticket field with Set ticket field) stands in".into());
            }
            "send_email" if sends_to_customer(a) => actions
                .push("Reply to customer (or Apply macro holding the Stames template)".into()),
            "send_email" => actions.push(format!("Send email to {}", param(a, "to"))),
            "send_sms" if sends_to_customer(a) => {
                actions.push("Reply to customer (answers on the ticket's own channel)".into());
                gaps.push("no SMS action: Gorgias replies on the ticket's channel; SMS needs an SMS integration and an SMS ticket".into());
            }
            "send_sms" => {
                actions.push(format!("Send email to {} instead", param(a, "to")));
                gaps.push(format!("no SMS action: a rule cannot text {}; use an SMS integration or an e-mail-to-SMS gateway", param(a, "to")));
            }
            "notify_agent" => {
                actions.push(format!("Assign agent: {}", agent(a)));
                gaps.push("no notify action: assigning notifies the assignee; or Send email to the agent's address".into());
            }
            "remind_agent" => {
                actions.push("Snooze for the reminder delay; the agent sees it reopen".into())
            }
            other => gaps.push(format!("no Gorgias rule action for `{other}`")),
        }
    }
    Recommendation {
        mechanism: "Gorgias rule".into(),
        when,
        conditions: spec
            .conditions
            .iter()
            .cloned()
            .chain(extra_condition)
            .collect(),
        actions,
        gaps,
    }
}

/// The Salesforce mechanism a Stames automation becomes.
fn salesforce_equivalent(spec: &Spec) -> Recommendation {
    let only = |names: &[&str]| {
        spec.actions
            .iter()
            .all(|a| names.contains(&a.action.as_str()))
    };
    let trigger = spec.trigger.to_ascii_lowercase();
    let (mechanism, when) = match trigger.as_str() {
        "ticket_created" if only(&["assign_agent"]) => {
            ("Case assignment rule", "a Case is created".to_string())
        }
        "ticket_created" if only(&["send_email"]) && spec.actions.iter().all(sends_to_customer) => {
            ("Case auto-response rule", "a Case is created".to_string())
        }
        "time_based" | "sla_breached" | "reminder_due" => (
            "Case escalation rule (or an Entitlement milestone action)",
            format!("the time condition of `{}` is reached", spec.trigger),
        ),
        "message_received" => (
            "Record-triggered Flow on EmailMessage",
            "an EmailMessage is created with Incoming = true".to_string(),
        ),
        _ => (
            "Record-triggered Flow on Case",
            format!("a Case is created or updated ({})", spec.trigger),
        ),
    };
    let mut gaps = Vec::new();
    let mut actions = Vec::new();
    for a in &spec.actions {
        match a.action.as_str() {
            "add_tag" => actions.push(format!("Update Records: add `{}` to Stames_Tags__c (or a TopicAssignment)", param(a, "tag"))),
            "assign_agent" => actions.push(format!("Set Case owner: {}", agent(a))),
            "set_priority" => actions.push(format!("Update Records: Priority = {}", param(a, "priority"))),
            "set_status" => actions.push(format!("Update Records: Status = {}", param(a, "status"))),
            "send_email" => actions.push(format!("Send Email (email alert with the Stames template) to {}", param(a, "to"))),
            "notify_agent" => actions.push(format!("Send Custom Notification to {}", agent(a))),
            "send_sms" => gaps.push("no native SMS action: needs Digital Engagement (Messaging) or an AppExchange SMS package".into()),
            "remind_agent" => actions.push("Create a Task with a reminder for the Case owner".into()),
            other => gaps.push(format!("no standard Salesforce action for `{other}`")),
        }
    }
    Recommendation {
        mechanism: mechanism.into(),
        when,
        conditions: spec.conditions.clone(),
        actions,
        gaps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliverables::fixture;
    use serde_json::json;

    fn spec(trigger: &str, actions: &[(&str, Value)]) -> Spec {
        Spec {
            trigger: trigger.into(),
            conditions: vec!["channel equals \"email\"".into()],
            actions: actions
                .iter()
                .map(|(a, p)| AutomationAction {
                    action: a.to_string(),
                    params: p.clone(),
                })
                .collect(),
        }
    }

    #[test]
    fn every_automation_and_trigger_kind_is_listed() {
        let scope = fixture::scope();
        for target in [Target::Gorgias, Target::Salesforce] {
            let inv = inventory(target, &scope);
            assert_eq!(inv.automations, 3);
            assert_eq!(inv.active_automations, 2);
            assert_eq!(inv.notification_triggers, 2);
            // 3 automations + 2 notification kinds + the reminders.
            assert_eq!(inv.entries.len(), 6);
            assert!(inv.entries.iter().any(|e| !e.active));
        }
    }

    #[test]
    fn gorgias_rules_use_documented_events_and_actions() {
        let r = gorgias_rule(&spec(
            "ticket_created",
            &[("add_tag", json!({"tag": "billing"}))],
        ));
        assert_eq!(r.when, "ticket-created");
        assert_eq!(r.actions, vec!["Add tags: billing"]);
        assert!(r.gaps.is_empty());
        let r = gorgias_rule(&spec("message_received", &[("send_sms", json!({}))]));
        assert_eq!(r.when, "ticket-message-created");
        assert!(r
            .conditions
            .iter()
            .any(|c| c == "message from agent is false"));
        assert!(r.gaps.iter().any(|g| g.contains("SMS")));
        let r = gorgias_rule(&spec(
            "time_based",
            &[("set_status", json!({"status": "closed"}))],
        ));
        assert_eq!(r.when, "ticket-self-unsnoozed");
        assert!(r.gaps[0].contains("Snooze for"));
        let r = gorgias_rule(&spec(
            "ticket_created",
            &[("send_email", json!({"to": "customer"}))],
        ));
        assert!(r.actions[0].starts_with("Reply to customer"));
        let r = gorgias_rule(&spec("weird", &[("launch_rocket", json!(null))]));
        assert_eq!(r.gaps.len(), 2, "{:?}", r.gaps);
        let r = gorgias_rule(&spec(
            "ticket_updated",
            &[
                ("send_sms", json!({"to": "+44 7700 900999"})),
                ("notify_agent", json!({"agent_id": "assignee"})),
            ],
        ));
        assert!(r.actions[0].contains("+44 7700 900999"), "{:?}", r.actions);
        assert!(!r.actions[0].contains("Reply to customer"));
        assert_eq!(r.actions[1], "Assign agent: the ticket's assignee");
    }

    #[test]
    fn salesforce_picks_assignment_auto_response_escalation_or_flow() {
        let assign = salesforce_equivalent(&spec(
            "ticket_created",
            &[("assign_agent", json!({"agent_id": 3}))],
        ));
        assert_eq!(assign.mechanism, "Case assignment rule");
        let ack = salesforce_equivalent(&spec(
            "ticket_created",
            &[("send_email", json!({"to": "customer"}))],
        ));
        assert_eq!(ack.mechanism, "Case auto-response rule");
        let escalate = salesforce_equivalent(&spec(
            "sla_breached",
            &[("set_priority", json!({"priority": "high"}))],
        ));
        assert!(escalate.mechanism.starts_with("Case escalation rule"));
        let flow = salesforce_equivalent(&spec(
            "ticket_updated",
            &[
                ("notify_agent", json!({"agent_id": 1})),
                ("send_sms", json!({})),
            ],
        ));
        assert_eq!(flow.mechanism, "Record-triggered Flow on Case");
        assert!(flow.actions[0].contains("Custom Notification"));
        assert_eq!(flow.gaps.len(), 1);
    }
}
