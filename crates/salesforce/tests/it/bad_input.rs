//! Broken source records (a missing id, an invalid e-mail, an unparseable
//! timestamp, a reference to nobody, …) going to Salesforce: each becomes a
//! reject naming the record and the field, the rest loads, and every kind
//! reconciles (source = created + matched + rejected + skipped).

use crate::common;

use common::*;
use deskshift_core::model::ObjectKind;
use deskshift_sim::faults::FaultSpec;
use deskshift_sim::salesforce::ExistingData;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_records_are_rejected_by_name_and_the_rest_loads() {
    let stames = stames_with_malformed(3, 30, 12).await;
    let org = org(ExistingData::default(), FaultSpec::default()).await;
    let (source, dest, project) = (source(&stames), destination(&org), Project::new());

    let scope = discover(&project, &source).await;
    let outcome = run(&project, &source, &dest, Phase::Migrate).await.unwrap();
    assert!(
        outcome.discrepancies.is_empty(),
        "{:?}",
        outcome.discrepancies
    );
    assert_eq!(stames.data().malformed.len(), 12);
    assert_malformed_rejected(&stames, &project, &scope, &outcome);
    assert!(outcome.counts[&ObjectKind::Tickets].created > 0);
    assert_verifies_clean(&project, &source, &dest).await;
}
