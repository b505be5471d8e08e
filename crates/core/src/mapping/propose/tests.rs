use super::infer::tests::profile;
use super::*;
use crate::mapping::catalog::{CatalogObject, CustomLanding, Enumeration, StandardRow, Suggestion};
use crate::model::{FieldObject, FieldType};

pub(crate) fn custom_field(name: &str, value_type: ValueType) -> CatalogField {
    let mut field = CatalogField::standard(name, value_type);
    field.custom = true;
    field
}

pub(crate) fn catalog(existing: Vec<CatalogField>) -> Catalog {
    let mut ticket_fields = vec![
        CatalogField::standard("subject", ValueType::Text),
        CatalogField::standard("status", ValueType::Select).picklist(&["open", "closed"]),
    ];
    ticket_fields.extend(existing);
    Catalog {
        destination: "helpdesk".into(),
        objects: vec![
            CatalogObject {
                name: "Ticket".into(),
                label: "Ticket".into(),
                fields: ticket_fields,
                creatable_types: vec![
                    ValueType::Text,
                    ValueType::Number,
                    ValueType::Boolean,
                    ValueType::Select,
                ],
            },
            CatalogObject {
                name: "Customer".into(),
                label: "Customer".into(),
                fields: vec![CatalogField::standard("data", ValueType::Data)],
                creatable_types: vec![],
            },
        ],
        standard_rows: vec![StandardRow::to(
            ObjectKind::Tickets,
            "status",
            "Ticket.status",
            Transform::ValueMap("ticket_status".into()),
            "two statuses",
        )],
        custom_landings: ["warranty_exp", "order_no", "order_number", "notes"]
            .into_iter()
            .map(|key| CustomLanding {
                object: FieldObject::Ticket,
                key: key.into(),
                target: Target::NewField {
                    field: FieldRef::new("Ticket", format!("{key} field")),
                    field_type: ValueType::Text,
                },
                reason: "a new ticket field".into(),
            })
            .chain(std::iter::once(CustomLanding {
                object: FieldObject::Customer,
                key: "vip".into(),
                target: Target::Field(FieldRef::new("Customer", "data.fields.VIP?")),
                reason: "customer fields live in customer data".into(),
            }))
            .collect(),
        enumerations: vec![Enumeration {
            name: "ticket_status".into(),
            field: FieldRef::new("Ticket", "status"),
            allowed: vec!["open".into(), "closed".into()],
            extensible: false,
            suggestions: vec![
                Suggestion {
                    source: "open".into(),
                    target: "open".into(),
                    recognised: true,
                    note: None,
                },
                Suggestion {
                    source: "escalated".into(),
                    target: "open".into(),
                    recognised: false,
                    note: Some("unknown".into()),
                },
            ],
        }],
    }
}

pub(crate) fn scope(fields: Vec<FieldProfile>) -> ScopeReport {
    let mut scope = crate::deliverables::fixture::scope();
    scope.custom_fields = fields;
    scope.tickets.by_status = [("open".to_string(), 7), ("escalated".to_string(), 2)]
        .into_iter()
        .collect();
    scope
}

pub(crate) fn workspace_fields() -> Vec<FieldProfile> {
    let mut vip = profile("vip", "VIP?", FieldType::Text, &[("boolean", 30)]);
    vip.object = FieldObject::Customer;
    vec![
        profile(
            "warranty_exp",
            "Warranty Exp.",
            FieldType::Text,
            &[("date", 40)],
        ),
        profile("order_no", "Order #", FieldType::Text, &[("number", 40)]),
        profile(
            "order_number",
            "Order number",
            FieldType::Text,
            &[("number", 20), ("text", 20)],
        ),
        vip,
    ]
}

#[test]
fn retyped_fields_land_as_their_real_type() {
    let proposal = propose(&scope(workspace_fields()), &catalog(vec![]));
    let map = &proposal.map;
    let row = |key: &str| {
        map.rows
            .iter()
            .find(|r| r.custom_key() == Some(key))
            .unwrap_or_else(|| panic!("no row for {key}"))
    };

    let warranty = row("warranty_exp");
    assert_eq!(warranty.value_type, Some(ValueType::Date));
    // The destination cannot create a date field: ISO text.
    assert_eq!(
        warranty.target,
        Target::NewField {
            field: FieldRef::new("Ticket", "warranty_exp field"),
            field_type: ValueType::Text
        }
    );
    assert_eq!(warranty.transform, Transform::DateToIsoText);
    assert_eq!(warranty.origin, Origin::ValueProfile);

    let order = row("order_no");
    assert_eq!(order.value_type, Some(ValueType::Number));
    assert!(matches!(
        order.target,
        Target::NewField {
            field_type: ValueType::Number,
            ..
        }
    ));
    assert_eq!(order.transform, Transform::TextToNumber);

    let mixed = row("order_number");
    assert_eq!(mixed.value_type, Some(ValueType::Text));
    assert_eq!(mixed.origin, Origin::BuiltIn);

    let vip = row("vip");
    assert_eq!(vip.object, ObjectKind::Customers);
    assert_eq!(vip.value_type, Some(ValueType::Boolean));
    assert_eq!(
        vip.target,
        Target::Field(FieldRef::new("Customer", "data.fields.VIP?"))
    );
    assert_eq!(vip.transform, Transform::TextToBoolean);
}

