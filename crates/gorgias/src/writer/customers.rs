//! Customers: deduplicated by e-mail, existing Gorgias customers matched and
//! left untouched, the rest created in one call each.
//!
//! Finding existing customers: Gorgias can be asked per address
//! (`GET /api/customers?email=`, one call per Stames customer) or listed
//! once (100 per call). Listing is cheaper whenever the account holds fewer
//! than 100 customers per Stames customer, which is every migration into a
//! new or modest account, so deskshift lists — unless the account declares
//! more customers than that (`meta.total_resources` on the first page), or
//! more than [`MAX_LISTED`], in which case it asks per address. The listed
//! addresses are held in memory (one short string and an id each).
//!
//! Stames holds duplicates (one person, several customer records sharing an
//! e-mail in different spellings): the first becomes the Gorgias customer,
//! the others are *matched* to it, with the reason noted.
//!
//! A customer's custom-object records ride in its create (sidebar data,
//! from the [`RecordIndex`]): journaled as creates of their own before the
//! call, settled by its outcome. The data goes in the create body where the
//! account keeps it there, else in a PUT right after ([`DataOnCreate`]).

use super::records;
use super::spill::RecordIndex;
use super::users::api_failure;
use super::{journal_error, Run};
use crate::client::wire::{Customer as GorgiasCustomer, Id, NewCustomer};
use crate::client::{ApiError, GorgiasClient};
use crate::map::customer::{self, CustomerFields};
use deskshift_core::destination::notes::Category;
use deskshift_core::destination::{DestinationError, DELTA};
use deskshift_core::engine::{WriteError, Written};
use deskshift_core::ledger::{content_hash, IdMapState, Intent, JournalId, Outcome};
use deskshift_core::model::{CustomObjectRecord, Customer, ObjectKind};
use deskshift_core::normalise::email_key;
use deskshift_core::source::Reject;
use futures::TryStreamExt;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

const KIND: ObjectKind = ObjectKind::Customers;

/// Largest account deskshift lists into memory to find existing customers.
pub const MAX_LISTED: u64 = 500_000;

/// Who already holds an e-mail address in Gorgias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Holder {
    /// A customer that existed before the migration.
    Existing(Id),
    /// The Gorgias customer of an earlier Stames customer.
    Migrated { dest: Id, stames: String },
}

/// E-mail → holder, and how to learn about addresses not in it.
pub(crate) struct Directory {
    pub(crate) known: HashMap<String, Holder>,
    /// The account was too large to list: ask per address.
    pub(crate) ask: bool,
}

/// Migrates every customer (or only those in `only`, for a sample).
pub async fn load(
    run: &Run<'_>,
    fields: &CustomerFields,
    only: Option<&HashSet<String>>,
    records: &RecordIndex,
) -> Result<(), DestinationError> {
    // Built on the first customer that needs it, so a re-run with nothing
    // left to do makes no call; addresses of customers done earlier are
    // gathered meanwhile, to catch later duplicates of them.
    let mut directory: Option<Directory> = None;
    let mut done_early: HashMap<String, Holder> = HashMap::new();
    let data_on_create = DataOnCreate::default();
    run.ctx.progress.start(KIND, None);
    let mut customers = run.records(run.ctx.source.customers(None));
    while let Some(c) = customers.try_next().await? {
        if only.is_some_and(|only| !only.contains(&c.id)) {
            continue;
        }
        run.ctx.counts.source(KIND, 1);
        let email = customer::email_of(&c);
        if let Some(id) = run.done_id(KIND, &c.id)? {
            let ours = run
                .mapping(KIND, &c.id)?
                .is_some_and(|e| e.state != IdMapState::Matched);
            if run.phase == DELTA && ours {
                // Created by deskshift and changed in Stames since.
                super::updates::customer(run, &c, id, fields).await?;
            } else {
                run.tally(KIND, &c.id, &Written::AlreadyDone(id.to_string()))?;
            }
            for record in records.open_records_of(&c.id)? {
                records::done(run, records, &record)?;
            }
            if let Some(email) = email {
                let holder = Holder::Migrated {
                    dest: id,
                    stames: c.id.clone(),
                };
                let known = match directory.as_mut() {
                    Some(dir) => &mut dir.known,
                    None => &mut done_early,
                };
                known.entry(email).or_insert(holder);
            }
        } else {
            if directory.is_none() {
                directory = Some(list_existing(run, std::mem::take(&mut done_early)).await?);
            }
            if let Some(dir) = directory.as_mut() {
                migrate_one(run, dir, &c, email, fields, records, &data_on_create).await?;
            }
        }
        run.ctx.progress.advance(KIND, 1);
    }
    run.ctx.progress.finish(KIND);
    run.flush_notes()
}

