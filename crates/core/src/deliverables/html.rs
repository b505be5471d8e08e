//! `reports/deliverables.html`: one self-contained page (inline CSS, no
//! script, no external asset) a person opens and reads. Every piece of
//! source text is escaped: names of automations, agents and files come from
//! the source and may hold anything.

use super::outline::{render, render_blocks, Block, Sink};
use super::Deliverables;
use std::fmt::Write;

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:72rem;\
padding:0 1rem;color:#1d232a}h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ccd}\
table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}th,td{border:1px solid #ccd;\
padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#eef1f5}\
tr:nth-child(even) td{background:#f8f9fb}.grade{display:inline-flex;align-items:center;gap:1rem;\
border:2px solid #345;border-radius:.5rem;padding:.5rem 1rem;margin:.5rem 0}\
.grade b{font-size:3rem;line-height:1}.grade span{font-size:1.2rem}h3{margin:1.5rem 0 .3rem}\
td{overflow-wrap:anywhere}td.n{text-align:right;white-space:nowrap;overflow-wrap:normal}code{font:.9em ui-monospace,monospace;background:#eef1f5;\
padding:0 .2em;border-radius:.2em}";

pub fn render_html(d: &Deliverables) -> String {
    let mut page = Html::default();
    render(d, &mut page);
    page.finish()
}

/// `blocks` as one self-contained page, styled like the deliverables.
pub fn page(blocks: Vec<Block>) -> String {
    let mut page = Html::default();
    render_blocks(blocks, &mut page);
    page.finish()
}

impl Html {
    fn finish(self) -> String {
        let page = self;
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head>\n<body>\n{}</body></html>\n",
            page.title, page.body
        )
    }
}

/// Writing to a String cannot fail; the results are ignored on purpose.
#[derive(Default)]
struct Html {
    title: String,
    body: String,
}

impl Sink for Html {
    fn title(&mut self, t: &str) {
        self.title = escape(t);
        let _ = writeln!(self.body, "<h1>{}</h1>", self.title);
    }

    fn heading(&mut self, t: &str) {
        let _ = writeln!(self.body, "<h2>{}</h2>", escape(t));
    }

    fn subheading(&mut self, t: &str) {
        let _ = writeln!(self.body, "<h3>{}</h3>", escape(t));
    }

    fn paragraph(&mut self, t: &str) {
        let _ = writeln!(self.body, "<p>{}</p>", text(t));
    }

    fn grade(&mut self, grade: &str, label: &str, points: u32) {
        let _ = writeln!(
            self.body,
            "<div class=\"grade\"><b>{}</b><span>Complexity: {}<br>{points} points</span></div>",
            escape(grade),
            escape(label)
        );
    }

    fn bullets(&mut self, items: &[String]) {
        let _ = writeln!(self.body, "<ul>");
        for item in items {
            let _ = writeln!(self.body, "<li>{}</li>", text(item));
        }
        let _ = writeln!(self.body, "</ul>");
    }

    fn table(&mut self, head: &[&str], rows: &[Vec<String>]) {
        let w = &mut self.body;
        let _ = write!(w, "<table><thead><tr>");
        for h in head {
            let _ = write!(w, "<th>{}</th>", escape(h));
        }
        let _ = writeln!(w, "</tr></thead><tbody>");
        for row in rows {
            let _ = write!(w, "<tr>");
            for c in row {
                let class = if numeric(c) { " class=\"n\"" } else { "" };
                let _ = write!(w, "<td{class}>{}</td>", text(c).replace('\n', "<br>"));
            }
            let _ = writeln!(w, "</tr>");
        }
        let _ = writeln!(w, "</tbody></table>");
    }
}

/// Prose: escaped, with `backticked` commands and names as code.
fn text(s: &str) -> String {
    let escaped = escape(s);
    let parts: Vec<&str> = escaped.split('`').collect();
    if parts.len() < 3 || parts.len() % 2 == 0 {
        return escaped;
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_string()
            }
        })
        .collect()
}

/// Whether a table cell is a figure (right-aligned): a number, a
/// percentage, or a number with its unit.
fn numeric(cell: &str) -> bool {
    const UNITS: [&str; 9] = [
        " %", " s", " min", " h", " days", " B", " KiB", " MiB", " GiB",
    ];
    let figure = UNITS
        .iter()
        .find_map(|unit| cell.strip_suffix(unit))
        .unwrap_or(cell);
    let figure = figure.strip_prefix(['+', '-']).unwrap_or(figure);
    !figure.is_empty()
        && figure.starts_with(|c: char| c.is_ascii_digit())
        && figure
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
}

/// Text made safe inside HTML elements and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliverables::{build, fixture, Inputs, Target};

    #[test]
    fn escapes_hostile_text() {
        assert_eq!(
            escape(fixture::HOSTILE),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"
        );
    }

    #[test]
    fn figures_are_right_aligned_and_commands_are_code() {
        for figure in ["12", "+3.5 %", "-50.0 %", "9.5 MiB", "24.8 s", "1,200"] {
            assert!(numeric(figure), "{figure}");
        }
        for word in ["", "ticket", "a1", "1:1", "—", "4 of 12", "%"] {
            assert!(!numeric(word), "{word}");
        }
        assert_eq!(
            text("run `deskshift report` <now>"),
            "run <code>deskshift report</code> &lt;now&gt;"
        );
        assert_eq!(text("an odd ` backtick"), "an odd ` backtick");
    }

    #[test]
    fn the_page_is_self_contained_and_inert() {
        for target in [Target::Gorgias, Target::Salesforce] {
            let d = build(&fixture::scope(), target, &Inputs::default()).unwrap();
            let html = render_html(&d);
            assert!(html.starts_with("<!DOCTYPE html>"));
            let lower = html.to_ascii_lowercase();
            assert!(!lower.contains("<script"), "a script tag got through");
            for external in ["src=", "href=", "@import", "url("] {
                assert!(
                    !lower.contains(external),
                    "{external} in a self-contained page"
                );
            }
            assert!(html.contains("class=\"grade\""));
            assert!(html.contains(&format!("<b>{}</b>", d.complexity.grade)));
            assert!(html.contains("&lt;script&gt;"));
        }
    }
}
