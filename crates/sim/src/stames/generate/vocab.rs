//! Word lists the generator draws from. They are chosen to hit the cases a
//! migration gets wrong in practice: accents, apostrophes, CJK, right-to-left
//! scripts, emoji (including ZWJ sequences), HTML-significant characters, and
//! tag spellings that differ only in case, spacing or punctuation.

/// Given names; mixed scripts and diacritics on purpose.
pub const FIRST_NAMES: &[&str] = &[
    "Ana",
    "Zoë",
    "Renée",
    "José",
    "Björn",
    "Łukasz",
    "Siobhán",
    "Chloé",
    "Mohammed",
    "Aïsha",
    "Søren",
    "Ólafur",
    "Priya",
    "Kwame",
    "Mei",
    "Dmitri",
    "Fatima",
    "Hiroshi",
    "Lucía",
    "Noah",
    "Emma",
    "Liam",
    "Olivia",
    "Jürgen",
    "François",
    "Inès",
    "Tomás",
    "Yuki",
    "Amélie",
    "Grace",
    "Oliver",
    "Sofia",
    "Mateo",
    "Hannah",
    "Ravi",
    "Ngozi",
];

/// Family names; apostrophes, particles and diacritics on purpose.
pub const LAST_NAMES: &[&str] = &[
    "Ångström",
    "O'Connor",
    "García",
    "Müller",
    "Nowak",
    "Dubois",
    "Rossi",
    "Silva",
    "Kowalski",
    "Andersson",
    "Smith",
    "Johnson",
    "Nakamura",
    "Okafor",
    "Haddad",
    "Ní Bhriain",
    "van der Berg",
    "Øvergaard",
    "Papadopoulos",
    "Schäfer",
    "Çelik",
    "Đorđević",
    "Fernández",
    "Brown",
    "Wilson",
    "Lee",
    "Kim",
    "d'Almeida",
];

/// Whole names that do not split into Latin given + family name, with the
/// ASCII e-mail local part a person with that name might use.
pub const WHOLE_NAMES: &[(&str, &str)] = &[
    ("李雷", "li.lei"),
    ("韩梅梅", "hanmeimei"),
    ("山田太郎", "taro.yamada"),
    ("김민준", "minjun.kim"),
    ("Алексей Смирнов", "a.smirnov"),
    ("Ελένη Παπαδοπούλου", "eleni.p"),
    ("محمد الأحمد", "m.alahmad"),
    ("דוד לוי", "david.levi"),
    ("Sam 🌻", "sam.sunflower"),
    ("Kate ✨ Miller", "kate.miller"),
    ("🎧 DJ Rico", "djrico"),
];

/// Personal mail domains; all reserved for documentation (RFC 2606) so no
/// generated address can ever reach a real mailbox.
pub const MAIL_DOMAINS: &[&str] = &[
    "example.com",
    "example.net",
    "example.org",
    "mail.example",
    "post.example.org",
];

/// Companies customers belong to.
pub const COMPANIES: &[&str] = &[
    "Northwind Traders",
    "Globex Corporation",
    "Initech GmbH",
    "Société Générale des Tentes",
    "株式会社サンプル",
    "Umbrella Outfitters",
    "Vandelay Industries",
    "Müller & Söhne KG",
    "Stark Trekking",
    "Wayne Camping Ltd",
    "Oceanic Scouts Association",
    "Pied Piper Adventures",
];

/// Branch suffixes used when there are more companies than names.
pub const BRANCHES: &[&str] = &["Berlin", "Lyon", "Austin", "Osaka", "Leeds", "Porto"];

/// The helpdesk's own brand, one per workspace.
pub const ACCOUNT_NAMES: &[(&str, &str)] = &[
    ("Acme Outdoor Co.", "acme-outdoor.example"),
    ("Fjällräv Gear AB", "fjallrav-gear.example"),
    ("Trailhead & Co", "trailhead.example"),
];

pub const DEPARTMENTS: &[&str] = &["Customer Support", "Billing", "Returns & Warranty"];

/// Tag spellings by concept. The first spelling of each group is the most
/// common; the others are what agents actually typed.
pub const TAG_GROUPS: &[&[&str]] = &[
    &["VIP", "vip ", "Vip"],
    &["billing", " Billing", "BILLING"],
    &["refund request", "Refund-Request", "refund_request"],
    &["shipping delay", "Shipping Delay", "shipping-delay"],
    &["warranty", "Warranty Claim"],
    &["bug", "Bug"],
    &["follow up", "Follow-Up"],
    &["returns"],
    &["wholesale"],
    &["feedback", "Feedback 👍"],
    &["café"],
    &["Größe/Size"],
    &["🔥 hot lead"],
    &["social"],
];

