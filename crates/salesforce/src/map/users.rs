//! Stames agents ↔ the org's users.
//!
//! Users are **never created** by default: a Salesforce user is a paid
//! licence and an invitation e-mail. Agents are matched by e-mail
//! (case-insensitive) against the org's users (`SELECT Id, Email, Name,
//! IsActive FROM User`); an agent without a user goes to the reconciliation
//! queue with a suggested profile, for an admin to provision.
//!
//! An **inactive** user can own records only with "Update Records with
//! Inactive Owners" (else `INACTIVE_OWNER_OR_USER`): without that permission
//! a departed agent's Cases go to the fallback owner. Whoever owns the Case,
//! the Stames assignee stays readable in `Stames_Assignee__c`, and each
//! message keeps its author's name in `FromName` or the note body.

use super::values::suggested_profile;
use super::{Mapped, OrgCapabilities, SfId};
use deskshift_core::mapping::{map_value, FieldMap, SourceEnumeration};
use deskshift_core::model::{Agent, SourceId};
use deskshift_core::normalise::email_key;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A user of the org, as the writer listed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUser {
    pub id: SfId,
    pub email: String,
    pub name: String,
    pub active: bool,
}

/// What an agent matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserMatch {
    Active(SfId),
    /// Matched a deactivated user (typically a departed agent).
    Inactive(SfId),
    /// No user with that e-mail: the reconciliation queue.
    Unmatched,
}

/// A Stames agent and the user standing for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentMatch {
    pub agent_id: SourceId,
    pub name: String,
    pub email: String,
    pub departed: bool,
    pub user: UserMatch,
    /// The profile to give the user if an admin provisions one.
    pub suggested_profile: String,
    /// Why the match needs attention, when it does.
    pub note: Option<String>,
}

impl AgentMatch {
    /// `Name <email>`, how the agent is written wherever their user is not.
    pub fn display(&self) -> String {
        display(&self.name, &self.email)
    }
}

fn display(name: &str, email: &str) -> String {
    match (name.trim(), email.trim()) {
        ("", "") => "(unnamed agent)".to_string(),
        (name, "") => name.to_string(),
        ("", email) => format!("<{email}>"),
        (name, email) => format!("{name} <{email}>"),
    }
}

/// Matches every agent by e-mail, ignoring case and padding. When several
/// users share an address, an active one wins, then the first listed. The
/// profile suggested for an unmatched agent is its role's in the confirmed
/// `agent_role` value map (users are never created, so a role the map
/// lacks is said in the note rather than refused).
pub fn match_agents(agents: &[Agent], users: &[OrgUser], map: &FieldMap) -> Vec<AgentMatch> {
    let mut by_email: HashMap<String, &OrgUser> = HashMap::new();
    for user in users {
        let key = email_key(&user.email);
        if key.is_empty() {
            continue;
        }
        match by_email.get(&key) {
            Some(existing) if existing.active || !user.active => {}
            _ => {
                by_email.insert(key, user);
            }
        }
    }
    agents
        .iter()
        .map(|agent| {
            let profile = match map_value(map, SourceEnumeration::AgentRole.name(), &agent.role) {
                Ok(profile) => Mapped::exact(profile.to_string()),
                Err(unmapped) => Mapped::unrecognised(
                    suggested_profile(&agent.role).value.to_string(),
                    unmapped.to_string(),
                ),
            };
            let found = Some(email_key(&agent.email))
                .filter(|k| !k.is_empty())
                .and_then(|k| by_email.get(&k));
            let (user, note) = match found {
                Some(u) if u.active => (UserMatch::Active(u.id.clone()), None),
                Some(u) => (
                    UserMatch::Inactive(u.id.clone()),
                    Some(format!(
                        "matched the inactive user {}; records it owns need the \"Update Records \
                         with Inactive Owners\" permission, else they go to the fallback owner",
                        u.id
                    )),
                ),
                None => (
                    UserMatch::Unmatched,
                    Some(format!(
                        "no Salesforce user with e-mail `{}`: provision one (suggested profile \
                         {}{}) or accept the fallback owner",
                        agent.email,
                        profile.value,
                        profile
                            .note
                            .as_deref()
                            .map(|n| format!("; {n}"))
                            .unwrap_or_default()
                    )),
                ),
            };
            AgentMatch {
                agent_id: agent.id.clone(),
                name: agent.name.clone(),
                email: agent.email.clone(),
                departed: agent.is_departed() || !agent.active,
                user,
                suggested_profile: profile.value.to_string(),
                note,
            }
        })
        .collect()
}

/// Every agent's match and the fallback owner: what the Case and message
/// maps ask "who is this agent in Salesforce?".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDirectory {
    pub agents: HashMap<SourceId, AgentMatch>,
    /// A configured user owning Cases of unmatched agents; without one they
    /// are owned by the migration user (Salesforce's default owner).
    pub fallback_owner: Option<SfId>,
}

impl UserDirectory {
    pub fn new(matches: Vec<AgentMatch>, fallback_owner: Option<SfId>) -> UserDirectory {
        UserDirectory {
            agents: matches
                .into_iter()
                .map(|m| (m.agent_id.clone(), m))
                .collect(),
            fallback_owner,
        }
    }

