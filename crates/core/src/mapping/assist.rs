//! Optional model assist for `deskshift map propose`: the custom-field rows
//! the proposer is least sure of are shown to a language model behind an
//! OpenAI-compatible chat endpoint (`/v1/chat/completions`; a local model
//! server works), and each suggestion it makes that the destination can
//! honour replaces the row, marked `model_proposed` with the model's reason.
//!
//! Never required, and never trusted blindly: a suggestion naming a field
//! the destination lacks, a type it cannot create or a type the values do
//! not fit is set aside (and reported). When the endpoint fails the
//! proposal stands as it was.
//!
//! **Personal data stays home unless the user opts in**: sample values are
//! redacted before anything is sent — e-mail addresses become `<email>`,
//! phone numbers `<phone>`, the names of the workspace's agents `<name>`,
//! and every sample of a field whose name says it holds personal data
//! (name, e-mail, phone, address, birthday) `<redacted>`.
//!
//! The core opens no socket: the HTTP call is behind [`ChatModel`], which
//! the binary implements.

use super::catalog::Catalog;
use super::model::{kind_of, Confidence, FieldRef, MapRow, Origin, Target, ValueType};
use super::propose::{similarity, transform_for, Proposal};
use crate::discover::{looks_like_email, looks_like_phone, FieldProfile, ScopeReport};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Most confidence a model's suggestion gets: a person should still look.
const MAX_MODEL_CONFIDENCE: f64 = 0.9;

/// Confidence when the model gives none.
const DEFAULT_MODEL_CONFIDENCE: f64 = 0.7;

/// Words in a field's name that say its values are about a person.
const PERSONAL_WORDS: [&str; 8] = [
    "name", "email", "phone", "address", "birthday", "contact", "passport", "ssn",
];

/// How to use the model.
#[derive(Debug, Clone, PartialEq)]
pub struct AssistOptions {
    /// The `model` of the chat request.
    pub model: String,
    /// Rows below this confidence are sent.
    pub threshold: f64,
    /// Send sample values as they are (the user opted in).
    pub send_personal_data: bool,
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: String,
    pub content: String,
}

/// An OpenAI-compatible chat completion request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    pub temperature: f64,
}

/// Why the endpoint gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AssistError(pub String);

/// An OpenAI-compatible chat endpoint.
#[async_trait]
pub trait ChatModel: Send + Sync {
    /// Sends `request`; returns the assistant message's text.
    async fn complete(&self, request: &ChatRequest) -> Result<String, AssistError>;
}

/// What the assist did, for the operator.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AssistReport {
    /// Rows sent to the model.
    pub asked: usize,
    /// Rows changed to the model's suggestion.
    pub changed: Vec<String>,
    /// Suggestions equal to the proposal.
    pub agreed: usize,
    /// Suggestions set aside, each with why.
    pub set_aside: Vec<String>,
    /// The endpoint's failure, when it failed (the proposal stands).
    pub error: Option<String>,
}

/// One suggestion of the model, as it must answer.
#[derive(Debug, Clone, Deserialize)]
struct Suggested {
    id: String,
    #[serde(rename = "type")]
    value_type: String,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    create: Option<String>,
    #[serde(default)]
    confidence: Option<f64>,
    #[serde(default)]
    reason: String,
}

#[derive(Debug, Deserialize)]
struct Answer {
    suggestions: Vec<Suggested>,
}

const SYSTEM_PROMPT: &str = "\
You help migrate a helpdesk. For each source custom field, choose where its values should land \
in the destination and which type they really have. Prefer an existing destination field when \
one fits; otherwise create a new field of one of the creatable types. Answer with JSON only: \
{\"suggestions\": [{\"id\": <field id>, \"type\": <value type>, \"to\": <\"Object.field\" of an \
existing field, or null>, \"create\": <type of a new field, or null>, \"confidence\": <0..1>, \
\"reason\": <one line>}]}. Value types: text, long_text, number, boolean, date, datetime, select, \
multi_select, email, phone, url.";

