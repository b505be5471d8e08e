//! Users: Stames agents are matched to Gorgias users by e-mail.
//!
//! Gorgias users are not created by default: a new Gorgias user is a seat
//! and an invitation e-mail, which a migration must not decide alone. An
//! unmatched agent goes to the *reconciliation queue* (counted as skipped,
//! with what to do) and their messages are written as the fallback user or
//! the API user, attributed in the ticket's migration note. With
//! `create_unmatched_users`, they are created instead (role mapped by
//! [`crate::map::role`]), through the exactly-once protocol.

use super::{journal_error, Run};
use crate::client::wire::{Id, NewUser, RoleName, User};
use crate::client::{ApiError, GorgiasClient};
use crate::map::people::{AgentDirectory, AgentRef};
use deskshift_core::destination::notes::Category;
use deskshift_core::destination::DestinationError;
use deskshift_core::engine::{WriteError, Written};
use deskshift_core::ledger::content_hash;
use deskshift_core::mapping::apply::FIX_THE_MAP;
use deskshift_core::mapping::{map_value, SourceEnumeration};
use deskshift_core::model::{Agent, ObjectKind};
use deskshift_core::normalise::email_key;
use futures::TryStreamExt;
use std::collections::HashMap;

const KIND: ObjectKind = ObjectKind::Users;

/// Matches every agent and returns who writes as whom.
pub async fn load(run: &Run<'_>) -> Result<AgentDirectory, DestinationError> {
    let existing: Vec<User> = run
        .client
        .users()
        .try_collect()
        .await
        .map_err(|e| api_failure("list Gorgias users", e))?;
    let by_email: HashMap<String, &User> = existing
        .iter()
        .filter_map(|u| u.email.as_deref().map(|e| (email_key(e), u)))
        .collect();
    let api_email = email_key(run.client.credentials().email());
    let migration_user = by_email.get(&api_email).map(|u| u.id).ok_or_else(|| {
        DestinationError::Other(format!(
            "the API key's user {api_email} is not among the Gorgias users; check GORGIAS_EMAIL"
        ))
    })?;
    let fallback_user =
        match &run.config.users.fallback_user_email {
            Some(email) => Some(by_email.get(&email_key(email)).map(|u| u.id).ok_or_else(
                || {
                    DestinationError::Other(format!(
                        "the fallback user {email} is not a Gorgias user; create it or change the \
                 fallback in deskshift.toml"
                    ))
                },
            )?),
            None => None,
        };
    let mut directory = AgentDirectory {
        agents: HashMap::new(),
        migration_user,
        fallback_user,
    };
    run.ctx.progress.start(KIND, None);
    let mut agents = run.records(run.ctx.source.agents());
    while let Some(agent) = agents.try_next().await? {
        run.ctx.counts.source(KIND, 1);
        let user = match_agent(run, &agent, &by_email, &directory).await?;
        directory
            .agents
            .insert(agent.id.clone(), AgentRef::new(&agent, user));
        run.ctx.progress.advance(KIND, 1);
    }
    run.ctx.progress.finish(KIND);
    Ok(directory)
}