/// Lists the account's customers when that is cheaper than asking per
/// address (see the module docs); `known` holds what earlier runs did.
pub(crate) async fn list_existing(
    run: &Run<'_>,
    mut known: HashMap<String, Holder>,
) -> Result<Directory, DestinationError> {
    let fail = |e| api_failure("list Gorgias customers", e);
    let first = run
        .client
        .first_page::<GorgiasCustomer>("/customers", &[], 1)
        .await
        .map_err(fail)?;
    let declared = run
        .ctx
        .source
        .declared_counts()
        .await
        .ok()
        .and_then(|c| c.get(&KIND).copied());
    let total = first.meta.total_resources;
    let too_big = match (total, declared) {
        (Some(total), _) if total > MAX_LISTED => true,
        (Some(total), Some(stames)) => total.div_ceil(100) > stames,
        _ => false,
    };
    if too_big {
        tracing::info!(
            ?total,
            ?declared,
            "asking Gorgias per e-mail instead of listing customers"
        );
        return Ok(Directory { known, ask: true });
    }
    if first.data.is_empty() && first.meta.next_cursor.is_none() {
        return Ok(Directory { known, ask: false });
    }
    let mut all = run.client.customers();
    while let Some(existing) = all.try_next().await.map_err(fail)? {
        for email in emails_of(&existing) {
            known.entry(email).or_insert(Holder::Existing(existing.id));
        }
    }
    Ok(Directory { known, ask: false })
}

fn emails_of(c: &GorgiasCustomer) -> Vec<String> {
    c.email
        .iter()
        .map(|e| email_key(e))
        .chain(
            c.channels
                .iter()
                .filter(|ch| ch.channel_type == "email")
                .map(|ch| email_key(&ch.address)),
        )
        .collect()
}