/// Tags defined in Stames but no longer on any ticket.
pub const UNUSED_TAGS: &[&str] = &[
    "old-promo-2019",
    "Black Friday 2023",
    "test tag (delete me)",
];

/// Order-number-like strings appear in subjects, bodies and a custom field.
pub fn order_number(n: u32) -> String {
    format!("A{:05}", 10_000 + n % 90_000)
}

/// Ticket subjects by locale; `{order}` is replaced. Includes HTML-significant
/// characters on purpose (subjects are plain text and must stay so).
pub const SUBJECTS_EN: &[&str] = &[
    "Where is my order #{order}?",
    "Refund for order {order}",
    "Wrong size – can I exchange?",
    "Broken zipper on my 🎒",
    "Invoice {order} – VAT number missing",
    "Warranty claim: tent pole snapped",
    "RE: RE: Fwd: Your order has shipped",
    "Question about <b>bulk</b> pricing & discounts",
    "URGENT!!! charged twice",
    "Feedback 👍",
    "Can't log in to my account",
    "Missing parts in package {order}",
];
pub const SUBJECTS_DE: &[&str] = &[
    "Rückerstattung für Bestellung {order}",
    "Größe passt nicht – Umtausch?",
    "Lieferung verspätet ({order})",
];
pub const SUBJECTS_FR: &[&str] = &[
    "Problème de livraison – commande {order}",
    "Remboursement « urgent »",
    "Question sur la garantie",
];
pub const SUBJECTS_ES: &[&str] = &[
    "¿Dónde está mi pedido {order}?",
    "Devolución – talla incorrecta",
];
pub const SUBJECTS_ZH: &[&str] = &["退货申请 {order}", "订单什么时候发货？"];
pub const SUBJECTS_AR: &[&str] = &["مشكلة في الفاتورة {order}", "أين طلبي؟"];
pub const SUBJECTS_HE: &[&str] = &["ההזמנה שלי לא הגיעה", "בקשה להחזר כספי {order}"];

/// First customer messages by locale.
pub const OPENERS_EN: &[&str] = &[
    "Hi, I ordered a tent three weeks ago (order {order}) and it still hasn't arrived. Can you check what's going on?",
    "Hello — the zipper on my backpack broke after two days. I'd like a replacement or a refund & I'd like to know how the warranty works.",
    "I was charged twice for order {order}. Please fix this ASAP 😡",
    "Hey! Love the jacket but it's a size too small. Can I swap it for an L?",
    "Could you send me an invoice with our VAT number <DE123456789> on it?",
    "The package arrived but the tent poles are missing 🤷",
];
pub const OPENERS_DE: &[&str] = &[
    "Guten Tag, meine Bestellung {order} ist immer noch nicht angekommen. Können Sie das prüfen?",
    "Hallo, die Schuhe sind zu klein. Wie funktioniert der Umtausch?",
];
pub const OPENERS_FR: &[&str] = &[
    "Bonjour, ma commande {order} n'est toujours pas arrivée… Pouvez-vous vérifier ?",
    "Bonjour, j'aimerais être remboursé·e pour l'article défectueux. Merci d'avance !",
];
pub const OPENERS_ES: &[&str] = &[
    "Hola, ¿cuándo llegará mi pedido {order}? Ya han pasado dos semanas.",
    "Buenas, quiero devolver las botas porque la talla no es correcta.",
];
pub const OPENERS_ZH: &[&str] = &[
    "你好，我的订单 {order} 还没有收到，请帮我查一下。",
    "帐篷的支架坏了，可以换一个吗？谢谢！",
];
pub const OPENERS_AR: &[&str] = &[
    "مرحبا، طلبي رقم {order} لم يصل بعد. هل يمكنكم المساعدة؟",
    "السلام عليكم، تم خصم المبلغ مرتين من بطاقتي.",
];
pub const OPENERS_HE: &[&str] = &[
    "שלום, ההזמנה {order} עדיין לא הגיעה. אפשר לבדוק?",
    "היי, קיבלתי מידה לא נכונה. איך מחליפים?",
];

/// Later customer messages (any locale falls back to these plus its opener
/// language being mixed in, as real threads do).
pub const FOLLOW_UPS: &[&str] = &[
    "Thanks for the quick reply!",
    "Any update on this? It's been a few days.",
    "I've attached a photo of the damage.",
    "That works for me, thank you 🙏",
    "Still nothing… tracking says \"label created\".",
    "Merci beaucoup !",
    "Ok 👍",
    "Can you confirm the refund went through? My bank shows nothing yet.",
    "I'm away until Monday, please call me on my mobile instead.",
    "👨‍👩‍👧 We're a family of three, do you have the 4-person version in stock?",
];