/// The Gorgias user standing for `agent`, if any; tallies the outcome.
async fn match_agent(
    run: &Run<'_>,
    agent: &Agent,
    by_email: &HashMap<String, &User>,
    directory: &AgentDirectory,
) -> Result<Option<u64>, DestinationError> {
    let hash = content_hash(agent);
    if let Some(id) = run.done_id(KIND, &agent.id)? {
        run.tally(KIND, &agent.id, &Written::AlreadyDone(id.to_string()))?;
        return Ok(Some(id));
    }
    // A create that landed before a crash is listed like any existing user.
    let adopted = run
        .ctx
        .journal
        .settle(KIND, &agent.id, &hash, || {
            find_created(run.client, &agent.id)
        })
        .await
        .map_err(journal_error)?;
    if let Some(written) = adopted {
        run.tally(KIND, &agent.id, &written)?;
        return Ok(written.dest_id().and_then(|id| id.parse().ok()));
    }
    if let Some(user) = by_email.get(&email_key(&agent.email)) {
        let written = run
            .ctx
            .journal
            .matched(KIND, &agent.id, &hash, &user.id.to_string())
            .map_err(journal_error)?;
        run.tally(KIND, &agent.id, &written)?;
        if user.deactivated_datetime.is_some() || user.active == Some(false) {
            run.notes.add(
                Category::Existing,
                KIND,
                &agent.id,
                format!(
                    "matched deactivated Gorgias user {} ({})",
                    user.id, agent.email
                ),
            );
        }
        return Ok(Some(user.id));
    }
    if run.config.users.create_unmatched_users {
        return create(run, agent, &hash).await;
    }
    let (tickets, stand_in) = match directory.fallback_user {
        Some(_) => ("go to the fallback user", "the fallback user"),
        None => ("are left unassigned", "the API user"),
    };
    run.skip(
        KIND,
        &agent.id,
        format!(
            "reconciliation queue: no Gorgias user has the e-mail {} ({}{}); invite them in \
             Gorgias and run migrate again, or leave it: their tickets {tickets} and their \
             messages are written as {stand_in}, attributed to them in each ticket's migration \
             note",
            agent.email,
            agent.name,
            if agent.is_departed() {
                ", departed"
            } else {
                ""
            },
        ),
    );
    Ok(None)
}

async fn create(run: &Run<'_>, agent: &Agent, hash: &str) -> Result<Option<u64>, DestinationError> {
    // The role through the confirmed `agent_role` value map; a role it
    // lacks refuses the user rather than guessing a seat's permissions.
    let role = match map_value(
        run.ctx.map,
        SourceEnumeration::AgentRole.name(),
        &agent.role,
    ) {
        Ok(role) => role.to_string(),
        Err(unmapped) => {
            run.reject(KIND, &agent.id, "role", unmapped.to_string(), FIX_THE_MAP)?;
            return Ok(None);
        }
    };
    if role != agent.role.trim() {
        run.notes.add(
            Category::Repair,
            KIND,
            &agent.id,
            format!(
                "Stames role `{}` became Gorgias role `{role}` (value map [value_maps.agent_role])",
                agent.role
            ),
        );
    }
    let body = NewUser {
        email: agent.email.clone(),
        name: agent.name.clone(),
        role: RoleName { name: role },
        external_id: agent.id.clone(),
    };
    let client = run.client;
    let written = run
        .ctx
        .journal
        .create_once(
            KIND,
            &agent.id,
            hash,
            || find_created(client, &agent.id),
            || async {
                client
                    .create_user(&body)
                    .await
                    .map(|u| u.id.to_string())
                    .map_err(|e| e.into_write_error())
            },
        )
        .await
        .map_err(journal_error)?;
    run.tally(KIND, &agent.id, &written)?;
    Ok(written.dest_id().and_then(|id| id.parse().ok()))
}

/// The Gorgias user an earlier create made for `agent_id`, if it landed.
async fn find_created(
    client: &GorgiasClient,
    agent_id: &str,
) -> Result<Option<String>, WriteError> {
    let found = client
        .users_by_external_id(agent_id)
        .await
        .map_err(ApiError::into_write_error)?;
    Ok(found.first().map(|u| u.id.to_string()))
}

/// A failed call that stops the phase: refused credentials are an
/// authentication error (exit 1 with a hint), anything else unavailability.
/// The account's users, and their ids by e-mail (as deskshift compares
/// addresses): what agents are matched against.
pub(crate) async fn users_by_email(
    run: &Run<'_>,
) -> Result<(Vec<User>, HashMap<String, Id>), DestinationError> {
    let users: Vec<User> = run
        .client
        .users()
        .try_collect()
        .await
        .map_err(|e| api_failure("list Gorgias users", e))?;
    let by_email = users
        .iter()
        .filter_map(|u| u.email.as_deref().map(|e| (email_key(e), u.id)))
        .collect();
    Ok((users, by_email))
}

pub fn api_failure(what: &str, error: crate::client::ApiError) -> DestinationError {
    match error {
        ApiError::Denied { .. } => DestinationError::Auth(error.to_string()),
        ApiError::Protocol { .. } => DestinationError::Other(format!("cannot {what}: {error}")),
        other => DestinationError::Unavailable(format!("cannot {what}: {other}")),
    }
}
