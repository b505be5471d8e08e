//! `migrate --sample N` into Salesforce: N representative tickets — every
//! channel, files, inline images, the longest thread, filled custom fields,
//! departed agents, customers merged by e-mail — with the customers they
//! need, and nothing else; they verify.

use crate::common;

use common::*;
use deskshift_sim::faults::FaultSpec;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_covers_every_channel_and_kind_of_interest() {
    let stames = stames(7, 80).await;
    let org = org(Default::default(), FaultSpec::default()).await;
    let (source, dest, project) = (source(&stames), destination(&org), Project::new());
    let set = assert_sample_represents(&project, &source, &dest, 12).await;
    let cases = records(&org.snapshot(), "Case").count();
    assert_eq!(cases, set.len(), "only the sample's Cases");
}