async fn migrate_one(
    run: &Run<'_>,
    dir: &mut Directory,
    c: &Customer,
    email: Option<String>,
    fields: &CustomerFields,
    index: &RecordIndex,
    data_on_create: &DataOnCreate,
) -> Result<(), DestinationError> {
    let hash = content_hash(c);
    let client = run.client;
    // The data Gorgias showed for this customer when this call created it
    // or found it again: whether a data PUT must follow.
    let shown: Mutex<Option<Option<Value>>> = Mutex::new(None);
    let show = |data: &Option<Value>| {
        *shown.lock().unwrap_or_else(PoisonError::into_inner) = Some(data.clone());
    };
    let lookup = || async {
        let found = client
            .customers_by_external_id(&c.id)
            .await
            .map_err(ApiError::into_write_error)?;
        let first = found.into_iter().next();
        if let Some(first) = &first {
            show(&first.data);
        }
        Ok(first.map(|c| c.id.to_string()))
    };
    // A create of this customer that landed before a crash would otherwise
    // be found by its e-mail below and taken for a pre-existing customer.
    let adopted = run
        .ctx
        .journal
        .settle(KIND, &c.id, &hash, &lookup)
        .await
        .map_err(journal_error)?;
    if let (Some(email), None) = (&email, &adopted) {
        if !dir.known.contains_key(email) && dir.ask {
            if let Some(found) = existing_by_email(run, email).await? {
                dir.known.insert(email.clone(), Holder::Existing(found));
            }
        }
        if let Some(holder) = dir.known.get(email).cloned() {
            return match_to(run, c, &hash, email, holder, index);
        }
    }
    let mut plan = customer::plan(c, fields);
    let mut riding = Vec::new();
    for record in index.open_records_of(&c.id)? {
        if !records::done(run, index, &record)? {
            riding.push(record);
        }
    }
    if !riding.is_empty() {
        let refs: Vec<&CustomObjectRecord> = riding.iter().collect();
        let data = plan.body.data.take().unwrap_or(Value::Null);
        plan.body.data = Some(records::with_records(&data, &refs));
    }
    let riders = Riders::announce(run, &riding)?;
    for repair in &plan.repairs {
        run.notes
            .add(Category::Repair, KIND, &c.id, repair.detail.clone());
    }
    let conflict = AtomicBool::new(false);
    let written = run
        .ctx
        .journal
        .create_once(KIND, &c.id, &hash, &lookup, || async {
            match data_on_create.create(client, &plan.body).await {
                Ok(created) => {
                    show(&created.data);
                    Ok(created.id.to_string())
                }
                Err(ApiError::Conflict { message, .. }) => {
                    conflict.store(true, Ordering::SeqCst);
                    Err(WriteError::Refused(message))
                }
                Err(other) => Err(other.into_write_error()),
            }
        })
        .await
        .map_err(journal_error);
    let written = match written {
        Ok(written) => written,
        Err(error) => {
            riders.settle(run, index, &c.id, None, "its customer's create failed")?;
            return Err(error);
        }
    };
    let conflicted = conflict.load(Ordering::SeqCst);
    let dest = written.dest_id().filter(|_| !conflicted);
    let shown = shown.into_inner().unwrap_or_else(PoisonError::into_inner);
    let data_failed = match (dest, shown, &plan.body.data) {
        (Some(dest), Some(shown), Some(wanted)) => {
            complete_data(run, &c.id, dest, shown, wanted).await?
        }
        _ => false,
    };
    riders.settle(
        run,
        index,
        &c.id,
        dest.filter(|_| !data_failed),
        match &written {
            Written::Rejected(_) if conflicted => {
                "its customer already existed in Gorgias and is left untouched"
            }
            Written::Rejected(_) => "its customer was refused by Gorgias",
            _ if data_failed => "its customer's sidebar data could not be set",
            _ => "",
        },
    )?;
    match (&written, email) {
        // Someone created the address in Gorgias since the listing: it is
        // an existing customer, matched like any other.
        (Written::Rejected(_), Some(email)) if conflicted => {
            match existing_by_email(run, &email).await? {
                Some(found) => match_to(run, c, &hash, &email, Holder::Existing(found), index),
                None => run.tally(KIND, &c.id, &written),
            }
        }
        // AlreadyDone: adopted above, after a crash; the listing may have
        // taken it for a pre-existing customer.
        (Written::Created(id) | Written::AlreadyDone(id), Some(email)) => {
            if let Ok(dest) = id.parse() {
                dir.known.insert(
                    email,
                    Holder::Migrated {
                        dest,
                        stames: c.id.clone(),
                    },
                );
            }
            run.tally(KIND, &c.id, &written)
        }
        _ => run.tally(KIND, &c.id, &written),
    }
}

/// Where a customer's sidebar `data` goes: in the create body (one call),
/// or, when this account's create drops or refuses `data`, in a
/// `PUT /api/customers/{id}/data` after it (two calls). The Gorgias
/// sources disagree on which holds (`docs/deviations.md`), so the first
/// create that carries data finds out, and the rest of the run follows.
#[derive(Debug, Default)]
pub(crate) struct DataOnCreate {
    apart: AtomicBool,
}