/// Asks the model about the rows of `proposal` under the threshold and
/// applies what it suggests and the destination can honour.
pub async fn assist(
    proposal: &mut Proposal,
    scope: &ScopeReport,
    catalog: &Catalog,
    model: &dyn ChatModel,
    options: &AssistOptions,
) -> AssistReport {
    let profiles: BTreeMap<String, &FieldProfile> =
        scope.custom_fields.iter().map(|p| (row_id(p), p)).collect();
    let unsure: Vec<usize> = proposal
        .map
        .rows
        .iter()
        .enumerate()
        .filter(|(_, row)| row.custom.is_some() && row.confidence.value() < options.threshold)
        .filter(|(_, row)| profiles.contains_key(&row.source_name()))
        .map(|(index, _)| index)
        .collect();
    let mut report = AssistReport {
        asked: unsure.len(),
        ..AssistReport::default()
    };
    if unsure.is_empty() {
        return report;
    }
    let names = known_names(scope);
    let request = request(proposal, &unsure, &profiles, catalog, options, &names);
    let text = match model.complete(&request).await {
        Ok(text) => text,
        Err(err) => {
            report.error = Some(err.0);
            return report;
        }
    };
    let answer: Answer = match serde_json::from_str(strip_fences(&text)) {
        Ok(answer) => answer,
        Err(err) => {
            report.error = Some(format!(
                "the model's answer is not the JSON asked for ({err})"
            ));
            return report;
        }
    };
    for suggested in answer.suggestions {
        let Some(&index) = unsure
            .iter()
            .find(|&&i| proposal.map.rows[i].source_name() == suggested.id)
        else {
            report.set_aside.push(format!(
                "`{}`: not one of the fields asked about",
                suggested.id
            ));
            continue;
        };
        let profile = profiles[&suggested.id];
        match apply(
            &proposal.map.rows[index],
            profile,
            &suggested,
            catalog,
            &options.model,
        ) {
            Ok(row) if row.same_decision(&proposal.map.rows[index]) => report.agreed += 1,
            Ok(row) => {
                report
                    .changed
                    .push(format!("{} → {}", row.source_name(), row.target));
                proposal.map.rows[index] = row;
            }
            Err(why) => report.set_aside.push(format!("`{}`: {why}", suggested.id)),
        }
    }
    report
}

fn row_id(profile: &FieldProfile) -> String {
    format!(
        "{}.{}{}",
        kind_of(profile.object),
        super::model::CUSTOM_PREFIX,
        profile.key
    )
}

/// The request: the unsure rows with their (redacted) evidence, and the
/// destination fields and types they could land in.
fn request(
    proposal: &Proposal,
    unsure: &[usize],
    profiles: &BTreeMap<String, &FieldProfile>,
    catalog: &Catalog,
    options: &AssistOptions,
    names: &[String],
) -> ChatRequest {
    let mut objects: BTreeMap<String, Value> = BTreeMap::new();
    let fields: Vec<Value> = unsure
        .iter()
        .map(|&index| {
            let row = &proposal.map.rows[index];
            let id = row.source_name();
            let profile = profiles[&id];
            if let Some(object) = row.target.field().and_then(|f| catalog.object(&f.object)) {
                objects.entry(object.name.clone()).or_insert_with(|| {
                    json!({
                        "existing_fields": object.fields.iter()
                            .filter(|f| f.custom && !f.managed && f.createable)
                            .map(|f| json!({"name": f.name, "label": f.label, "type": f.value_type}))
                            .collect::<Vec<_>>(),
                        "creatable_types": object.creatable_types,
                    })
                });
            }
            let samples: Vec<String> = profile
                .samples
                .iter()
                .map(|s| sample(profile, s, options.send_personal_data, names))
                .collect();
            json!({
                "id": id,
                "label": profile.label,
                "key": profile.key,
                "declared_type": profile.field_type.as_str(),
                "options": profile.options,
                "fill_rate": (profile.fill_rate * 100.0).round() / 100.0,
                "value_shapes": profile.value_shapes,
                "distinct_values": profile.distinct,
                "longest_value": profile.max_length,
                "samples": samples,
                "current_proposal": {
                    "type": row.value_type,
                    "target": row.target.to_string(),
                    "confidence": row.confidence.value(),
                    "reason": row.reason,
                },
            })
        })
        .collect();
    let body = json!({
        "destination": catalog.destination,
        "fields": fields,
        "destination_objects": objects,
    });
    ChatRequest {
        model: options.model.clone(),
        messages: vec![
            ChatMessage {
                role: "system".into(),
                content: SYSTEM_PROMPT.into(),
            },
            ChatMessage {
                role: "user".into(),
                content: serde_json::to_string_pretty(&body).expect("JSON serialises"),
            },
        ],
        temperature: 0.0,
    }
}

