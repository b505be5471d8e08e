//! Satisfaction surveys (reference §4.8, SSO).
//!
//! Create requires `customer_id` and `ticket_id`; one survey per ticket
//! (documented; a second is a 409 here, the status is inferred). A survey
//! is sent when `should_send_datetime` is set; with it null or unset it is
//! not (documented) — so the emulator records a send whenever a survey gets
//! a `should_send_datetime`, on create or update.

use super::super::errors::{ApiError, FieldErrors};
use super::super::pagination::{Direction, ListSpec, SortKey, DEFAULT_LIMIT};
use super::super::render;
use super::super::store::model::*;
use super::super::store::{Origin, State};
use super::super::validate::*;
use super::super::App;
use super::{created, list_query, list_reply, ok, parse_id, JsonBody, Params, Reply};
use axum::extract::{Path, State as AxState};
use axum::http::Uri;
use serde_json::{json, Map, Value};
use std::sync::Arc;

const FIELDS: &[&str] = &[
    "body_text",
    "created_datetime",
    "customer_id",
    "meta",
    "score",
    "scored_datetime",
    "sent_datetime",
    "should_send_datetime",
    "ticket_id",
];

fn score(obj: &Map<String, Value>, errors: &mut FieldErrors) -> Field<i64> {
    match integer(obj, "score", errors) {
        Field::Set(n) if !(1..=5).contains(&n) => {
            errors.add(
                "score",
                "Must be greater than or equal to 1 and less than or equal to 5.",
            );
            Field::Absent
        }
        other => other,
    }
}

fn record_send(s: &mut State, origin: Origin, survey_id: u64, ticket_id: u64) {
    if origin == Origin::Api {
        let at = s.now();
        s.record_send(SendRecord {
            kind: SendKind::SatisfactionSurvey,
            ticket_id,
            message_id: None,
            survey_id: Some(survey_id),
            channel: None,
            at,
        });
    }
}

/// `POST /api/satisfaction-surveys`.
pub fn create(s: &mut State, origin: Origin, body: &Value) -> Result<u64, ApiError> {
    const MSG: &str = "Failed to create the satisfaction survey.";
    let mut errors = FieldErrors::new();
    let Some(obj) = body_object(body, &mut errors) else {
        return Err(ApiError::validation(MSG, errors));
    };
    reject_unknown(obj, FIELDS, &mut errors);
    let ticket_id = required_id(obj, "ticket_id", &mut errors);
    let customer_id = required_id(obj, "customer_id", &mut errors);
    if ticket_id.is_some_and(|t| !s.tickets.contains_key(&t)) {
        errors.add("ticket_id", "Ticket not found.");
    }
    if customer_id.is_some_and(|c| !s.customers.contains_key(&c)) {
        errors.add("customer_id", "Customer not found.");
    }
    let score = score(obj, &mut errors).value();
    let body_text = string(obj, "body_text", Some(Len::max(1000)), &mut errors).value();
    let created_at = datetime(obj, "created_datetime", &mut errors).value();
    let scored = datetime(obj, "scored_datetime", &mut errors).value();
    let sent = datetime(obj, "sent_datetime", &mut errors).value();
    let should_send = datetime(obj, "should_send_datetime", &mut errors).value();
    let meta = free_object(obj, "meta", &mut errors).value();
    errors.check(MSG)?;
    let (Some(ticket_id), Some(customer_id)) = (ticket_id, customer_id) else {
        return Err(ApiError::bad_request(MSG));
    };
    if s.surveys.values().any(|v| v.ticket_id == ticket_id) {
        let mut errors = FieldErrors::new();
        errors.add(
            "ticket_id",
            "This ticket already has a satisfaction survey.",
        );
        return Err(ApiError::conflict(
            "This ticket already has a satisfaction survey.",
            errors,
        ));
    }
    let id = s.next_survey_id();
    let now = s.now();
    s.surveys.insert(
        id,
        Survey {
            id,
            ticket_id,
            customer_id,
            score,
            body_text,
            created_datetime: created_at.unwrap_or(now),
            scored_datetime: scored,
            sent_datetime: sent,
            should_send_datetime: should_send,
            meta,
        },
    );
    s.record_event(
        origin,
        "satisfaction-survey-created",
        "SatisfactionSurvey",
        id,
        json!({"ticket_id": ticket_id}),
    );
    if should_send.is_some() {
        record_send(s, origin, id, ticket_id);
    }
    if score.is_some() {
        s.fire_rules(origin, "satisfaction-survey-responded", ticket_id);
    }
    Ok(id)
}