impl DataOnCreate {
    /// Creates `body`'s customer, with its data when the account keeps data
    /// in a create; the answer shows what it kept ([`complete_data`] adds
    /// the rest). The data PUT is not made here: a create that landed is
    /// settled by the journal as created whatever happens to its data.
    pub(crate) async fn create(
        &self,
        client: &GorgiasClient,
        body: &NewCustomer,
    ) -> Result<GorgiasCustomer, ApiError> {
        if body.data.is_some() && !self.apart.load(Ordering::SeqCst) {
            match client.create_customer(body).await {
                Ok(created) => {
                    if shows_none_of(created.data.as_ref(), body.data.as_ref()) {
                        tracing::info!(
                            "Gorgias created a customer without the data in its body; \
                             setting data with a separate call from now on"
                        );
                        self.apart.store(true, Ordering::SeqCst);
                    }
                    return Ok(created);
                }
                Err(refused) if refused.refuses_field("data") => {
                    tracing::info!(
                        "Gorgias refuses data in a customer create; \
                         setting data with a separate call from now on"
                    );
                    self.apart.store(true, Ordering::SeqCst);
                }
                Err(other) => return Err(other),
            }
        }
        let bare = NewCustomer {
            data: None,
            ..body.clone()
        };
        client.create_customer(&bare).await
    }
}

/// Gives Gorgias customer `dest` (Stames customer `source_id`) the `wanted`
/// data where what it `shown` lacks some of it, merged over what it holds
/// (a data PUT replaces all of it). `true` when that failed: the customer
/// stays created, and the failure is recorded against its `data`.
async fn complete_data(
    run: &Run<'_>,
    source_id: &str,
    dest: &str,
    shown: Option<Value>,
    wanted: &Value,
) -> Result<bool, DestinationError> {
    if holds(shown.as_ref(), wanted) {
        return Ok(false);
    }
    let id: Id = dest.parse().map_err(|_| {
        DestinationError::Other(format!(
            "customer {source_id} has no usable Gorgias id ({dest})"
        ))
    })?;
    let mut merged = match shown {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    if let Value::Object(ours) = wanted {
        merged.extend(ours.clone());
    }
    match run
        .client
        .put_customer_data(id, &Value::Object(merged))
        .await
    {
        Ok(()) => Ok(false),
        Err(error) => {
            run.record_reject(&Reject::new(
                KIND,
                Some(source_id.to_string()),
                "data",
                format!(
                    "created as Gorgias customer {id}, but its sidebar data (company, field \
                     values, custom-object records) could not be set: {error}"
                ),
                "`deskshift verify` lists what it lacks; set it in Gorgias, or roll the run \
                 back and migrate again once Gorgias accepts it",
            ))?;
            Ok(true)
        }
    }
}

/// Whether the data Gorgias shows holds every key of `wanted` as wanted.
/// Keys set to null count as absent on both sides: an API may drop them.
fn holds(shown: Option<&Value>, wanted: &Value) -> bool {
    match (shown, wanted) {
        (Some(Value::Object(shown)), Value::Object(wanted)) => {
            wanted.iter().all(|(key, value)| match shown.get(key) {
                Some(held) => holds(Some(held), value),
                None => value.is_null(),
            })
        }
        (shown, Value::Null) => shown.is_none_or(Value::is_null),
        (shown, wanted) => shown == Some(wanted),
    }
}

/// Whether the data a created customer shows has none of `sent`'s keys: a
/// create that dropped its data, not one that kept it differently.
fn shows_none_of(shown: Option<&Value>, sent: Option<&Value>) -> bool {
    let (Some(Value::Object(sent)), shown) = (sent, shown) else {
        return false;
    };
    match shown {
        Some(Value::Object(shown)) => !sent.keys().any(|key| shown.contains_key(key)),
        _ => true,
    }
}

/// Records `c` as standing for `holder`'s Gorgias customer. The records of
/// a customer merged into another follow it later ([`records::finish`]);
/// those of a pre-existing customer are skipped: it is left untouched.
fn match_to(
    run: &Run<'_>,
    c: &Customer,
    hash: &str,
    email: &str,
    holder: Holder,
    index: &RecordIndex,
) -> Result<(), DestinationError> {
    if let Holder::Existing(dest) = &holder {
        for record in index.open_records_of(&c.id)? {
            if !records::done(run, index, &record)? {
                run.skip(
                    ObjectKind::CustomObjectRecords,
                    &record.id,
                    format!("its customer is Gorgias customer {dest}, which existed before the migration and is left untouched"),
                );
                index.account(&record.id)?;
            }
        }
    }
    let (dest, category, text) = match holder {
        Holder::Existing(dest) => (
            dest,
            Category::Existing,
            format!("matched existing Gorgias customer {dest} by e-mail {email}; left untouched"),
        ),
        Holder::Migrated { dest, stames } => {
            // Remembered so the records of this customer follow it.
            run.ctx
                .journal
                .with(|l| l.set_meta(&super::records::merged_key(&c.id), &stames))?;
            (
                dest,
                Category::Merge,
                format!(
                    "same e-mail as Stames customer {stames} ({email}): merged into its Gorgias \
                 customer {dest}; this record's own name, phone, company and field values are \
                 not written"
                ),
            )
        }
    };
    let written = run
        .ctx
        .journal
        .matched(KIND, &c.id, hash, &dest.to_string())
        .map_err(journal_error)?;
    run.notes.add(category, KIND, &c.id, text);
    run.tally(KIND, &c.id, &written)
}

async fn existing_by_email(run: &Run<'_>, email: &str) -> Result<Option<Id>, DestinationError> {
    let found = run
        .client
        .customers_by_email(email)
        .await
        .map_err(|e| api_failure("look up a Gorgias customer by e-mail", e))?;
    Ok(found.iter().map(|c| c.id).min())
}

/// Custom-object records riding in a customer create: announced in the
/// journal before the call, settled by its outcome.
struct Riders<'r> {
    records: &'r [CustomObjectRecord],
    intents: Vec<JournalId>,
}