/// The row the suggestion makes, or why it cannot be used.
fn apply(
    row: &MapRow,
    profile: &FieldProfile,
    suggested: &Suggested,
    catalog: &Catalog,
    model: &str,
) -> Result<MapRow, String> {
    let value_type = ValueType::parse(&suggested.value_type)
        .ok_or_else(|| format!("unknown type `{}`", suggested.value_type))?;
    let (target, dest_type, max_length) = match (&suggested.to, &suggested.create) {
        (Some(to), None) => {
            let field = FieldRef::parse(to).ok_or_else(|| format!("`{to}` is not Object.field"))?;
            let found = catalog
                .field(&field)
                .filter(|f| f.custom && !f.managed && f.createable)
                .ok_or_else(|| format!("{to} is not a custom field that can be written"))?;
            (
                Target::Field(FieldRef::new(&field.object, &found.name)),
                found.value_type,
                found.max_length,
            )
        }
        (_, Some(create)) => {
            let field_type = ValueType::parse(create)
                .ok_or_else(|| format!("unknown type `{create}` to create"))?;
            // A new field keeps the name deskshift gives it.
            let name = catalog
                .custom_landing(profile.object, &profile.key)
                .and_then(|l| match &l.target {
                    Target::NewField { field, .. } => Some(field.clone()),
                    _ => None,
                })
                .ok_or("the destination keeps this field in a fixed place; it cannot be created")?;
            let creatable = catalog
                .object(&name.object)
                .is_some_and(|o| o.creatable_types.contains(&field_type));
            if !creatable {
                return Err(format!(
                    "{} cannot get a new {field_type} field",
                    name.object
                ));
            }
            (
                Target::NewField {
                    field: name,
                    field_type,
                },
                field_type,
                None,
            )
        }
        (None, None) => return Err("neither `to` nor `create`".into()),
    };
    if !value_type.fits(dest_type) {
        return Err(format!(
            "{value_type} values do not fit {target}, a {dest_type} field"
        ));
    }
    let confidence = suggested
        .confidence
        .unwrap_or(DEFAULT_MODEL_CONFIDENCE)
        .min(MAX_MODEL_CONFIDENCE);
    let reason = suggested.reason.trim();
    Ok(MapRow {
        value_type: Some(value_type),
        transform: transform_for(
            profile.field_type,
            value_type,
            dest_type,
            profile.max_length,
            max_length,
        ),
        target,
        confidence: Confidence::new(confidence),
        origin: Origin::ModelProposed,
        reason: format!(
            "model {model}: {}",
            if reason.is_empty() {
                "(no reason given)"
            } else {
                reason
            }
        ),
        ..row.clone()
    })
}

/// A chat answer without the Markdown code fence models like to add.
fn strip_fences(text: &str) -> &str {
    let text = text.trim();
    let Some(inner) = text.strip_prefix("```") else {
        return text;
    };
    let inner = inner.strip_prefix("json").unwrap_or(inner);
    inner.strip_suffix("```").unwrap_or(inner).trim()
}

// --------------------------------------------------------------- redaction

/// The people the workspace names: its agents.
fn known_names(scope: &ScopeReport) -> Vec<String> {
    let mut names: Vec<String> = scope
        .agents
        .roster
        .iter()
        .map(|a| a.name.trim().to_string())
        .filter(|n| n.chars().count() >= 3)
        .collect();
    // Longest first, so "Ana Lima" goes before "Ana".
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    names.dedup();
    names
}

/// A sample value as it may be sent.
fn sample(profile: &FieldProfile, value: &str, send_personal: bool, names: &[String]) -> String {
    if send_personal {
        return value.to_string();
    }
    let personal_field = similarity::tokens(&profile.label)
        .iter()
        .chain(similarity::tokens(&profile.key).iter())
        .any(|t| PERSONAL_WORDS.contains(&t.as_str()));
    if personal_field {
        return "<redacted>".into();
    }
    redact(value, names)
}

/// `text` with e-mail addresses, phone numbers and known names replaced.
pub fn redact(text: &str, names: &[String]) -> String {
    let mut out = text.to_string();
    for name in names {
        out = replace_ignoring_case(&out, name, "<name>");
    }
    let words: Vec<String> = out
        .split(' ')
        .map(|word| {
            let trimmed = word.trim_matches(|c: char| ",;:!?()<>\"'".contains(c));
            if looks_like_email(trimmed.trim_end_matches('.')) {
                word.replace(trimmed, "<email>")
            } else {
                word.to_string()
            }
        })
        .collect();
    redact_phones(&words.join(" "))
}

/// Runs of digits, spaces and phone punctuation holding 7 to 15 digits and
/// written like a phone number (a `+`, separators, or a national `0…`
/// prefix); dates and plain numbers (order numbers, amounts) stay.
fn redact_phones(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let phoneish = |c: char| c.is_ascii_digit() || "+-(). ".contains(c);
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() || chars[i] == '+' || chars[i] == '(' {
            let mut end = i;
            while end < chars.len() && phoneish(chars[end]) {
                end += 1;
            }
            let run: String = chars[i..end].iter().collect();
            let core = run.trim_end_matches([' ', '.', '-']);
            let digits = core.chars().filter(char::is_ascii_digit).count();
            let date = chrono::NaiveDate::parse_from_str(core.trim(), "%Y-%m-%d").is_ok();
            if !date
                && (7..=15).contains(&digits)
                && (looks_like_phone(core) || (digits >= 10 && core.starts_with('0')))
            {
                out.push_str("<phone>");
                out.push_str(&run[core.len()..]);
                i = end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn replace_ignoring_case(text: &str, needle: &str, with: &str) -> String {
    if needle.is_empty() {
        return text.to_string();
    }
    let lower = text.to_lowercase();
    let needle_lower = needle.to_lowercase();
    // Lower-casing can change byte lengths; fall back to exact matching then.
    if lower.len() != text.len() || needle_lower.len() != needle.len() {
        return text.replace(needle, with);
    }
    let mut out = String::new();
    let mut rest = 0;
    for (at, _) in lower.match_indices(&needle_lower) {
        if at < rest {
            continue;
        }
        out.push_str(&text[rest..at]);
        out.push_str(with);
        rest = at + needle.len();
    }
    out.push_str(&text[rest..]);
    out
}

#[cfg(test)]
mod tests;
