//! The optional model assist of `deskshift map propose`, against a stub
//! OpenAI-compatible server started in the test on 127.0.0.1: the rows under
//! the threshold are sent with personal data redacted (the generated
//! customer notes hold an e-mail address and a phone number), the model's
//! suggestion lands in mapping.toml marked `model_proposed` with its reason,
//! the user can opt in to unredacted samples, and a dead endpoint leaves the
//! proposal standing.

use crate::common;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use common::{init_gorgias, run_ok as ok, Sim};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// What the stub received: every request body.
type Received = Arc<Mutex<Vec<String>>>;

/// The model's answer: one field becomes a dropdown.
fn answer() -> Value {
    let suggestions = json!({"suggestions": [{
        "id": "tickets.custom.order_number",
        "type": "text",
        "to": null,
        "create": "select",
        "confidence": 0.85,
        "reason": "order numbers repeat across tickets; a dropdown keeps them consistent"
    }]});
    json!({"id": "chatcmpl-1", "object": "chat.completion",
           "choices": [{"index": 0, "finish_reason": "stop",
                        "message": {"role": "assistant", "content": suggestions.to_string()}}]})
}

async fn completions(State(received): State<Received>, body: String) -> Json<Value> {
    received.lock().unwrap().push(body);
    Json(answer())
}

/// The stub on a free loopback port; its URL.
fn stub(runtime: &tokio::runtime::Runtime, received: Received) -> String {
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!(
        "http://{}/v1/chat/completions",
        listener.local_addr().unwrap()
    );
    let app = Router::new()
        .route("/v1/chat/completions", post(completions))
        .with_state(received);
    runtime.spawn(async move { axum::serve(listener, app).await });
    url
}

fn set_assist(project: &Path, endpoint: &str, personal: bool) {
    let path = project.join("deskshift.toml");
    let config = std::fs::read_to_string(&path).unwrap();
    let base = config.split("\n[assist]").next().unwrap().to_string();
    std::fs::write(
        &path,
        format!(
            "{base}\n[assist]\nendpoint = \"{endpoint}\"\nmodel = \"stub-model\"\nthreshold = 0.99\n\
             send_personal_data = {personal}\n"
        ),
    )
    .unwrap();
}

/// The row of `field` in mapping.toml, as text.
fn row_text(project: &Path, field: &str) -> String {
    let text = std::fs::read_to_string(project.join("mapping.toml")).unwrap();
    let start = text
        .find(&format!("field = \"{field}\""))
        .unwrap_or_else(|| panic!("no row {field}"));
    let end = start + text[start..].find("\n\n").unwrap_or(text.len() - start);
    text[start..end].to_string()
}

#[test]
fn the_model_assist_is_asked_with_personal_data_redacted_and_its_suggestion_recorded() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let received: Received = Arc::default();
    let endpoint = stub(&runtime, received.clone());
    let stames = Sim::start(&["stames", "--port", "0", "--tickets", "200", "--seed", "3"]);
    let gorgias = Sim::start(&["gorgias", "--port", "0", "--budget", "400/2"]);
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    init_gorgias(project, &stames, &gorgias, "400/2");
    ok(project, &["discover"]);
    set_assist(project, &endpoint, false);

    let out = ok(project, &["map", "propose"]);
    assert!(out.contains("Model assist: asked about"), "{out}");
    assert!(out.contains("1 changed"), "{out}");
    let bodies = received.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1, "one request for all unsure rows");
    let request: Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(request["model"], "stub-model");
    let sent = request["messages"][1]["content"].as_str().unwrap();
    assert!(sent.contains("customers.custom.customer_notes"), "{sent}");
    // The notes held an address and a number: both went out redacted.
    for secret in ["anna.weber@example.de", "7700 900461"] {
        assert!(!sent.contains(secret), "{secret} was sent: {sent}");
    }
    assert!(sent.contains("Rückruf an <email>"), "{sent}");
    assert!(sent.contains("mobile <phone> only if urgent"), "{sent}");

    let row = row_text(project, "custom.order_number");
    assert!(row.contains("create = \"select\""), "{row}");
    assert!(row.contains("origin = \"model_proposed\""), "{row}");
    assert!(
        row.contains("reason = \"model stub-model: order numbers repeat"),
        "{row}"
    );
    assert!(row.contains("confidence = 0.85"), "{row}");
    // The suggestion is honoured by `confirm` like any row.
    ok(project, &["map", "confirm"]);

    // Opted in: the samples go as they are.
    set_assist(project, &endpoint, true);
    ok(project, &["map", "propose", "--force"]);
    let bodies = received.lock().unwrap().clone();
    assert!(bodies[1].contains("anna.weber@example.de"), "{}", bodies[1]);

    // A dead endpoint: the proposal stands without it.
    set_assist(project, "http://127.0.0.1:9/v1/chat/completions", false);
    let out = ok(project, &["map", "propose", "--force"]);
    assert!(out.contains("no suggestions"), "{out}");
    assert!(row_text(project, "custom.order_number").contains("origin = \"built_in\""));
}
