//! `deskshift discover` writes the discovery deliverables (issue 7) for both
//! destinations; their figures must match what the Stames emulator holds.

use deskshift_core::deliverables::Deliverables;
use deskshift_sim::stames::StamesData;
use std::path::Path;

mod common;

use common::Sim;

const SEED: u64 = 7;
const TICKETS: u64 = 200;

fn run_ok(project: &Path, args: &[&str]) {
    let out = common::deskshift(project, args)
        .output()
        .expect("run deskshift");
    assert!(
        out.status.success(),
        "{args:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn discover_deliverables(sim: &Sim, dest: &str) -> (tempfile::TempDir, Deliverables) {
    let project = tempfile::tempdir().unwrap();
    run_ok(
        project.path(),
        &["init", "--dest", dest, "--source-url", &sim.url],
    );
    run_ok(project.path(), &["discover", "--json"]);
    let reports = project.path().join("reports");
    let json = std::fs::read_to_string(reports.join("deliverables.json"))
        .expect("discover writes reports/deliverables.json");
    let deliverables = serde_json::from_str(&json).expect("deliverables.json parses");
    (project, deliverables)
}

#[test]
fn discover_writes_every_deliverable_with_the_emulators_figures() {
    let tickets = TICKETS.to_string();
    let seed = SEED.to_string();
    let sim = Sim::start(&[
        "stames",
        "--port",
        "0",
        "--tickets",
        &tickets,
        "--seed",
        &seed,
        "--budget",
        "100000/60",
    ]);
    let data = StamesData::generate(SEED, TICKETS as usize, 0);
    for dest in ["gorgias", "salesforce"] {
        let (project, d) = discover_deliverables(&sim, dest);
        let reports = project.path().join("reports");

        // Scope: attachments as the emulator holds them.
        let files: Vec<_> = data.attachments().collect();
        assert_eq!(d.scope.attachments.count, files.len() as u64, "{dest}");
        assert_eq!(
            d.scope.attachments.total_bytes,
            data.attachment_bytes_total()
        );
        let largest = files.iter().map(|(_, _, a)| a.size).max().unwrap_or(0);
        assert_eq!(
            d.scope.attachments.largest.first().map(|f| f.size_bytes),
            Some(largest)
        );
        assert!(!d.scope.counts.is_empty());
        assert_eq!(
            d.scope.field_mapping.len(),
            data.custom_fields.len(),
            "one mapping row per custom field"
        );

        // Compatibility: twelve rows and the headline.
        assert_eq!(d.compatibility.rows.len(), 12);
        assert!(d.compatibility.headline.contains("of 12 objects map 1:1"));
        assert!(!d.complexity.grade.is_empty() && !d.complexity.reasons.is_empty());

        // ETA: one ticket create per ticket at least (Gorgias), or Cases loaded.
        assert_eq!(d.eta.projection.tickets, TICKETS);
        assert!(d.eta.projection.total_calls > 0);

        // Automations: every one the emulator holds, by id.
        assert_eq!(d.automations.automations, data.automations.len());
        for automation in &data.automations {
            let id = automation.id.map(|i| i.to_string()).unwrap_or_default();
            assert!(
                d.automations
                    .entries
                    .iter()
                    .any(|e| e.origin == "automation" && e.id == id),
                "{dest}: automation {id} missing"
            );
        }

        // Checklists: every agent before a migration; channels to reconnect.
        assert_eq!(d.checklists.agents.agents.len(), data.agents.len());
        assert_eq!(d.checklists.agents.basis, "discovery");
        assert!(!d.checklists.portal.is_empty());

        // Preflight: discovery does not ask the destination.
        assert!(!d.preflight.checked);

        // The Markdown and HTML pages carry every section.
        let md = std::fs::read_to_string(reports.join("deliverables.md")).unwrap();
        let html = std::fs::read_to_string(reports.join("deliverables.html")).unwrap();
        for section in [
            "1. Scope",
            "2. Compatibility",
            "3. ETA",
            "4. Automation inventory",
            "5. Checklists",
            "6. Preflight",
        ] {
            assert!(md.contains(section), "{dest}: {section} missing in md");
            assert!(html.contains(section), "{dest}: {section} missing in html");
        }
        assert!(!html.to_ascii_lowercase().contains("<script"));
        assert!(html.contains("class=\"grade\""));
    }
}
