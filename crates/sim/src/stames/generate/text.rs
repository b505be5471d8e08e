//! Message bodies, built once and rendered twice: as the HTML Stames stores in
//! `body_html` and as the plain `body_text` it derives from it.
//!
//! Building a small block tree instead of concatenating strings keeps the two
//! renderings consistent: every character a reader finds in `body_text`
//! appears, entity-encoded where HTML needs it, in `body_html`.

/// A piece of running text.
#[derive(Debug, Clone)]
pub enum Inline {
    Text(String),
    Bold(String),
    Link { text: String, href: String },
}

/// A block of a message body.
#[derive(Debug, Clone)]
pub enum Block {
    /// `<p>…</p>`.
    Para(Vec<Inline>),
    /// Right-to-left paragraph, `<p dir="rtl">…</p>`.
    Rtl(String),
    /// Lines joined with `<br>`, e.g. a signature.
    Lines(Vec<String>),
    /// An inline image; the `src` is the attachment's CDN URL.
    Image { src: String, alt: String },
    /// A quoted earlier message.
    Quote(String),
}

#[derive(Debug, Clone, Default)]
pub struct Body {
    pub blocks: Vec<Block>,
}

/// Escapes text for HTML the way rich-text editors do, including the
/// non-breaking space as `&nbsp;` and the apostrophe as `&#39;`, so readers meet
/// named and numeric entities.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            _ => out.push(c),
        }
    }
    out
}

impl Body {
    pub fn para(&mut self, text: impl Into<String>) -> &mut Body {
        self.blocks
            .push(Block::Para(vec![Inline::Text(text.into())]));
        self
    }

    pub fn push(&mut self, block: Block) -> &mut Body {
        self.blocks.push(block);
        self
    }

    /// The plain-text rendering: blocks separated by a blank line, links as
    /// `text (href)`, images as `[image: alt]`.
    pub fn text(&self) -> String {
        let mut parts = Vec::with_capacity(self.blocks.len());
        for block in &self.blocks {
            parts.push(match block {
                Block::Para(inlines) => inlines
                    .iter()
                    .map(|inline| match inline {
                        Inline::Text(t) | Inline::Bold(t) => t.clone(),
                        Inline::Link { text, href } => format!("{text} ({href})"),
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
                Block::Rtl(text) => text.clone(),
                Block::Lines(lines) => lines.join("\n"),
                Block::Image { alt, .. } => format!("[image: {alt}]"),
                Block::Quote(text) => text
                    .lines()
                    .map(|line| format!("> {line}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            });
        }
        parts.join("\n\n")
    }

    /// The HTML rendering.
    pub fn html(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Para(inlines) => {
                    out.push_str("<p>");
                    for (i, inline) in inlines.iter().enumerate() {
                        if i > 0 {
                            out.push(' ');
                        }
                        match inline {
                            Inline::Text(t) => out.push_str(&escape_html(t)),
                            Inline::Bold(t) => {
                                out.push_str("<strong>");
                                out.push_str(&escape_html(t));
                                out.push_str("</strong>");
                            }
                            Inline::Link { text, href } => {
                                out.push_str("<a href=\"");
                                out.push_str(&escape_html(href));
                                out.push_str("\" target=\"_blank\">");
                                out.push_str(&escape_html(text));
                                out.push_str("</a>");
                            }
                        }
                    }
                    out.push_str("</p>");
                }
                Block::Rtl(text) => {
                    out.push_str("<p dir=\"rtl\">");
                    out.push_str(&escape_html(text));
                    out.push_str("</p>");
                }
                Block::Lines(lines) => {
                    out.push_str("<p>");
                    let escaped: Vec<String> = lines.iter().map(|l| escape_html(l)).collect();
                    out.push_str(&escaped.join("<br>"));
                    out.push_str("</p>");
                }
                Block::Image { src, alt } => {
                    out.push_str("<p><img src=\"");
                    out.push_str(&escape_html(src));
                    out.push_str("\" alt=\"");
                    out.push_str(&escape_html(alt));
                    out.push_str("\"></p>");
                }
                Block::Quote(text) => {
                    out.push_str("<blockquote>");
                    let escaped: Vec<String> = text.lines().map(escape_html).collect();
                    out.push_str(&escaped.join("<br>"));
                    out.push_str("</blockquote>");
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_text_and_html_consistently() {
        let mut body = Body::default();
        body.para("Q&A <now> at 10\u{a0}€, it's \"fine\"");
        body.push(Block::Para(vec![
            Inline::Text("Track it".into()),
            Inline::Link {
                text: "here".into(),
                href: "https://x.example/?a=1&b=2".into(),
            },
        ]));
        body.push(Block::Rtl("שלום".into()));
        body.push(Block::Lines(vec!["Best,".into(), "Zoë".into()]));
        body.push(Block::Image {
            src: "https://files.example/1/a%20b.png".into(),
            alt: "a b.png".into(),
        });
        assert_eq!(
            body.text(),
            "Q&A <now> at 10\u{a0}€, it's \"fine\"\n\nTrack it here (https://x.example/?a=1&b=2)\n\nשלום\n\nBest,\nZoë\n\n[image: a b.png]"
        );
        assert_eq!(
            body.html(),
            "<p>Q&amp;A &lt;now&gt; at 10&nbsp;€, it&#39;s &quot;fine&quot;</p>\
             <p>Track it <a href=\"https://x.example/?a=1&amp;b=2\" target=\"_blank\">here</a></p>\
             <p dir=\"rtl\">שלום</p><p>Best,<br>Zoë</p>\
             <p><img src=\"https://files.example/1/a%20b.png\" alt=\"a b.png\"></p>"
        );
    }
}
