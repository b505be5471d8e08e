//! Ticket status history → `Stames_Status_Event__c` records
//! ([`map::history`]; CaseHistory is read-only), one per transition, the
//! detail of its Case, keyed `<ticket id>:<position>` and inserted through
//! the batch protocol ([`super::batch`]).

use super::batch::{self, Item, Op, Route, Target};
use super::cases::Landed;
use super::Run;
use crate::map::history;
use crate::map::schema;
use crate::map::users::UserDirectory;
use crate::map::validate::validate;
use crate::prepare::Org;
use deskshift_core::destination::DestinationError;
use deskshift_core::ledger::content_hash;
use deskshift_core::model::ObjectKind;

const KIND: ObjectKind = ObjectKind::StatusEvents;

pub async fn load(
    run: &Run<'_>,
    org: &Org,
    users: &UserDirectory,
    landed: &[Landed<'_>],
) -> Result<(), DestinationError> {
    let describe = org.describe(schema::STATUS_EVENT);
    let mut items = Vec::new();
    for l in landed {
        let t = &l.thread.ticket;
        let events = &l.thread.status_history;
        let records = history::records(&t.id, events, &l.case_id, users, &org.caps);
        for ((position, event), mut record) in events.iter().enumerate().zip(records) {
            run.ctx.counts.source(KIND, 1);
            let key = history::event_key(&t.id, position);
            let label = format!("status event {key} of Stames ticket {}", t.id);
            if let Err(reject) = validate(&describe, &mut record, &label) {
                run.reject(
                    KIND,
                    &key,
                    reject.field.as_deref().unwrap_or("(record)"),
                    format!("{}: {}", reject.record, reject.reason),
                    &reject.action,
                )?;
                continue;
            }
            items.push(Item {
                source_id: key.clone(),
                hash: content_hash(event),
                key,
                record,
                parent: l.case_id.clone(),
            });
        }
    }
    let target = Target {
        kind: KIND,
        object: schema::STATUS_EVENT,
        key_field: schema::EVENT_ID,
        op: Op::Insert,
        route: Route::for_volume(org.volume.status_events, run.config.bulk_threshold),
    };
    for (source_id, written) in batch::write(run, &target, items).await? {
        run.tally(KIND, &source_id, &written)?;
    }
    Ok(())
}