impl<'r> Riders<'r> {
    fn announce(
        run: &Run<'_>,
        records: &'r [CustomObjectRecord],
    ) -> Result<Riders<'r>, DestinationError> {
        const KIND: ObjectKind = ObjectKind::CustomObjectRecords;
        for r in records {
            run.settle_pending(KIND, &r.id)?;
        }
        let intents: Vec<Intent> = records
            .iter()
            .map(|r| Intent::create(KIND, r.id.clone(), content_hash(r)))
            .collect();
        let journal = run.ctx.journal;
        let intents = journal.with(|l| l.record_intents(journal.run(), &intents))?;
        Ok(Riders { records, intents })
    }

    /// `dest`: the customer that now holds them; else `why` they are not in.
    /// Without a `dest`, the records of customers that follow `owner` (same
    /// e-mail; see [`super::spill`]) are only closed in the journal and left
    /// open in the index, to ride with their own customer's create.
    fn settle(
        &self,
        run: &Run<'_>,
        index: &RecordIndex,
        owner: &str,
        dest: Option<&str>,
        why: &str,
    ) -> Result<(), DestinationError> {
        const KIND: ObjectKind = ObjectKind::CustomObjectRecords;
        if self.records.is_empty() {
            return Ok(());
        }
        let outcome = match dest {
            Some(dest) => Outcome::Created {
                dest_id: dest.to_string(),
            },
            None => Outcome::Failed {
                reason: why.to_string(),
            },
        };
        let outcomes: Vec<_> = self
            .intents
            .iter()
            .map(|id| (*id, outcome.clone()))
            .collect();
        run.ctx.journal.with(|l| l.record_outcomes(&outcomes))?;
        for r in self.records {
            if dest.is_none() && !r.customer_ids.iter().any(|c| c == owner) {
                continue;
            }
            match dest {
                Some(dest) => run.tally(KIND, &r.id, &Written::Created(dest.to_string()))?,
                None if why.contains("left untouched") => run.skip(KIND, &r.id, why.to_string()),
                None => run.reject(
                    KIND,
                    &r.id,
                    "customer_ids",
                    why.to_string(),
                    "see the customer's reject",
                )?,
            }
            index.account(&r.id)?;
        }
        Ok(())
    }
}