/// Agent replies.
pub const AGENT_REPLIES: &[&str] = &[
    "Thanks for reaching out! I've checked your order and it's on its way — you can follow it here:",
    "I'm sorry about the trouble. I've issued a full refund; it should show up in 3–5 business days.",
    "Could you send us a photo of the damaged item and your order number, please?",
    "Good news: a replacement has been shipped today at no extra cost.",
    "I've forwarded this to our warehouse team & will get back to you within 24h.",
    "You can start the exchange from our returns portal:",
    "I've updated the invoice with your VAT number; please find it attached.",
    "Happy to help! Is there anything else I can do for you?",
];

/// Private notes agents leave for each other.
pub const NOTES: &[&str] = &[
    "Checked Shopify: order shipped on the 3rd, chasing the carrier.",
    "Customer is VIP — approve the refund without the usual checks.",
    "Second time this month this customer reports a missing package 🤔",
    "Escalated to billing, waiting on Stripe.",
    "Do NOT send another replacement before warehouse confirms <return received>.",
    "Rappel : vérifier le numéro de série avant d'accepter la garantie.",
    "Spoke to them on the phone, all sorted.",
];

/// Messages Stames itself posts.
pub const SYSTEM_MESSAGES: &[&str] = &[
    "Auto-reply: Thanks for contacting us! We typically reply within 24 hours.",
    "This conversation was merged with another ticket.",
    "SLA first-response target breached.",
    "Ticket reopened because the customer replied.",
];

/// Agent sign-off lines; rendered with `<br>` between them.
pub const SIGN_OFFS: &[&str] = &["Best,", "Kind regards,", "Cheers,", "Merci et à bientôt,"];

/// Reminder notes.
pub const REMINDER_NOTES: &[&str] = &[
    "Chase carrier",
    "Follow up on refund 💸",
    "Rappeler le client",
    "Check if replacement arrived",
    "Ask for photos again",
];

/// Events a per-ticket notification fires on.
pub const NOTIFICATION_EVENTS: &[&str] = &[
    "ticket_reopened",
    "ticket_solved",
    "agent_replied",
    "sla_breached",
    "status_changed",
];

/// Products for the warranty custom object.
pub const PRODUCTS: &[&str] = &[
    "Summit 2P Tent",
    "Ridge 45L Pack",
    "Glacier -10 Sleeping Bag",
    "Trail Runner GTX",
    "Storm Shell Jacket",
];

/// Reduces a name to the ASCII letters an e-mail address or handle would use,
/// e.g. `Zoë Ångström` → `zoe.angstrom`. Returns an empty string when nothing
/// Latin is left (CJK, Arabic, emoji-only names).
pub fn ascii_slug(name: &str, separator: char) -> String {
    let mut out = String::new();
    let mut pending_separator = false;
    for c in name.chars() {
        let folded: &str = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' | 'À' | 'Â' | 'Ä' | 'Å' => "a",
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' => "e",
            'í' | 'ì' | 'î' | 'ï' | 'Í' => "i",
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'Ó' | 'Ö' | 'Ø' => "o",
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ü' => "u",
            'ç' | 'Ç' | 'ć' | 'č' => "c",
            'ñ' | 'Ñ' => "n",
            'ł' | 'Ł' => "l",
            'ß' => "ss",
            'đ' | 'Đ' => "d",
            'š' | 'Š' => "s",
            'ž' | 'Ž' => "z",
            _ if c.is_ascii_alphanumeric() => "",
            _ if c.is_whitespace() || c == '-' || c == '.' => {
                pending_separator = !out.is_empty();
                continue;
            }
            _ => continue,
        };
        if pending_separator {
            out.push(separator);
            pending_separator = false;
        }
        if folded.is_empty() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.push_str(folded);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_fold_diacritics_and_drop_other_scripts() {
        assert_eq!(ascii_slug("Zoë Ångström", '.'), "zoe.angstrom");
        assert_eq!(ascii_slug("Renée O'Connor", '.'), "renee.oconnor");
        assert_eq!(
            ascii_slug("Łukasz van der Berg", '_'),
            "lukasz_van_der_berg"
        );
        assert_eq!(ascii_slug("李雷", '.'), "");
        assert_eq!(ascii_slug("Sam 🌻", '.'), "sam");
    }
}