pub async fn create_handler(AxState(app): AxState<Arc<App>>, JsonBody(body): JsonBody) -> Reply {
    let value = app.store.write(|s| {
        let id = create(s, Origin::Api, &body)?;
        Ok(render::survey(&s.surveys[&id]))
    })?;
    created(value)
}

/// `PUT /api/satisfaction-surveys/{id}`.
pub async fn update(
    AxState(app): AxState<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Reply {
    const MSG: &str = "Failed to update the satisfaction survey.";
    let id = parse_id(&id, "Satisfaction survey")?;
    let value = app.store.write(|s| {
        let Some(mut survey) = s.surveys.get(&id).cloned() else {
            return Err(ApiError::not_found("Satisfaction survey"));
        };
        let mut errors = FieldErrors::new();
        let Some(obj) = body_object(&body, &mut errors) else {
            return Err(ApiError::validation(MSG, errors));
        };
        reject_unknown(obj, FIELDS, &mut errors);
        for key in ["ticket_id", "customer_id"] {
            if obj.get(key).is_some_and(|v| {
                v.as_u64()
                    != Some(if key == "ticket_id" {
                        survey.ticket_id
                    } else {
                        survey.customer_id
                    })
            }) {
                errors.add(key, "Cannot be changed.");
            }
        }
        let score = score(obj, &mut errors).update();
        let body_text = string(obj, "body_text", Some(Len::max(1000)), &mut errors).update();
        let scored = datetime(obj, "scored_datetime", &mut errors).update();
        let sent = datetime(obj, "sent_datetime", &mut errors).update();
        let should_send = datetime(obj, "should_send_datetime", &mut errors).update();
        let meta = free_object(obj, "meta", &mut errors).update();
        errors.check(MSG)?;
        let newly_sent =
            survey.should_send_datetime.is_none() && matches!(should_send, Some(Some(_)));
        let newly_scored = matches!(score, Some(Some(_)));
        if let Some(v) = score {
            survey.score = v;
        }
        if let Some(v) = body_text {
            survey.body_text = v;
        }
        if let Some(v) = scored {
            survey.scored_datetime = v;
        }
        if let Some(v) = sent {
            survey.sent_datetime = v;
        }
        if let Some(v) = should_send {
            survey.should_send_datetime = v;
        }
        if let Some(v) = meta {
            survey.meta = v;
        }
        let ticket_id = survey.ticket_id;
        let value = render::survey(&survey);
        s.surveys.insert(id, survey);
        s.record_event(
            Origin::Api,
            "satisfaction-survey-updated",
            "SatisfactionSurvey",
            id,
            json!({"ticket_id": ticket_id}),
        );
        if newly_sent {
            record_send(s, Origin::Api, id, ticket_id);
        }
        if newly_scored {
            s.fire_rules(Origin::Api, "satisfaction-survey-responded", ticket_id);
        }
        Ok(value)
    })?;
    ok(value)
}

pub async fn get_one(AxState(app): AxState<Arc<App>>, Path(id): Path<String>) -> Reply {
    let id = parse_id(&id, "Satisfaction survey")?;
    app.store.read(|s| match s.surveys.get(&id) {
        Some(v) => ok(render::survey(v)),
        None => Err(ApiError::not_found("Satisfaction survey")),
    })
}

pub const LIST: ListSpec = ListSpec {
    orders: &["created_datetime"],
    default_order: ("created_datetime", Direction::Desc),
    default_limit: DEFAULT_LIMIT,
    filters: &["ticket_id", "customer_id"],
};

pub async fn list(AxState(app): AxState<Arc<App>>, uri: Uri, params: Params) -> Reply {
    let query = list_query(&uri, params, &LIST)?;
    let ticket_id = super::id_param(&query, "ticket_id")?;
    let customer_id = super::id_param(&query, "customer_id")?;
    app.store.read(|s| {
        let keys = s
            .surveys
            .values()
            .filter(|v| ticket_id.is_none_or(|t| v.ticket_id == t))
            .filter(|v| customer_id.is_none_or(|c| v.customer_id == c))
            .map(|v| (SortKey::time(v.created_datetime), v.id))
            .collect();
        list_reply(s, &query, keys, |s, id| {
            s.surveys.get(&id).map(render::survey)
        })
    })
}
