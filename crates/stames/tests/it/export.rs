//! The export-bundle reader: the same records as the API, damaged lines
//! rejected by file and line, and a bundle checked when opened.

use crate::common;

use common::{api_source, assert_accounts_for, emulator, Everything};
use deskshift_core::model::{Attachment, ObjectKind};
use deskshift_core::source::{Source, SourceError};
use deskshift_sim::stames::{attachment_sha256, write_export, StamesData};
use deskshift_stames::ExportBundle;
use futures::StreamExt;
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::Path;

/// The hex SHA-256 of everything a source streams for `attachment`.
async fn sha256_of(source: &dyn Source, attachment: &Attachment) -> Result<String, SourceError> {
    let mut bytes = source.open_attachment(attachment).await?;
    let mut hasher = Sha256::new();
    while let Some(chunk) = bytes.next().await {
        hasher.update(&chunk?);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Records whose order the two sources need not share (custom object records
/// come per definition from the API, in one file from an export), sorted.
fn canonical_order(mut all: Everything) -> Everything {
    all.custom_object_records
        .sort_by(|a, b| (&a.object_key, &a.id).cmp(&(&b.object_key, &b.id)));
    all
}

fn write_bundle(data: &StamesData) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_export(data, dir.path()).unwrap();
    dir
}

/// Reads the bundle in `dir` whole.
async fn read_bundle(dir: &Path) -> (ExportBundle, Everything) {
    let bundle = ExportBundle::open(dir).unwrap();
    let all = Everything::read(&bundle).await.unwrap();
    (bundle, all)
}

async fn api_equals_export(seed: u64, tickets: usize) {
    let emulator = emulator(seed, tickets, "100000/1", 0).await;
    let api = api_source(&emulator, 4);
    let from_api = Everything::read(&api).await.unwrap();
    let data = emulator.data();
    let dir = write_bundle(&data);
    let (bundle, from_export) = read_bundle(dir.path()).await;

    assert!(from_api.rejects.is_empty(), "{:?}", from_api.rejects);
    assert_eq!(
        canonical_order(from_api.clone()),
        canonical_order(from_export)
    );
    assert_accounts_for(&from_api, &emulator.totals(), "API read");

    // Attachment bytes are equal too: a sample of downloadable ones, and the
    // private ones fail the same way from both sources.
    let attachments: Vec<&Attachment> = from_api
        .threads
        .iter()
        .flat_map(|t| &t.messages)
        .flat_map(|m| &m.attachments)
        .collect();
    for attachment in attachments.iter().filter(|a| !a.requires_auth).take(3) {
        let expected = attachment_sha256(
            data.seed,
            attachment.id.parse().unwrap(),
            attachment.size_bytes,
        );
        assert_eq!(sha256_of(&api, attachment).await.unwrap(), expected);
        assert_eq!(sha256_of(&bundle, attachment).await.unwrap(), expected);
    }
    if let Some(private) = attachments.iter().find(|a| a.requires_auth) {
        for source in [&api as &dyn Source, &bundle] {
            let error = source.open_attachment(private).await.err().unwrap();
            let message = error.to_string();
            assert!(matches!(error, SourceError::Other(_)), "{message}");
            for part in [&private.id, &private.message_id, &private.ticket_id] {
                assert!(message.contains(part.as_str()), "{message}");
            }
            assert!(message.contains("re-host"), "{message}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// API → export bundle → reader yields the records the API yields.
    #[test]
    fn the_export_reads_like_the_api(seed in any::<u64>(), tickets in 1usize..40) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(api_equals_export(seed, tickets));
    }
}

#[tokio::test]
async fn malformed_records_in_an_export_are_rejected_like_the_api_does() {
    let emulator = emulator(5, 40, "100000/1", 7).await;
    let from_api = Everything::read(&api_source(&emulator, 4)).await.unwrap();
    let dir = write_bundle(&emulator.data());
    let (bundle, from_export) = read_bundle(dir.path()).await;

    let key = |all: &Everything| -> BTreeSet<(ObjectKind, Option<String>, String)> {
        all.rejects
            .iter()
            .map(|r| (r.kind, r.source_id.clone(), r.field.clone()))
            .collect()
    };
    assert_eq!(key(&from_export), key(&from_api));
    assert_eq!(
        canonical_order(Everything {
            rejects: Vec::new(),
            ..from_export.clone()
        }),
        canonical_order(Everything {
            rejects: Vec::new(),
            ..from_api
        })
    );
    // The export names where each bad record is.
    for reject in from_export.primary_rejects() {
        assert!(reject.reason.contains(".jsonl line "), "{reject}");
    }
    let declared = bundle.declared_counts().await.unwrap();
    assert_accounts_for(&from_export, &declared, "export with malformed records");
}

/// Replaces line `number` (1-based) of `file` in the bundle with `line`.
fn damage(dir: &Path, file: &str, number: usize, line: impl FnOnce(&[u8]) -> Vec<u8>) {
    let path = dir.join(file);
    let bytes = std::fs::read(&path).unwrap();
    let mut lines: Vec<Vec<u8>> = bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    lines[number - 1] = line(&lines[number - 1]);
    std::fs::write(&path, lines.join(&b'\n')).unwrap();
}

#[tokio::test]
async fn damaged_lines_are_rejected_by_file_and_line_and_counts_reconcile() {
    let data = StamesData::generate(21, 20, 0);
    let dir = write_bundle(&data);
    // A customer whose name is not UTF-8, and a ticket cut off mid-line.
    damage(dir.path(), "customers.jsonl", 3, |line| {
        let at = line.windows(7).position(|w| w == b"\"name\":").unwrap() + 8;
        [&line[..at], b"\xff\xfe", &line[at..]].concat()
    });
    damage(dir.path(), "tickets.jsonl", 5, |line| {
        line[..line.len() / 2].to_vec()
    });

    let (bundle, all) = read_bundle(dir.path()).await;

    let customer = data.customers[2].id.unwrap().to_string();
    let ticket = data.tickets[4].ticket.id.unwrap().to_string();
    let line_rejects: Vec<_> = all
        .rejects
        .iter()
        .filter(|r| r.field.starts_with("line "))
        .collect();
    assert_eq!(line_rejects.len(), 2, "{line_rejects:?}");
    assert_eq!(
        (
            line_rejects[0].kind,
            line_rejects[0].source_id.as_deref(),
            line_rejects[0].field.as_str()
        ),
        (
            ObjectKind::Customers,
            Some(customer.as_str()),
            "line 3 of customers.jsonl"
        )
    );
    assert!(
        line_rejects[0].reason.contains("UTF-8"),
        "{}",
        line_rejects[0]
    );
    assert_eq!(
        (
            line_rejects[1].kind,
            line_rejects[1].source_id.as_deref(),
            line_rejects[1].field.as_str()
        ),
        (
            ObjectKind::Tickets,
            Some(ticket.as_str()),
            "line 5 of tickets.jsonl"
        )
    );
    assert!(
        line_rejects[1].reason.contains("not valid JSON"),
        "{}",
        line_rejects[1]
    );

    // Reading went on: the other records are all there, and the lost
    // ticket's messages are rejected as orphans instead of vanishing.
    assert_eq!(all.customers.len(), data.customers.len() - 1);
    assert_eq!(all.threads.len(), data.tickets.len() - 1);
    let orphans = all
        .rejects
        .iter()
        .filter(|r| r.reason.contains("orphan"))
        .count();
    assert_eq!(orphans, data.tickets[4].messages.len());
    let declared = bundle.declared_counts().await.unwrap();
    assert_accounts_for(&all, &declared, "damaged export");
}

#[tokio::test]
async fn a_bundle_is_checked_when_opened() {
    let data = StamesData::generate(2, 3, 0);
    let dir = write_bundle(&data);
    let manifest = dir.path().join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();

    std::fs::write(&manifest, text.replace("\"version\": 1", "\"version\": 2")).unwrap();
    let message = ExportBundle::open(dir.path()).unwrap_err().to_string();
    assert!(
        message.contains("version 2") && message.contains("version 1"),
        "{message}"
    );

    std::fs::write(&manifest, text.replace("stames-export", "zendesk-export")).unwrap();
    let message = ExportBundle::open(dir.path()).unwrap_err().to_string();
    assert!(message.contains("not a Stames export"), "{message}");

    std::fs::write(&manifest, &text).unwrap();
    std::fs::remove_file(dir.path().join("tags.jsonl")).unwrap();
    let message = ExportBundle::open(dir.path()).unwrap_err().to_string();
    assert!(message.contains("tags.jsonl"), "{message}");

    std::fs::remove_file(&manifest).unwrap();
    let message = ExportBundle::open(dir.path()).unwrap_err().to_string();
    assert!(message.contains("no manifest.json"), "{message}");
}

#[tokio::test]
async fn a_missing_attachment_file_is_named_when_opened() {
    let data = StamesData::generate(4, 10, 0);
    let dir = write_bundle(&data);
    let (bundle, all) = read_bundle(dir.path()).await;
    let attachment = all
        .threads
        .iter()
        .flat_map(|t| &t.messages)
        .flat_map(|m| &m.attachments)
        .find(|a| !a.requires_auth)
        .expect("the workspace has a downloadable attachment")
        .clone();
    std::fs::remove_file(dir.path().join("attachments").join(&attachment.id)).unwrap();

    let error = bundle.open_attachment(&attachment).await.err().unwrap();
    let message = error.to_string();
    for part in [
        &attachment.id,
        &attachment.message_id,
        &attachment.ticket_id,
    ] {
        assert!(message.contains(part.as_str()), "{message}");
    }
    assert!(message.contains("missing"), "{message}");

    let mut sneaky = attachment;
    sneaky.id = "../manifest.json".into();
    assert!(bundle.open_attachment(&sneaky).await.is_err());
}
