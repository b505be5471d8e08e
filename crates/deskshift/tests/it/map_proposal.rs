//! Proposal quality (issue 5): on a generated workspace whose custom fields
//! hide what they hold behind their name and declared type — `Warranty
//! Exp.` (text, all dates), `Order #` (text, all numbers), `VIP?` (text,
//! all yes/no) — every field is proposed to the right target with the
//! right type, for both destinations, read live from their emulators. A
//! destination field that already exists under a similar name is reused
//! rather than duplicated, a decoy with a half-similar name is not, and the
//! whole proposal passes `map confirm`'s validation and survives the file.

use deskshift_core::destination::Destination;
use deskshift_core::discover::{discover, ScopeReport};
use deskshift_core::engine::Phases;
use deskshift_core::ledger::Ledger;
use deskshift_core::mapping::propose::{propose, Proposal};
use deskshift_core::mapping::{
    parse, render, validate, Catalog, FieldRef, MapRow, Origin, Target, Transform, ValueType,
};
use deskshift_core::model::ObjectKind;
use deskshift_core::progress::Silent;
use deskshift_sim::stames::{RunningEmulator, StamesConfig, StamesEmulator};
use deskshift_stames::{StamesApi, StamesOptions};
use serde_json::json;

const TICKETS: usize = 60;

async fn stames() -> RunningEmulator {
    let config = StamesConfig {
        seed: 11,
        tickets: TICKETS,
        budget: "100000/60".parse().expect("budget"),
        ..StamesConfig::default()
    };
    StamesEmulator::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("Stames emulator starts")
}

fn source(stames: &RunningEmulator) -> StamesApi {
    let accepted = stames.credentials();
    let credentials =
        deskshift_stames::Credentials::new(accepted.account_id.clone(), accepted.api_key.clone());
    StamesApi::new(&stames.url(), credentials, StamesOptions::default()).expect("source")
}

async fn scope_of(source: &StamesApi) -> ScopeReport {
    let ledger = Ledger::open_in_memory().unwrap();
    let run = ledger.begin_run("discover").unwrap();
    discover(source, &ledger, run, &Silent)
        .await
        .expect("discovery")
}

/// Proposes, checks the proposal against the catalog and through the file.
async fn proposal(destination: &dyn Destination, scope: &ScopeReport) -> (Proposal, Catalog) {
    let catalog = destination.catalog(scope).await.expect("catalog");
    let proposal = propose(scope, &catalog);
    let text = render(&proposal.map, &proposal.notes);
    let (back, locations) = parse(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, proposal.map, "the file round-trips");
    let problems = validate(&back, &locations, &catalog, scope);
    assert!(
        problems.is_empty(),
        "the proposal validates: {problems:#?}\n{}",
        text.lines()
            .skip(390)
            .take(15)
            .collect::<Vec<_>>()
            .join("\n")
    );
    for profile in &scope.custom_fields {
        assert!(
            back.custom_field_row(&deskshift_core::model::CustomFieldDef {
                id: profile.id.clone(),
                object: profile.object,
                key: profile.key.clone(),
                label: profile.label.clone(),
                field_type: profile.field_type,
                options: profile.options.clone(),
                required: profile.required,
            })
            .is_some(),
            "a row for {}",
            profile.key
        );
    }
    (proposal, catalog)
}

fn row<'a>(proposal: &'a Proposal, kind: ObjectKind, key: &str) -> &'a MapRow {
    proposal
        .map
        .custom_row(kind, key)
        .unwrap_or_else(|| panic!("no row for {kind}.custom.{key}"))
}

/// Asserts where a field lands, as which type, through which transform.
fn lands(row: &MapRow, value_type: ValueType, target: Target, transform: Transform) {
    let name = row.source_name();
    assert_eq!(row.value_type, Some(value_type), "{name}: type");
    assert_eq!(row.target, target, "{name}: target");
    assert_eq!(row.transform, transform, "{name}: transform");
}

