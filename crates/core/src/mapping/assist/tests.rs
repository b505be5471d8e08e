use super::*;
use crate::discover::AgentEntry;
use crate::mapping::propose::infer::tests::profile;
use crate::mapping::propose::propose;
use crate::mapping::propose::tests::{catalog, custom_field, scope};
use crate::model::{FieldType, ObjectKind};
use std::sync::Mutex;

/// A model that answers from a script and keeps what it was asked.
struct Scripted {
    answer: Result<String, AssistError>,
    asked: Mutex<Vec<ChatRequest>>,
}

#[async_trait]
impl ChatModel for Scripted {
    async fn complete(&self, request: &ChatRequest) -> Result<String, AssistError> {
        self.asked.lock().unwrap().push(request.clone());
        self.answer.clone()
    }
}

fn scripted(answer: Result<&str, &str>) -> Scripted {
    Scripted {
        answer: answer.map(String::from).map_err(|e| AssistError(e.into())),
        asked: Mutex::new(Vec::new()),
    }
}

/// A workspace with one unsure field holding personal data in its samples.
fn unsure_scope() -> ScopeReport {
    let mut notes = profile("ref", "Ref", FieldType::Text, &[("text", 3), ("email", 1)]);
    notes.samples = vec![
        "call Ana Lima on +44 7700 900123".into(),
        "write to jane.doe@example.com, thanks".into(),
        "2024-05-01".into(),
    ];
    let mut contact = profile(
        "alt_contact",
        "Alt. contact",
        FieldType::Text,
        &[("text", 3)],
    );
    contact.samples = vec!["Bob Stone".into()];
    let mut scope = scope(vec![notes, contact]);
    scope.agents.roster.push(AgentEntry {
        id: "1".into(),
        name: "Ana Lima".into(),
        email: "ana@acme.test".into(),
        role: "agent".into(),
        active: true,
        departed: false,
        assigned_tickets: 3,
    });
    scope
}

fn landing_catalog() -> Catalog {
    let mut catalog = catalog(vec![custom_field("Order reference", ValueType::Text)]);
    for key in ["ref", "alt_contact"] {
        catalog.custom_landings.push(crate::mapping::CustomLanding {
            object: crate::model::FieldObject::Ticket,
            key: key.into(),
            target: Target::NewField {
                field: FieldRef::new("Ticket", key),
                field_type: ValueType::Text,
            },
            reason: "a new ticket field".into(),
        });
    }
    catalog
}

fn options(send_personal_data: bool) -> AssistOptions {
    AssistOptions {
        model: "local-llm".into(),
        threshold: 0.99,
        send_personal_data,
    }
}

fn sent(model: &Scripted) -> String {
    model.asked.lock().unwrap()[0].messages[1].content.clone()
}

#[tokio::test]
async fn personal_data_is_redacted_unless_the_user_opts_in() {
    let scope = unsure_scope();
    let catalog = landing_catalog();
    let mut proposal = propose(&scope, &catalog);
    let model = scripted(Ok("{\"suggestions\": []}"));
    let report = assist(&mut proposal, &scope, &catalog, &model, &options(false)).await;
    assert_eq!(report.asked, 2);
    let body = sent(&model);
    for secret in [
        "jane.doe@example.com",
        "7700 900123",
        "Ana Lima",
        "Bob Stone",
    ] {
        assert!(!body.contains(secret), "{secret} was sent: {body}");
    }
    assert!(body.contains("call <name> on <phone>"), "{body}");
    assert!(body.contains("write to <email>, thanks"), "{body}");
    assert!(body.contains("2024-05-01"), "{body}");
    assert!(body.contains("<redacted>"), "{body}");
    assert!(
        body.contains("Order reference"),
        "candidate fields are sent: {body}"
    );

    let mut proposal = propose(&scope, &catalog);
    let model = scripted(Ok("{\"suggestions\": []}"));
    assist(&mut proposal, &scope, &catalog, &model, &options(true)).await;
    let body = sent(&model);
    assert!(
        body.contains("jane.doe@example.com") && body.contains("Bob Stone"),
        "{body}"
    );
}

#[tokio::test]
async fn honourable_suggestions_are_applied_and_marked_the_rest_set_aside() {
    let scope = unsure_scope();
    let catalog = landing_catalog();
    let mut proposal = propose(&scope, &catalog);
    let answer = r#"```json
{"suggestions": [
  {"id": "tickets.custom.ref", "type": "text", "to": "Ticket.Order reference", "create": null,
   "confidence": 0.95, "reason": "an order reference, like the existing field"},
  {"id": "tickets.custom.alt_contact", "type": "date", "create": "date"},
  {"id": "tickets.subject", "type": "text", "to": "Ticket.subject"}
]}
```"#;
    let model = scripted(Ok(answer));
    let report = assist(&mut proposal, &scope, &catalog, &model, &options(false)).await;
    let row = proposal.map.custom_row(ObjectKind::Tickets, "ref").unwrap();
    assert_eq!(
        row.target,
        Target::Field(FieldRef::new("Ticket", "Order reference"))
    );
    assert_eq!(row.origin, Origin::ModelProposed);
    assert_eq!(row.confidence.value(), MAX_MODEL_CONFIDENCE);
    assert!(
        row.reason
            .starts_with("model local-llm: an order reference"),
        "{}",
        row.reason
    );
    assert_eq!(report.changed.len(), 1);
    assert_eq!(report.set_aside.len(), 2, "{:?}", report.set_aside);
    assert!(
        report.set_aside[0].contains("cannot get a new date field"),
        "{:?}",
        report.set_aside
    );
    let untouched = proposal
        .map
        .custom_row(ObjectKind::Tickets, "alt_contact")
        .unwrap();
    assert_ne!(untouched.origin, Origin::ModelProposed);
}

#[tokio::test]
async fn a_failing_endpoint_leaves_the_proposal_as_it_was() {
    let scope = unsure_scope();
    let catalog = landing_catalog();
    let before = propose(&scope, &catalog);
    for answer in [
        Err("connection refused"),
        Ok("I think the first field is a date."),
    ] {
        let mut proposal = before.clone();
        let report = assist(
            &mut proposal,
            &scope,
            &catalog,
            &scripted(answer),
            &options(false),
        )
        .await;
        assert!(report.error.is_some());
        assert_eq!(proposal.map, before.map);
    }
}

#[tokio::test]
async fn nothing_is_sent_when_every_row_is_sure_enough() {
    let scope = unsure_scope();
    let catalog = landing_catalog();
    let mut proposal = propose(&scope, &catalog);
    let model = scripted(Ok("{}"));
    let report = assist(
        &mut proposal,
        &scope,
        &catalog,
        &model,
        &AssistOptions {
            threshold: 0.0,
            ..options(false)
        },
    )
    .await;
    assert_eq!(report.asked, 0);
    assert!(model.asked.lock().unwrap().is_empty());
}

#[test]
fn redaction_finds_addresses_phones_and_names_inside_text() {
    let names = vec!["Zoë Brandt".to_string()];
    assert_eq!(
        redact(
            "Zoë Brandt (zoe@brandt.de) rang from (202) 555-0143.",
            &names
        ),
        "<name> (<email>) rang from <phone>."
    );
    assert_eq!(
        redact("order 12345, 3 items", &names),
        "order 12345, 3 items"
    );
    assert_eq!(redact("+4915112345678", &names), "<phone>");
    assert_eq!(redact("2024-05-01", &names), "2024-05-01");
    assert_eq!(redact("482130517", &names), "482130517");
    assert_eq!(redact("07700900123", &names), "<phone>");
}