#[test]
fn an_existing_field_is_reused_once_by_its_best_match() {
    let existing = vec![
        custom_field("Warranty expiration", ValueType::Text),
        custom_field("Order Number", ValueType::Number),
    ];
    let proposal = propose(&scope(workspace_fields()), &catalog(existing));
    let row = |key: &str| {
        proposal
            .map
            .rows
            .iter()
            .find(|r| r.custom_key() == Some(key))
            .unwrap()
    };

    let warranty = row("warranty_exp");
    assert_eq!(
        warranty.target,
        Target::Field(FieldRef::new("Ticket", "Warranty expiration"))
    );
    assert_eq!(warranty.origin, Origin::NameSimilarity);
    assert_eq!(warranty.transform, Transform::DateToIsoText);

    // "Order #" (numbers) and "Order number" (mixed text) both resemble
    // "Order Number"; only the numbers fit a number field, and only once.
    assert_eq!(
        row("order_no").target,
        Target::Field(FieldRef::new("Ticket", "Order Number"))
    );
    assert!(matches!(
        row("order_number").target,
        Target::NewField { .. }
    ));
}

#[test]
fn a_field_an_earlier_run_made_is_found_by_its_external_id() {
    let mut made = custom_field("Something else entirely", ValueType::Text);
    made.external_id = Some("warranty_exp".into());
    let proposal = propose(&scope(workspace_fields()), &catalog(vec![made]));
    let row = proposal
        .map
        .custom_row(ObjectKind::Tickets, "warranty_exp")
        .unwrap();
    assert_eq!(
        row.target,
        Target::Field(FieldRef::new("Ticket", "Something else entirely"))
    );
    assert_eq!(row.origin, Origin::ExistingDestinationField);
    assert_eq!(row.confidence, Confidence::CERTAIN);
}

#[test]
fn value_maps_hold_every_present_value_and_flag_unknown_ones() {
    let proposal = propose(&scope(vec![]), &catalog(vec![]));
    let status = &proposal.map.value_maps["ticket_status"];
    assert_eq!(status["open"].count, 7);
    assert!(!status["open"].unmatched);
    assert!(status["escalated"].unmatched);
    let row = proposal.map.row(ObjectKind::Tickets, "status").unwrap();
    assert_eq!(row.confidence, Confidence::new(UNMATCHED_VALUES));
    assert!(row.reason.contains("`escalated`"), "{}", row.reason);
    assert!(proposal.notes.value_maps["ticket_status"].contains("open, closed"));
}

#[test]
fn proposals_are_deterministic_and_survive_the_file() {
    let scope = scope(workspace_fields());
    let catalog = catalog(vec![custom_field("Warranty expiration", ValueType::Text)]);
    let first = propose(&scope, &catalog);
    assert_eq!(first.map, propose(&scope, &catalog).map);
    let text = crate::mapping::render(&first.map, &first.notes);
    let (back, _) = crate::mapping::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(back, first.map);
}

#[test]
fn a_field_made_for_a_stames_field_beats_a_look_alike_name() {
    // After a first `prepare`, both fields exist and their names are alike
    // ("Order #" and "Order number" tokenise the same).
    let mut hash = custom_field("Order #", ValueType::Text);
    hash.external_id = Some("order_no".into());
    let mut number = custom_field("Order number", ValueType::Text);
    number.external_id = Some("order_number".into());
    let proposal = propose(&scope(workspace_fields()), &catalog(vec![number, hash]));
    let target = |key: &str| proposal.map.custom_row(ObjectKind::Tickets, key).unwrap();
    assert_eq!(
        target("order_no").target,
        Target::Field(FieldRef::new("Ticket", "Order #"))
    );
    // Numbers going into a text field stay text: no conversion.
    assert_eq!(target("order_no").transform, Transform::Copy);
    assert_eq!(
        target("order_number").target,
        Target::Field(FieldRef::new("Ticket", "Order number"))
    );
}
