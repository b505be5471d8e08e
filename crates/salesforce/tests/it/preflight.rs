//! Preflight against an org with automation that would act on migrated
//! records: active validation rules and Apex triggers on loaded objects
//! refuse the load (the gate the binary maps to exit 4) until they are
//! deactivated or explicitly allowed; an active assignment rule does not,
//! since every call switches it off; inactive ones and other objects' are
//! not reported as blocking.

use crate::common;

use common::*;
use deskshift_core::destination::Destination;
use deskshift_core::engine::{preflight_gate, PhaseError};
use deskshift_sim::faults::FaultSpec;
use deskshift_sim::salesforce::{
    ApexTriggerSeed, AssignmentRuleSeed, ExistingData, ValidationRuleSeed,
};

fn automated_org() -> ExistingData {
    ExistingData {
        validation_rules: vec![
            ValidationRuleSeed {
                object: "Case".into(),
                name: "Subject_Required".into(),
                active: true,
                error_message: "Every case needs a subject".into(),
            },
            ValidationRuleSeed {
                object: "Case".into(),
                name: "Old_Rule".into(),
                active: false,
                error_message: "unused".into(),
            },
            ValidationRuleSeed {
                object: "Opportunity".into(),
                name: "Amount_Positive".into(),
                active: true,
                error_message: "not ours".into(),
            },
        ],
        apex_triggers: vec![ApexTriggerSeed {
            object: "EmailMessage".into(),
            name: "NotifyOnEmail".into(),
            active: true,
        }],
        assignment_rules: vec![AssignmentRuleSeed {
            name: "Standard".into(),
            active: true,
            assign_to_user: None,
        }],
        ..ExistingData::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_automation_refuses_the_load_until_allowed() {
    let org = org(automated_org(), FaultSpec::default()).await;
    let dest = destination(&org);
    let effects = dest.preflight().await.expect("preflight");
    let blocking: Vec<&str> = effects
        .iter()
        .filter(|e| e.blocking)
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(
        blocking,
        ["Case.Subject_Required", "NotifyOnEmail"],
        "{effects:#?}"
    );
    let assignment = effects
        .iter()
        .find(|e| e.kind == "assignment_rule")
        .expect("the assignment rule is listed");
    assert!(!assignment.blocking && assignment.handling.contains("Sforce-Auto-Assign"));
    assert!(effects.iter().any(|e| e.kind == "audit_fields"));
    assert!(effects.iter().any(|e| e.kind == "email_deliverability"));

    match preflight_gate(&dest, false).await {
        Err(PhaseError::Refused(message)) => {
            assert!(message.contains("Subject_Required"), "{message}");
            assert!(message.contains("NotifyOnEmail"), "{message}");
            assert!(message.contains("--allow-active-rules"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    preflight_gate(&dest, true)
        .await
        .expect("allowed explicitly, the gate opens");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_org_passes_the_gate() {
    let org = org(ExistingData::default(), FaultSpec::default()).await;
    let effects = preflight_gate(&destination(&org), false)
        .await
        .expect("nothing blocks");
    assert!(effects.iter().all(|e| !e.blocking), "{effects:#?}");
}
