//! Who wrote what, in Gorgias terms.
//!
//! Agents are matched to existing Gorgias users by e-mail, never created by
//! default (creating a Gorgias user invites them). A Stames agent without a
//! Gorgias user — typically one who left — still wrote their messages: those
//! messages are written as the configured fallback user, or as the user whose
//! API key deskshift uses, and the ticket's migration note says who really
//! wrote them ("originally by NAME <email>"). Departed agents who do have a
//! (possibly deactivated) Gorgias user keep their messages under their name.

use crate::client::wire::{Id, Party};
use deskshift_core::model::{Agent, SourceId};
use std::collections::HashMap;

/// A Stames agent and the Gorgias user standing for them, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRef {
    pub name: String,
    pub email: String,
    pub departed: bool,
    /// The agent's own Gorgias user (matched or created).
    pub user: Option<Id>,
}

impl AgentRef {
    pub fn new(agent: &Agent, user: Option<Id>) -> AgentRef {
        AgentRef {
            name: agent.name.clone(),
            email: agent.email.clone(),
            departed: agent.is_departed(),
            user,
        }
    }
}

/// Every Stames agent, and the users deskshift falls back on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentDirectory {
    pub agents: HashMap<SourceId, AgentRef>,
    /// The user whose API key deskshift uses: author of system messages and
    /// of the migration notes, and the last resort for unmatched agents.
    pub migration_user: Id,
    /// A configured user standing in for unmatched agents.
    pub fallback_user: Option<Id>,
}

/// The Gorgias author of a message, and who really wrote it when that is
/// someone else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub party: Party,
    /// `originally by NAME <email>` when `party` is a stand-in.
    pub attribution: Option<String>,
}

impl AgentDirectory {
    /// The stand-in for agents without a Gorgias user.
    pub fn stand_in(&self) -> Id {
        self.fallback_user.unwrap_or(self.migration_user)
    }

    /// The Gorgias author of a message by Stames agent `id`.
    pub fn author(&self, id: Option<&SourceId>) -> Author {
        match id.map(|id| (id, self.agents.get(id))) {
            Some((
                _,
                Some(AgentRef {
                    user: Some(user), ..
                }),
            )) => Author {
                party: Party::id(*user),
                attribution: None,
            },
            Some((_, Some(agent))) => Author {
                party: Party::id(self.stand_in()),
                attribution: Some(format!(
                    "originally by {} <{}>{}",
                    agent.name,
                    agent.email,
                    if agent.departed { " (departed)" } else { "" }
                )),
            },
            Some((id, None)) => Author {
                party: Party::id(self.stand_in()),
                attribution: Some(format!(
                    "originally by Stames agent {id} (unknown to deskshift)"
                )),
            },
            None => Author {
                party: Party::id(self.migration_user),
                attribution: None,
            },
        }
    }

    /// The Gorgias assignee for Stames assignee `id`, with a note when it is
    /// a stand-in or nobody.
    pub fn assignee(&self, id: &SourceId) -> (Option<Id>, Option<String>) {
        let agent = self.agents.get(id);
        match (agent.and_then(|a| a.user), self.fallback_user) {
            (Some(user), _) => (Some(user), None),
            (None, fallback) => {
                let who = agent.map_or_else(
                    || format!("Stames agent {id}"),
                    |a| format!("{} <{}>", a.name, a.email),
                );
                let note = match fallback {
                    Some(_) => {
                        format!("assigned to {who} in Stames; assigned to the fallback user")
                    }
                    None => format!(
                        "assigned to {who} in Stames, who has no Gorgias user; left unassigned"
                    ),
                };
                (fallback, Some(note))
            }
        }
    }

    pub fn name(&self, id: &SourceId) -> Option<String> {
        self.agents.get(id).map(|a| a.name.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory(fallback: Option<Id>) -> AgentDirectory {
        let mut agents = HashMap::new();
        agents.insert(
            "1".to_string(),
            AgentRef {
                name: "Ana".into(),
                email: "ana@x.io".into(),
                departed: false,
                user: Some(10),
            },
        );
        agents.insert(
            "2".to_string(),
            AgentRef {
                name: "Bo".into(),
                email: "bo@x.io".into(),
                departed: true,
                user: None,
            },
        );
        AgentDirectory {
            agents,
            migration_user: 99,
            fallback_user: fallback,
        }
    }

    #[test]
    fn matched_agents_write_as_themselves() {
        let author = directory(None).author(Some(&"1".to_string()));
        assert_eq!(author.party, Party::id(10));
        assert_eq!(author.attribution, None);
        assert_eq!(directory(None).assignee(&"1".to_string()), (Some(10), None));
    }

    #[test]
    fn unmatched_agents_fall_back_and_stay_attributable() {
        let author = directory(Some(50)).author(Some(&"2".to_string()));
        assert_eq!(author.party, Party::id(50));
        assert_eq!(
            author.attribution.as_deref(),
            Some("originally by Bo <bo@x.io> (departed)")
        );
        let author = directory(None).author(Some(&"2".to_string()));
        assert_eq!(author.party, Party::id(99));
        let (assignee, note) = directory(None).assignee(&"2".to_string());
        assert_eq!(assignee, None);
        assert!(note.unwrap().contains("left unassigned"));
        assert_eq!(directory(Some(50)).assignee(&"2".to_string()).0, Some(50));
    }

    #[test]
    fn system_messages_are_the_migration_users() {
        assert_eq!(directory(Some(50)).author(None).party, Party::id(99));
        assert!(directory(None)
            .author(Some(&"7".to_string()))
            .attribution
            .unwrap()
            .contains("7"));
    }
}