fn new_field(object: &str, field: &str, field_type: ValueType) -> Target {
    Target::NewField {
        field: FieldRef::new(object, field),
        field_type,
    }
}

#[tokio::test]
async fn gorgias_gets_every_field_at_the_right_target_with_the_right_type() {
    use deskshift_gorgias::{Credentials, Gorgias, GorgiasConfig};
    use deskshift_sim::gorgias::{ExistingData, GorgiasConfig as SimConfig, GorgiasEmulator};
    let text_field = |label: &str| {
        json!({"object_type": "Ticket", "label": label,
               "definition": {"data_type": "text", "input_settings": {"input_type": "input"}}})
    };
    let gorgias = GorgiasEmulator::start(
        SimConfig {
            budget: "400/2".parse().unwrap(),
            existing: ExistingData {
                custom_fields: vec![
                    text_field("Warranty expiration"),
                    text_field("Warranty provider"),
                ],
                ..ExistingData::default()
            },
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .expect("Gorgias emulator starts");
    let stames = stames().await;
    let source = source(&stames);
    let accepted = gorgias.credentials();
    let destination = Gorgias::new(GorgiasConfig::new(
        gorgias.url(),
        Credentials::new(accepted.email.clone(), accepted.api_key.clone()),
    ))
    .unwrap();
    let scope = scope_of(&source).await;
    let (proposal, _) = proposal(&destination, &scope).await;

    // Named differently and typed as text: the existing field is reused and
    // the dates are written as ISO text (Gorgias has no date field).
    let warranty = row(&proposal, ObjectKind::Tickets, "warranty_exp");
    lands(
        warranty,
        ValueType::Date,
        Target::Field(FieldRef::new("Ticket", "Warranty expiration")),
        Transform::DateToIsoText,
    );
    assert_eq!(warranty.origin, Origin::NameSimilarity);
    lands(
        row(&proposal, ObjectKind::Tickets, "order_no"),
        ValueType::Number,
        new_field("Ticket", "Order #", ValueType::Number),
        Transform::TextToNumber,
    );
    // A customer create cannot fill Gorgias customer fields: sidebar data.
    lands(
        row(&proposal, ObjectKind::Customers, "vip"),
        ValueType::Boolean,
        Target::Field(FieldRef::new("Customer", "data.stames.fields.VIP?")),
        Transform::TextToBoolean,
    );
    lands(
        row(&proposal, ObjectKind::Tickets, "purchase_date"),
        ValueType::Date,
        new_field("Ticket", "Purchase date", ValueType::Text),
        Transform::DateToIsoText,
    );
    lands(
        row(&proposal, ObjectKind::Tickets, "order_number"),
        ValueType::Text,
        new_field("Ticket", "Order number", ValueType::Text),
        Transform::Copy,
    );
    lands(
        row(&proposal, ObjectKind::Tickets, "refund_amount"),
        ValueType::Number,
        new_field("Ticket", "Refund amount (€)", ValueType::Number),
        Transform::Copy,
    );
    lands(
        row(&proposal, ObjectKind::Tickets, "issue_types"),
        ValueType::MultiSelect,
        new_field("Ticket", "Issue types", ValueType::Text),
        Transform::MultiSelectJoin(", ".into()),
    );
    for value in proposal.map.value_maps["ticket_status"].values() {
        assert!(["open", "closed"].contains(&value.to.as_str()), "{value:?}");
    }

    // Once `prepare` made deskshift's own fields, a new proposal finds them
    // by their external id instead of proposing them again.
    let dir = tempfile::tempdir().unwrap();
    let phases = Phases {
        source: &source,
        destination: &destination,
        progress: &Silent,
        cache_dir: dir.path(),
        reports_dir: dir.path(),
    };
    let ledger = Ledger::open(dir.path().join("deskshift.db")).unwrap();
    deskshift_core::mapping::confirmation::record_confirmation(&ledger, &proposal.map).unwrap();
    phases.prepare(ledger, false).await.expect("prepare");
    let (again, _) = self::proposal(&destination, &scope).await;
    let order = row(&again, ObjectKind::Tickets, "order_no");
    assert_eq!(
        order.target,
        Target::Field(FieldRef::new("Ticket", "Order #"))
    );
    assert_eq!(order.origin, Origin::ExistingDestinationField);
    stames.shutdown().await;
    gorgias.shutdown().await;
}

#[tokio::test]
async fn salesforce_gets_every_field_at_the_right_target_with_the_right_type() {
    use deskshift_salesforce::client::Auth;
    use deskshift_salesforce::{Salesforce, SalesforceConfig};
    use deskshift_sim::salesforce::{
        ExistingData, SalesforceConfig as SimConfig, SalesforceEmulator,
    };
    let field = |full: &str, label: &str, ty: &str| json!({"FullName": full, "Metadata": {"label": label, "type": ty}});
    let org = SalesforceEmulator::start(
        SimConfig {
            existing: ExistingData {
                custom_fields: vec![
                    field("Case.Warranty_Expiration__c", "Warranty Expiration", "Date"),
                    json!({"FullName": "Case.Warranty_Provider__c",
                           "Metadata": {"label": "Warranty Provider", "type": "Text", "length": 80}}),
                ],
                grant_custom_fields: true,
                ..ExistingData::default()
            },
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .expect("Salesforce emulator starts");
    let stames = stames().await;
    let source = source(&stames);
    let accepted = org.credentials();
    let destination = Salesforce::new(SalesforceConfig::new(
        org.url(),
        Auth::ClientCredentials {
            client_id: accepted.client_id.clone(),
            client_secret: accepted.client_secret.clone(),
        },
    ))
    .unwrap();
    let scope = scope_of(&source).await;
    let (proposal, catalog) = proposal(&destination, &scope).await;

    let warranty = row(&proposal, ObjectKind::Tickets, "warranty_exp");
    lands(
        warranty,
        ValueType::Date,
        Target::Field(FieldRef::new("Case", "Warranty_Expiration__c")),
        Transform::TextToDate,
    );
    assert_eq!(warranty.origin, Origin::NameSimilarity);
    // `Order` is a reserved word: the plan's name, as `prepare` makes it.
    lands(
        row(&proposal, ObjectKind::Tickets, "order_no"),
        ValueType::Number,
        new_field("Case", "Order_Field__c", ValueType::Number),
        Transform::TextToNumber,
    );
    lands(
        row(&proposal, ObjectKind::Customers, "vip"),
        ValueType::Boolean,
        new_field("Contact", "VIP__c", ValueType::Boolean),
        Transform::TextToBoolean,
    );
    lands(
        row(&proposal, ObjectKind::Tickets, "purchase_date"),
        ValueType::Date,
        new_field("Case", "Purchase_date__c", ValueType::Date),
        Transform::TextToDate,
    );
    lands(
        row(&proposal, ObjectKind::Tickets, "issue_types"),
        ValueType::MultiSelect,
        new_field("Case", "Issue_types__c", ValueType::MultiSelect),
        Transform::Copy,
    );
    lands(
        row(&proposal, ObjectKind::Customers, "birthday"),
        ValueType::Date,
        new_field("Contact", "Birthday__c", ValueType::Date),
        Transform::Copy,
    );
    // Audit fields are off in this org: the original time has its own field.
    let created = proposal.map.row(ObjectKind::Tickets, "created_at").unwrap();
    assert_eq!(
        created.target,
        Target::Field(FieldRef::new("Case", "Stames_Created_Date__c"))
    );
    // The Case Status values come from the org, spelled as it spells them.
    let status = catalog.enumeration("ticket_status").unwrap();
    assert!(status.allowed.contains(&"New".to_string()));
    assert_eq!(proposal.map.value_maps["ticket_status"]["new"].to, "New");
    stames.shutdown().await;
    org.shutdown().await;
}
