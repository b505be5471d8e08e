//! Users: Stames agents are matched to the org's users by e-mail
//! ([`map::users::match_agents`]) and never created — a Salesforce user is
//! a paid licence and an invitation e-mail, which a migration must not
//! decide alone. An agent without a user goes to the *reconciliation
//! queue* (counted as skipped, with the suggested profile and what to do);
//! their Cases go to the configured fallback owner, else stay with the
//! migration user, and `Stames_Assignee__c` keeps who they were.

use super::{api_failure, journal_error, Run};
use crate::map::users::{self, OrgUser, UserDirectory, UserMatch};
use deskshift_core::destination::notes::Category;
use deskshift_core::destination::DestinationError;
use deskshift_core::engine::Written;
use deskshift_core::ledger::content_hash;
use deskshift_core::model::{Agent, ObjectKind};
use deskshift_core::normalise::email_key;
use futures::TryStreamExt;
use serde_json::Value;

const KIND: ObjectKind = ObjectKind::Users;

/// The org's users (one short query; orgs have few).
pub async fn org_users(run: &Run<'_>) -> Result<Vec<OrgUser>, DestinationError> {
    let rows: Vec<Value> = run
        .client
        .query("SELECT Id, Email, Name, IsActive FROM User")
        .try_collect()
        .await
        .map_err(|e| api_failure("list the org's users", e))?;
    Ok(rows
        .iter()
        .map(|r| OrgUser {
            id: text(r, "Id"),
            email: text(r, "Email"),
            name: text(r, "Name"),
            active: r.get("IsActive").and_then(Value::as_bool).unwrap_or(false),
        })
        .collect())
}

fn text(row: &Value, field: &str) -> String {
    row.get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The directory of agents and their users, without counting anything
/// (for `verify` and the sample read-ahead).
pub async fn directory(
    run: &Run<'_>,
    org: &[OrgUser],
) -> Result<(Vec<Agent>, UserDirectory), DestinationError> {
    let agents: Vec<Agent> = run.records(run.ctx.source.agents()).try_collect().await?;
    let fallback = match &run.config.users.fallback_owner_email {
        Some(email) => Some(
            org.iter()
                .find(|u| u.active && email_key(&u.email) == email_key(email))
                .map(|u| u.id.clone())
                .ok_or_else(|| {
                    DestinationError::Other(format!(
                        "the fallback owner {email} is not an active Salesforce user; create it \
                         or change the fallback owner in deskshift.toml"
                    ))
                })?,
        ),
        None => None,
    };
    let matches = users::match_agents(&agents, org, run.ctx.map);
    Ok((agents, UserDirectory::new(matches, fallback)))
}

/// Matches every agent, journals the matches and returns the directory.
pub async fn load(run: &Run<'_>) -> Result<UserDirectory, DestinationError> {
    let org = org_users(run).await?;
    let (agents, directory) = directory(run, &org).await?;
    run.ctx.progress.start(KIND, Some(agents.len() as u64));
    for agent in &agents {
        run.ctx.counts.source(KIND, 1);
        let Some(m) = directory.agents.get(&agent.id) else {
            continue;
        };
        let user = match &m.user {
            UserMatch::Active(id) | UserMatch::Inactive(id) => id,
            UserMatch::Unmatched => {
                let stand_in = if directory.fallback_owner.is_some() {
                    "the fallback owner"
                } else {
                    "the migration user"
                };
                run.skip(
                    KIND,
                    &agent.id,
                    format!(
                        "reconciliation queue: no Salesforce user has the e-mail {} ({}); \
                         provision one (suggested profile: {}) and run migrate again, or leave \
                         it: their Cases are owned by {stand_in} and Stames_Assignee__c names them",
                        agent.email, agent.name, m.suggested_profile
                    ),
                );
                run.ctx.progress.advance(KIND, 1);
                continue;
            }
        };
        let written = match run.done_dest_id(KIND, &agent.id)? {
            Some(id) => Written::AlreadyDone(id),
            None => run
                .ctx
                .journal
                .matched(KIND, &agent.id, &content_hash(agent), user)
                .map_err(journal_error)?,
        };
        run.tally(KIND, &agent.id, &written)?;
        if let Some(note) = &m.note {
            run.notes
                .add(Category::Existing, KIND, &agent.id, note.clone());
        }
        run.ctx.progress.advance(KIND, 1);
    }
    run.ctx.progress.finish(KIND);
    Ok(directory)
}
