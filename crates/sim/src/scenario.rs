//! Ready-made situations spanning two emulators, shared by `demo` and tests:
//! a destination account that is not empty, because real ones never are.

use crate::gorgias::ExistingData;
use crate::salesforce;
use crate::stames::StamesData;
use serde_json::json;

/// A Gorgias account as a migration meets it: some Stames agents already have
/// users (matched by e-mail, never duplicated), some Stames customers already
/// exist (matched and left untouched), and one active rule would reply to
/// every new ticket (what the preflight gate is for).
///
/// Which records are pre-existing follows from the data alone, so the same
/// workspace always gives the same account.
pub fn gorgias_account_for(stames: &StamesData) -> ExistingData {
    let users = every_other_active_agent(stames)
        .map(|email| {
            json!({
                "email": email.trim().to_lowercase(),
                "name": format!("{} (Gorgias)", email.split('@').next().unwrap_or(email)),
                "role": {"name": "agent"},
            })
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    let customers = stames
        .customers
        .iter()
        .filter_map(|c| Some((c.email.as_deref()?.trim().to_lowercase(), c.name.clone())))
        .filter(|(email, _)| !email.is_empty() && seen.insert(email.clone()))
        .step_by(25)
        .map(|(email, name)| {
            json!({
                "email": email,
                "name": name.unwrap_or_else(|| "Existing customer".into()),
                "channels": [{"type": "email", "address": email, "preferred": true}],
            })
        })
        .collect();
    let rules = vec![json!({
        "name": "Auto-reply to new tickets",
        "code": "if (ticket.created) { sendReply('Thanks, we got your message!') }",
        "event_types": "ticket-created",
    })];
    ExistingData {
        users,
        customers,
        rules,
        ..ExistingData::default()
    }
}

/// The e-mails of every other active Stames agent: those the destination
/// already knows as users.
fn every_other_active_agent(stames: &StamesData) -> impl Iterator<Item = &str> {
    stames
        .agents
        .iter()
        .filter(|a| a.status == "active")
        .filter_map(|a| a.email.as_deref())
        .step_by(2)
}

/// A Salesforce org as a migration meets it: every other active Stames
/// agent already has a user (matched by e-mail; the rest go to the
/// reconciliation queue), one pre-existing Account and Case that a
/// migration must leave alone, and an active Case assignment rule that
/// would re-own every inserted Case unless the load switches it off.
pub fn salesforce_org_for(stames: &StamesData) -> salesforce::ExistingData {
    let users = every_other_active_agent(stames)
        .enumerate()
        .map(|(i, email)| {
            let email = email.trim().to_lowercase();
            let local = email.split('@').next().unwrap_or("agent").to_string();
            json!({
                "Username": format!("{email}.sf"),
                "Email": email,
                "LastName": local.clone(),
                "Alias": format!("a{i}"),
                "TimeZoneSidKey": "Europe/Berlin",
                "LocaleSidKey": "en_US",
                "EmailEncodingKey": "UTF-8",
                "LanguageLocaleKey": "en_US",
                "IsActive": true,
            })
        })
        .collect();
    salesforce::ExistingData {
        users,
        accounts: vec![json!({"Name": "Pre-existing Customer Inc."})],
        cases: vec![
            json!({"Subject": "A case from before the migration", "Status": "New", "Origin": "Phone"}),
        ],
        assignment_rules: vec![salesforce::AssignmentRuleSeed {
            name: "Route new cases to the support queue".into(),
            active: true,
            assign_to_user: None,
        }],
        ..salesforce::ExistingData::default()
    }
}
