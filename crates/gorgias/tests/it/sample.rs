//! `migrate --sample N` into Gorgias: N representative tickets — every
//! channel, files, inline images, the longest thread, filled custom fields,
//! departed agents, customers merged by e-mail — with the customers they
//! need, and nothing else; they verify.

use crate::common;

use common::*;
use deskshift_core::model::ObjectKind;
use deskshift_sim::harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_covers_every_channel_and_kind_of_interest() {
    let w = World::start(7, 80, Default::default()).await;
    let project = harness::Project::new();
    let set = harness::assert_sample_represents(&project, &w.source, &w.dest, 12).await;
    let snapshot = w.gorgias.snapshot();
    assert_eq!(snapshot["tickets"].as_array().unwrap().len(), set.len());
    let customers = project.ledger().id_map_counts().unwrap()[&ObjectKind::Customers].total();
    assert!(
        customers <= set.customers.len() as u64,
        "only the sample's customers: {customers} of {}",
        set.customers.len()
    );
}
