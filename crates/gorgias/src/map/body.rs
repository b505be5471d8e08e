//! Message bodies: attachment URLs rewritten, unmigrated files announced,
//! empty bodies given a placeholder.
//!
//! Stames bodies point at files on Stames's CDN (`<img src=…>` for inline
//! images, links for others). After upload those URLs are replaced by the
//! Gorgias URLs, in the text and in the HTML (where the URL may appear with
//! `&` escaped as `&amp;`), so nothing in Gorgias points back at Stames.

use super::Repair;

/// The text of a message that had none in Stames, and no attachment either;
/// Gorgias refuses an empty message.
pub const EMPTY_PLACEHOLDER: &str = "(This message had no text in Stames.)";

/// A message body as Gorgias gets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub text: String,
    pub html: Option<String>,
}

/// A file the message had in Stames that is not in Gorgias, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingFile {
    pub name: String,
    pub reason: String,
}

/// The announcement placed in a message for a file that could not move.
pub fn missing_notice(file: &MissingFile) -> String {
    format!(
        "[Attachment “{}” could not be migrated: {}]",
        file.name, file.reason
    )
}

/// Builds the body: `urls` are (Stames URL, Gorgias URL) pairs; `attached`
/// says whether the message keeps at least one file.
pub fn body(
    text: &str,
    html: Option<&str>,
    urls: &[(String, String)],
    missing: &[MissingFile],
    attached: bool,
) -> (Body, Option<Repair>) {
    let mut text = rewrite(text, urls);
    let mut html = html
        .map(|h| rewrite(h, urls))
        .filter(|h| !h.trim().is_empty());
    let mut repair = None;
    if !missing.is_empty() {
        let notices: Vec<String> = missing.iter().map(missing_notice).collect();
        if !text.trim().is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&notices.join("\n"));
        if let Some(html) = &mut html {
            for notice in &notices {
                html.push_str(&format!("<p>{}</p>", escape_html(notice)));
            }
        }
    }
    let empty =
        text.trim().is_empty() && html.as_deref().is_none_or(|h| visible_text(h).is_empty());
    if empty && !attached {
        text = EMPTY_PLACEHOLDER.to_string();
        html = None;
        repair = Some(Repair::new(
            "body",
            "the message had no text and no attachment; a placeholder text was written",
        ));
    }
    (Body { text, html }, repair)
}

/// `text` with every Stames URL replaced by its Gorgias URL, raw and
/// HTML-escaped.
pub fn rewrite(text: &str, urls: &[(String, String)]) -> String {
    let mut out = text.to_string();
    for (from, to) in urls {
        if from.is_empty() {
            continue;
        }
        out = out.replace(from.as_str(), to);
        let escaped = from.replace('&', "&amp;");
        if escaped != *from {
            out = out.replace(&escaped, &to.replace('&', "&amp;"));
        }
    }
    out
}

/// The characters a reader would see in `html` (tags removed), trimmed.
/// An `<img>` counts as something to see.
fn visible_text(html: &str) -> String {
    if html.contains("<img") {
        return "[image]".into();
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ").trim().to_string()
}

pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> Vec<(String, String)> {
        vec![(
            "https://files.stames.app/acc/9/a.png?x=1&y=2".to_string(),
            "https://cdn.gorgias.io/u/a.png".to_string(),
        )]
    }

    #[test]
    fn inline_images_and_links_point_at_gorgias() {
        let html = r#"<p>See</p><img src="https://files.stames.app/acc/9/a.png?x=1&amp;y=2">"#;
        let text = "See https://files.stames.app/acc/9/a.png?x=1&y=2";
        let (body, repair) = body(text, Some(html), &urls(), &[], true);
        assert_eq!(body.text, "See https://cdn.gorgias.io/u/a.png");
        assert_eq!(
            body.html.as_deref(),
            Some(r#"<p>See</p><img src="https://cdn.gorgias.io/u/a.png">"#)
        );
        assert!(repair.is_none());
    }

    #[test]
    fn a_file_that_could_not_move_is_announced_in_the_message() {
        let missing = [MissingFile {
            name: "contract.pdf".into(),
            reason: "stored behind authentication in Stames".into(),
        }];
        let (body, repair) = body(
            "Here it is",
            Some("<p>Here it is</p>"),
            &[],
            &missing,
            false,
        );
        assert!(body.text.ends_with(
            "[Attachment “contract.pdf” could not be migrated: stored behind authentication in Stames]"
        ));
        assert!(body.html.unwrap().contains("contract.pdf"));
        assert!(repair.is_none(), "the notice is text enough");
    }

    #[test]
    fn an_empty_message_gets_a_placeholder_and_a_repair() {
        let (body, repair) = body("  ", Some("<p>&nbsp;</p>"), &[], &[], false);
        assert_eq!(body.text, EMPTY_PLACEHOLDER);
        assert_eq!(body.html, None);
        assert_eq!(repair.unwrap().field, "body");
        // An empty body with a file is fine as it is.
        let (body, repair) = body_with_file();
        assert!(body.text.is_empty() && repair.is_none());
    }

    fn body_with_file() -> (Body, Option<Repair>) {
        body("", None, &[], &[], true)
    }

    #[test]
    fn an_inline_image_alone_is_content() {
        let (body, repair) = body("", Some("<img src=\"x\">"), &[], &[], false);
        assert!(repair.is_none());
        assert!(body.html.is_some());
    }
}
