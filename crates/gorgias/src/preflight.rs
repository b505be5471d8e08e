//! Side effects a load would trigger in Gorgias (invariant 4).
//!
//! Every message deskshift writes carries `sent_datetime`, so nothing is sent
//! by construction; what remains are **rules**: an active rule runs on every
//! ticket the API creates (auto-replies, reassignments, tags, reopening), so
//! each active rule blocks the load until it is paused (`prepare
//! --pause-rules`) or explicitly allowed.

use crate::client::wire::Rule;
use crate::client::GorgiasClient;
use crate::prepare::active_rules;
use deskshift_core::destination::{DestinationError, SideEffect};

pub async fn side_effects(client: &GorgiasClient) -> Result<Vec<SideEffect>, DestinationError> {
    let rules = active_rules(client).await?;
    Ok(rules.iter().map(rule_effect).collect())
}

fn rule_effect(rule: &Rule) -> SideEffect {
    let events = rule
        .event_types
        .as_deref()
        .filter(|e| !e.trim().is_empty())
        .unwrap_or("its events");
    SideEffect {
        kind: "rule".into(),
        id: rule.id.to_string(),
        name: rule
            .name
            .clone()
            .unwrap_or_else(|| format!("rule {}", rule.id)),
        effect: format!(
            "runs on {events} for every migrated ticket: it may reply to customers, reassign, \
             tag or reopen tickets"
        ),
        handling: "blocks the load: pause it with `deskshift prepare --pause-rules` (re-enabled \
                   after migrate) or allow it with `--allow-active-rules`"
            .into(),
        blocking: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_active_rule_is_a_blocking_side_effect() {
        let effect = rule_effect(&Rule {
            id: 4,
            name: Some("Auto-reply".into()),
            event_types: Some("ticket-created".into()),
            ..Rule::default()
        });
        assert!(effect.blocking);
        assert_eq!((effect.kind.as_str(), effect.id.as_str()), ("rule", "4"));
        assert!(effect.effect.contains("ticket-created"));
        assert!(effect.handling.contains("--pause-rules"));
    }
}
