//! The field map through the binary: the confirmation gate refuses
//! `prepare` and `migrate` (exit 4, naming the command to run) while the map
//! is missing, unconfirmed, or edited since it was confirmed; a broken
//! `mapping.toml` names the line and the key; `confirm` refuses a map the
//! destination cannot take; `propose` keeps a person's edits.

use crate::common;

use common::{deskshift, init_gorgias, run_ok as ok, Sim};
use std::path::Path;
use std::process::Output;

fn run(project: &Path, args: &[&str]) -> Output {
    deskshift(project, args).output().unwrap()
}

/// Runs `args`, expects exit `code`, returns stderr.
fn fails(project: &Path, args: &[&str], code: i32) -> String {
    let out = run(project, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "deskshift {}: {stderr}",
        args.join(" ")
    );
    stderr
}

/// A discovered Gorgias project on two emulators (kept alive by the caller).
fn discovered(dir: &Path) -> (Sim, Sim) {
    let stames = Sim::start(&["stames", "--port", "0", "--tickets", "8", "--seed", "4"]);
    let gorgias = Sim::start(&["gorgias", "--port", "0", "--budget", "400/2"]);
    init_gorgias(dir, &stames, &gorgias, "400/2");
    ok(dir, &["discover"]);
    (stames, gorgias)
}

fn mapping(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("mapping.toml")).unwrap()
}

fn write_mapping(dir: &Path, text: &str) {
    std::fs::write(dir.join("mapping.toml"), text).unwrap();
}

/// `text` with the first `from` replaced by `to`, and the 1-based line it is on.
fn edit(text: &str, from: &str, to: &str) -> (String, usize) {
    let at = text
        .find(from)
        .unwrap_or_else(|| panic!("{from:?} not in mapping.toml"));
    let line = text[..at].matches('\n').count() + 1;
    (text.replacen(from, to, 1), line)
}

#[test]
fn the_gate_refuses_an_unconfirmed_and_an_edited_map() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    let _sims = discovered(project);

    let why = fails(project, &["migrate"], 4);
    assert!(why.contains("deskshift map propose"), "{why}");

    let proposed = ok(project, &["map", "propose"]);
    assert!(proposed.contains("deskshift map confirm"), "{proposed}");
    for command in [&["migrate"][..], &["prepare"], &["plan"]] {
        let why = fails(project, command, 4);
        assert!(
            why.contains("not been confirmed") && why.contains("deskshift map confirm"),
            "{why}"
        );
    }

    let confirmed = ok(project, &["map", "confirm"]);
    assert!(confirmed.contains("Confirmed"), "{confirmed}");
    let shown = ok(project, &["map", "show"]);
    assert!(
        shown.contains("confirmed") && shown.contains("tickets.subject"),
        "{shown}"
    );

    // A person changes a value map: Stames `solved` stays open in Gorgias.
    let (edited, _) = edit(
        &mapping(project),
        "solved = { to = \"closed\"",
        "solved = { to = \"open\"",
    );
    write_mapping(project, &edited);
    let why = fails(project, &["migrate"], 4);
    assert!(
        why.contains("changed since it was confirmed") && why.contains("deskshift map diff"),
        "{why}"
    );
    assert!(
        why.contains("solved"),
        "the refusal names the change: {why}"
    );
    let diff = ok(project, &["map", "diff"]);
    assert!(
        diff.contains("value_maps.ticket_status: \"solved\" → \"open\" (was \"closed\")"),
        "{diff}"
    );

    ok(project, &["map", "confirm"]);
    assert!(ok(project, &["map", "diff"]).contains("No changes"));

    // With the map confirmed, plan runs offline and writes its reports.
    let planned = ok(project, &["plan"]);
    assert!(planned.contains("Nothing was written"), "{planned}");
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project.join("reports/plan.json")).unwrap())
            .unwrap();
    assert!(
        plan["objects"]["tickets"]["create"].as_u64().unwrap() > 0,
        "{plan}"
    );
    assert!(std::fs::read_to_string(project.join("reports/plan.md"))
        .unwrap()
        .contains("## Records"));
    ok(project, &["prepare"]);
}

#[test]
fn a_broken_mapping_toml_names_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    let _sims = discovered(project);
    ok(project, &["map", "propose"]);
    let proposed = mapping(project);

    // A transform the library does not have.
    let (text, line) = edit(
        &proposed,
        "transform = \"tag_normalise\"",
        "transform = \"shout\"",
    );
    write_mapping(project, &text);
    for command in [&["map", "confirm"][..], &["map", "show"]] {
        let why = fails(project, command, 2);
        assert!(why.contains(&format!("line {line}")), "{why}");
        assert!(why.contains("unknown transform `shout`"), "{why}");
        assert!(why.contains(".transform`"), "the key is named: {why}");
    }
    // The gate refuses too, and says why.
    let why = fails(project, &["migrate"], 4);
    assert!(why.contains(&format!("line {line}")), "{why}");

    // A misspelt key.
    let (text, line) = edit(&proposed, "\nreason = ", "\nreasn = ");
    write_mapping(project, &text);
    let why = fails(project, &["map", "confirm"], 2);
    assert!(
        why.contains("reasn") && why.contains(&format!("line {}", line + 1)),
        "{why}"
    );

    // A field the destination does not have: confirm names it and suggests.
    let (text, line) = edit(
        &proposed,
        "to = \"Ticket.subject\"",
        "to = \"Ticket.subjekt\"",
    );
    write_mapping(project, &text);
    let why = fails(project, &["map", "confirm"], 2);
    assert!(why.contains(&format!("line {line}")), "{why}");
    assert!(why.contains("did you mean Ticket.subject?"), "{why}");
    assert!(why.contains("nothing was confirmed"), "{why}");

    // A dropped row: nothing may be left behind silently.
    let start = proposed.find("[[tickets]]\nfield = \"subject\"").unwrap();
    let end = start + proposed[start..].find("\n\n").unwrap();
    let mut text = proposed.clone();
    text.replace_range(start..end, "");
    write_mapping(project, &text);
    let why = fails(project, &["map", "confirm"], 2);
    assert!(
        why.contains("`tickets.subject`: no row for this Stames field"),
        "{why}"
    );
}

#[test]
fn propose_keeps_a_persons_edits_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    let _sims = discovered(project);
    ok(project, &["map", "propose"]);
    // Unchanged: proposing again is harmless.
    ok(project, &["map", "propose"]);
    let (edited, _) = edit(
        &mapping(project),
        "reason = \"no team mapping in the standard map\"",
        "reason = \"we have no teams\"",
    );
    write_mapping(project, &edited);
    let why = fails(project, &["map", "propose"], 2);
    assert!(why.contains("--force"), "{why}");
    assert_eq!(mapping(project), edited, "the edit is kept");
    ok(project, &["map", "propose", "--force"]);
    assert_ne!(mapping(project), edited);
}