    /// The user that may stand for agent `id` as owner or author in this
    /// org: an active match, or an inactive one when inactive owners are
    /// allowed.
    pub fn user_of(&self, id: &str, caps: &OrgCapabilities) -> Option<&SfId> {
        match &self.agents.get(id)?.user {
            UserMatch::Active(user) => Some(user),
            UserMatch::Inactive(user) if caps.inactive_owners => Some(user),
            _ => None,
        }
    }

    /// `Name <email>` of agent `id`, or `Stames agent <id>` when unknown.
    pub fn display(&self, id: &str) -> String {
        self.agents
            .get(id)
            .map(AgentMatch::display)
            .unwrap_or_else(|| format!("Stames agent {id}"))
    }

    /// The Case `OwnerId` for Stames assignee `assignee`: the agent's user;
    /// else the fallback owner; else `None` (the migration user owns it).
    /// Noted whenever it is not the agent's own user.
    pub fn owner(&self, assignee: Option<&str>, caps: &OrgCapabilities) -> Mapped<Option<SfId>> {
        let Some(assignee) = assignee else {
            return Mapped::exact(None);
        };
        if let Some(user) = self.user_of(assignee, caps) {
            return Mapped::exact(Some(user.clone()));
        }
        let why = match self.agents.get(assignee).map(|a| &a.user) {
            Some(UserMatch::Inactive(_)) => {
                "whose user is inactive (no permission for inactive owners)"
            }
            Some(_) => "who has no Salesforce user",
            None => "unknown to deskshift",
        };
        let who = self.display(assignee);
        match &self.fallback_owner {
            Some(fallback) => Mapped::noted(
                Some(fallback.clone()),
                format!("assigned to {who} in Stames, {why}; owned by the fallback owner"),
            ),
            None => Mapped::noted(
                None,
                format!("assigned to {who} in Stames, {why}; owned by the migration user"),
            ),
        }
    }

    /// Agents waiting for a user: the reconciliation queue.
    pub fn reconciliation_queue(&self) -> Vec<&AgentMatch> {
        let mut queue: Vec<&AgentMatch> = self
            .agents
            .values()
            .filter(|a| a.user == UserMatch::Unmatched)
            .collect();
        queue.sort_by(|a, b| a.agent_id.cmp(&b.agent_id));
        queue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn agent(id: &str, email: &str, role: &str) -> Agent {
        Agent {
            id: id.into(),
            name: format!("Agent {id}"),
            email: email.into(),
            role: role.into(),
            active: true,
            departed_at: None,
            department_ids: vec![],
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn user(id: &str, email: &str, active: bool) -> OrgUser {
        OrgUser {
            id: id.into(),
            email: email.into(),
            name: id.into(),
            active,
        }
    }

    fn directory(fallback: Option<&str>) -> UserDirectory {
        let agents = [
            agent("1", " Ana@X.io", "agent"),
            agent("2", "bo@x.io", "admin"),
            agent("3", "cy@x.io", "light_agent"),
        ];
        let users = [
            user("005A", "ana@x.io", false),
            user("005B", "ANA@x.io", true),
            user("005C", "bo@x.io", false),
        ];
        let map = crate::map::standard_map();
        UserDirectory::new(
            match_agents(&agents, &users, &map),
            fallback.map(String::from),
        )
    }

    #[test]
    fn agents_match_by_email_preferring_active_users() {
        let d = directory(None);
        assert_eq!(d.agents["1"].user, UserMatch::Active("005B".into()));
        assert_eq!(d.agents["2"].user, UserMatch::Inactive("005C".into()));
        assert!(d.agents["2"].note.as_deref().unwrap().contains("inactive"));
        assert_eq!(d.agents["3"].user, UserMatch::Unmatched);
        assert!(d.agents["3"].note.as_deref().unwrap().contains("Read Only"));
        assert_eq!(d.reconciliation_queue().len(), 1);
    }

    #[test]
    fn owners_fall_back_with_a_note() {
        let caps = OrgCapabilities::default();
        let d = directory(Some("005F"));
        assert_eq!(
            d.owner(Some("1"), &caps),
            Mapped::exact(Some("005B".into()))
        );
        let inactive = d.owner(Some("2"), &caps);
        assert_eq!(inactive.value.as_deref(), Some("005F"));
        assert!(inactive.note.unwrap().contains("inactive"));
        let allowed = OrgCapabilities {
            inactive_owners: true,
            ..caps
        };
        assert_eq!(d.owner(Some("2"), &allowed).value.as_deref(), Some("005C"));
        let none = directory(None).owner(Some("3"), &caps);
        assert_eq!(none.value, None);
        assert!(none.note.unwrap().contains("migration user"));
        assert_eq!(d.owner(None, &caps), Mapped::exact(None));
        assert!(d.owner(Some("99"), &caps).note.unwrap().contains("unknown"));
        assert_eq!(d.display("1"), "Agent 1 <Ana@X.io>");
    }
}
