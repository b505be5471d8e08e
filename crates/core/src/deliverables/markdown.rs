//! `reports/deliverables.md`. Source text may hold anything, so angle
//! brackets are escaped (a Markdown viewer would otherwise render `<script>`
//! as HTML) and table cells cannot break their row.

use super::outline::{render, render_blocks, Block, Sink};
use super::Deliverables;
use std::fmt::Write;

pub fn render_markdown(d: &Deliverables) -> String {
    let mut page = Markdown(String::new());
    render(d, &mut page);
    page.0
}

/// `blocks` as Markdown, written like the deliverables.
pub fn page(blocks: Vec<Block>) -> String {
    let mut page = Markdown(String::new());
    render_blocks(blocks, &mut page);
    page.0
}

/// Writing to a String cannot fail; the results are ignored on purpose.
struct Markdown(String);

impl Sink for Markdown {
    fn title(&mut self, t: &str) {
        let _ = writeln!(self.0, "# {}\n", text(t));
    }

    fn heading(&mut self, t: &str) {
        let _ = writeln!(self.0, "## {}\n", text(t));
    }

    fn subheading(&mut self, t: &str) {
        let _ = writeln!(self.0, "### {}\n", text(t));
    }

    fn paragraph(&mut self, t: &str) {
        let _ = writeln!(self.0, "{}\n", text(t));
    }

    fn grade(&mut self, grade: &str, label: &str, points: u32) {
        let _ = writeln!(
            self.0,
            "**Complexity: {} — {}** ({points} points)\n",
            text(grade),
            text(label)
        );
    }

    fn bullets(&mut self, items: &[String]) {
        for item in items {
            let _ = writeln!(self.0, "- {}", text(item));
        }
        let _ = writeln!(self.0);
    }

    fn table(&mut self, head: &[&str], rows: &[Vec<String>]) {
        let w = &mut self.0;
        let _ = writeln!(w, "| {} |", head.join(" | "));
        let _ = writeln!(w, "|{}", "---|".repeat(head.len()));
        for row in rows {
            let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
            let _ = writeln!(w, "| {} |", cells.join(" | "));
        }
        let _ = writeln!(w);
    }
}

/// Source text made inert for Markdown.
fn text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A table cell: inert, on one row (line breaks become `<br>`, which
/// Markdown tables render), pipes escaped.
fn cell(s: &str) -> String {
    let cell = text(&s.replace('\r', ""))
        .replace('|', "\\|")
        .replace('\n', "<br>");
    if cell.is_empty() {
        " ".into()
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliverables::{build, fixture, Inputs, Target};

    #[test]
    fn every_section_is_present_and_hostile_text_is_inert() {
        let d = build(&fixture::scope(), Target::Gorgias, &Inputs::default()).unwrap();
        let md = render_markdown(&d);
        for section in [
            "## 1. Scope",
            "## 2. Compatibility",
            "### Complexity",
            "## 3. ETA",
            "## 4. Automation inventory",
            "## 5. Checklists",
            "## 6. Preflight",
        ] {
            assert!(md.contains(section), "{section} missing");
        }
        assert!(!md.contains("<script>"), "raw script tag in Markdown");
        assert!(md.contains("&lt;script&gt;"));
    }

    #[test]
    fn cells_stay_on_one_row() {
        assert_eq!(cell("a|b\r\nc"), "a\\|b<br>c");
        assert_eq!(cell("<br>"), "&lt;br&gt;", "source text stays inert");
        assert_eq!(cell(""), " ");
    }
}
