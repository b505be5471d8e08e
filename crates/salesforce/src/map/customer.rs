//! Stames customer → Account + Contact (or a Person Account).
//!
//! - **A customer with a company** gets the company's business Account,
//!   shared by every customer of that company: the Account key is
//!   `company:<normalised name>` (lower case, single spaces), so `ACME  Inc`
//!   and `acme inc` are one Account. The writer creates it once (its
//!   `Stames_Account_Key__c` makes a repeat a `DUPLICATE_VALUE`, adopted).
//! - **A customer without a company** gets an individual Account named
//!   after the person (key `customer:<id>`) — or, when the org has Person
//!   Accounts, a Person Account and no separate Contact (Salesforce creates
//!   the person's Contact itself; its custom fields are `…__pc` on Account).
//! - **The Contact**: FirstName/LastName split at the last space (`Zoë
//!   O'Brien` → `Zoë` / `O'Brien`; one word is the LastName). LastName is
//!   required: a customer without a name gets the e-mail's local part, else
//!   the phone, else `(unknown)` — a repair. E-mail (≤ 80, valid) and phone
//!   (≤ 40) go to their fields; anything that does not fit is kept in the
//!   Description, noted.
//! - `AccountId` is resolved by the writer from [`ContactPlan::account_key`]
//!   before the Contact insert, so no Contact is ever orphaned.

use super::field_values;
use super::schema::{self, SchemaPlan};
use super::text::{datetime, is_email, non_blank, truncate_chars};
use super::{OrgCapabilities, Record, Repair};
use deskshift_core::mapping::FieldMap;
use deskshift_core::model::Customer;
use serde_json::json;
use sha2::{Digest, Sha256};

pub const MAX_ACCOUNT_NAME_LEN: usize = 255;
pub const MAX_FIRST_NAME_LEN: usize = 40;
pub const MAX_LAST_NAME_LEN: usize = 80;
pub const MAX_EMAIL_LEN: usize = 80;
pub const MAX_PHONE_LEN: usize = 40;
pub const MAX_WEBSITE_LEN: usize = 255;
/// Longest external-ID value (the fields are Text(255)).
pub const MAX_KEY_LEN: usize = 255;
/// The LastName of a customer with no name, e-mail or phone.
pub const UNKNOWN_NAME: &str = "(unknown)";

/// What kind of Account a customer lands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    /// The company's Account, shared by its customers.
    Business,
    /// A business Account named after one person.
    Individual,
    /// A Person Account (the org has them): no separate Contact.
    Person,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccountPlan {
    /// The `Stames_Account_Key__c` value; also in `record`.
    pub key: String,
    pub kind: AccountKind,
    /// For `Person`, the writer adds `RecordTypeId` (the org's person
    /// record type: `SELECT Id FROM RecordType WHERE SobjectType = 'Account'
    /// AND IsPersonType = true`).
    pub record: Record,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContactPlan {
    /// The writer sets `AccountId` to the id of the Account with this key.
    pub account_key: String,
    pub record: Record,
}

/// What one customer becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerPlan {
    pub account: AccountPlan,
    /// `None` for a Person Account.
    pub contact: Option<ContactPlan>,
    pub repairs: Vec<Repair>,
}

/// A company name as deskshift compares it (shared with discovery, which
/// counts the Accounts a load will create by it).
pub use deskshift_core::normalise::company_key;

/// The Account key of a customer: `company:<name>` or `customer:<id>`, at
/// most 255 characters (a longer one keeps its start and a hash of the
/// whole, so it stays unique and deterministic).
pub fn account_key(customer: &Customer) -> String {
    let company = customer
        .company
        .as_ref()
        .map(|c| company_key(&c.name))
        .filter(|k| !k.is_empty());
    let key = match company {
        Some(name) => format!("company:{name}"),
        None => format!("customer:{}", customer.id),
    };
    bounded_key(&key)
}

/// `key` if it fits an external-ID field, else its first characters, `#`
/// and 16 hex digits of its SHA-256.
pub fn bounded_key(key: &str) -> String {
    if key.chars().count() <= MAX_KEY_LEN {
        return key.to_string();
    }
    let hash = hex::encode(Sha256::digest(key.as_bytes()));
    format!("{}#{}", truncate_chars(key, MAX_KEY_LEN - 17), &hash[..16])
}

/// FirstName and LastName from a full name: the last word is the LastName,
/// the rest the FirstName. `None` when the name is blank.
pub fn split_name(name: &str) -> Option<(Option<String>, String)> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let (last, first) = words.split_last()?;
    let first = (!first.is_empty()).then(|| first.join(" "));
    Some((first, last.to_string()))
}

/// `map` is the confirmed field map: the rows of the customer's custom fields.
pub fn plan(
    customer: &Customer,
    schema: &SchemaPlan,
    caps: &OrgCapabilities,
    map: &FieldMap,
) -> CustomerPlan {
    let mut repairs = Vec::new();
    let mut description: Vec<String> = Vec::new();
    let key = account_key(customer);
    let company = customer
        .company
        .as_ref()
        .filter(|c| !company_key(&c.name).is_empty());

    let mut contact = Record::new();
    contact.insert(schema::CUSTOMER_ID.into(), json!(bounded_key(&customer.id)));
    let full_name = non_blank(customer.name.as_deref());
    let (first, last) = match full_name.and_then(split_name) {
        Some(split) => split,
        None => {
            let stand_in = name_stand_in(customer);
            repairs.push(Repair::new(
                "name",
                format!("no name in Stames; LastName (required) set to `{stand_in}`"),
            ));
            (None, stand_in)
        }
    };
    let cut_first = first
        .as_deref()
        .map(|f| truncate_chars(f, MAX_FIRST_NAME_LEN));
    let cut_last = truncate_chars(&last, MAX_LAST_NAME_LEN);
    if cut_first.map(str::len) != first.as_deref().map(str::len) || cut_last.len() != last.len() {
        repairs.push(Repair::new(
            "name",
            "name longer than FirstName (40) / LastName (80); cut, the full name is in the Description",
        ));
        description.push(format!(
            "Full name in Stames: {}",
            full_name.unwrap_or_default()
        ));
    }
    if let Some(first) = cut_first {
        contact.insert("FirstName".into(), json!(first));
    }
    contact.insert("LastName".into(), json!(cut_last));

    if let Some(email) = non_blank(customer.email.as_deref()) {
        if is_email(email) && email.chars().count() <= MAX_EMAIL_LEN {
            contact.insert("Email".into(), json!(email));
        } else {
            repairs.push(Repair::new(
                "email",
                format!(
                    "`{}` is not an e-mail address Salesforce accepts (valid, ≤ {MAX_EMAIL_LEN} \
                     characters); kept in the Description",
                    truncate_chars(email, 100)
                ),
            ));
            description.push(format!("E-mail in Stames: {email}"));
        }
    }
    if let Some(phone) = non_blank(customer.phone.as_deref()) {
        if phone.chars().count() <= MAX_PHONE_LEN {
            contact.insert("Phone".into(), json!(phone));
        } else {
            repairs.push(Repair::new(
                "phone",
                format!("phone longer than {MAX_PHONE_LEN} characters; kept in the Description"),
            ));
            description.push(format!("Phone in Stames: {phone}"));
        }
    }
    for note in field_values::apply(
        &mut contact,
        &customer.custom_fields,
        schema,
        schema::CONTACT,
        map,
    ) {
        repairs.push(Repair::new("custom_fields", note));
    }
    created(&mut contact, customer, caps);
    if !description.is_empty() {
        contact.insert("Description".into(), json!(description.join("\n")));
    }

    let (kind, account) = match (company, caps.person_accounts) {
        (Some(company), _) => {
            let mut account = Record::new();
            account.insert(schema::ACCOUNT_KEY.into(), json!(key));
            let name = company
                .name
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            account.insert(
                "Name".into(),
                json!(truncate_chars(&name, MAX_ACCOUNT_NAME_LEN)),
            );
            if let Some(domain) = non_blank(company.domain.as_deref()) {
                account.insert(
                    "Website".into(),
                    json!(truncate_chars(domain, MAX_WEBSITE_LEN)),
                );
            }
            (AccountKind::Business, account)
        }
        (None, true) => (AccountKind::Person, person_account(&key, &contact)),
        (None, false) => {
            let mut account = Record::new();
            account.insert(schema::ACCOUNT_KEY.into(), json!(key));
            let name = match full_name {
                Some(name) => name.to_string(),
                None => last.clone(),
            };
            account.insert(
                "Name".into(),
                json!(truncate_chars(&name, MAX_ACCOUNT_NAME_LEN)),
            );
            created(&mut account, customer, caps);
            (AccountKind::Individual, account)
        }
    };
    CustomerPlan {
        contact: (kind != AccountKind::Person).then(|| ContactPlan {
            account_key: key.clone(),
            record: contact,
        }),
        account: AccountPlan {
            key,
            kind,
            record: account,
        },
        repairs,
    }
}

/// The LastName of a customer without a name: the e-mail's local part, the
/// phone, or `(unknown)`.
fn name_stand_in(customer: &Customer) -> String {
    let local = non_blank(customer.email.as_deref())
        .and_then(|e| e.split('@').next())
        .and_then(|l| non_blank(Some(l)));
    local
        .or_else(|| non_blank(customer.phone.as_deref()))
        .map(|s| truncate_chars(s, MAX_LAST_NAME_LEN).to_string())
        .unwrap_or_else(|| UNKNOWN_NAME.to_string())
}

/// The original creation time: `CreatedDate` when audit fields may be set,
/// else `Stames_Created_Date__c` (Contacts; individual Accounts have no such
/// field, their Contact holds it).
fn created(record: &mut Record, customer: &Customer, caps: &OrgCapabilities) {
    if caps.audit_fields {
        record.insert("CreatedDate".into(), json!(datetime(customer.created_at)));
    } else if record.contains_key(schema::CUSTOMER_ID) {
        record.insert(
            schema::CREATED_DATE.into(),
            json!(datetime(customer.created_at)),
        );
    }
}

/// A Person Account from the Contact's fields: standard person fields get
/// their Account names (`Email` → `PersonEmail`), custom Contact fields
/// their `__pc` names.
fn person_account(key: &str, contact: &Record) -> Record {
    let mut account = Record::new();
    account.insert(schema::ACCOUNT_KEY.into(), json!(key));
    for (field, value) in contact {
        let name = match field.as_str() {
            "Email" => "PersonEmail".to_string(),
            "FirstName" | "LastName" | "Phone" | "Description" | "CreatedDate" => field.clone(),
            custom => match custom.strip_suffix("__c") {
                Some(base) => format!("{base}__pc"),
                None => custom.to_string(),
            },
        };
        account.insert(name, value.clone());
    }
    account
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::schema::SchemaInput;
    use chrono::{TimeZone, Utc};
    use deskshift_core::model::Company;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, HashMap};

    fn schema() -> SchemaPlan {
        schema::plan(&SchemaInput {
            field_defs: &[],
            object_defs: &[],
            tags: &[],
            channels: &[],
            observed: &HashMap::new(),
        })
    }

    fn customer(name: Option<&str>, email: Option<&str>, company: Option<&str>) -> Customer {
        Customer {
            id: "200001".into(),
            name: name.map(String::from),
            email: email.map(String::from),
            phone: Some("+33 1 23".into()),
            company: company.map(|c| Company {
                name: c.into(),
                domain: Some("acme.io".into()),
            }),
            custom_fields: BTreeMap::new(),
            created_at: Utc.with_ymd_and_hms(2023, 1, 2, 3, 4, 5).unwrap(),
            updated_at: Utc.with_ymd_and_hms(2023, 1, 2, 3, 4, 5).unwrap(),
        }
    }

    #[test]
    fn a_company_customer_gets_the_shared_business_account_and_a_contact() {
        let caps = OrgCapabilities::default();
        let plan = plan(
            &customer(
                Some("  Zoë  O'Brien "),
                Some("zoe@acme.io"),
                Some(" ACME  Inc "),
            ),
            &schema(),
            &caps,
            &crate::map::standard_map(),
        );
        assert_eq!(plan.account.kind, AccountKind::Business);
        assert_eq!(plan.account.key, "company:acme inc");
        assert_eq!(plan.account.record["Name"], "ACME Inc");
        assert_eq!(plan.account.record["Website"], "acme.io");
        let contact = plan.contact.unwrap();
        assert_eq!(contact.account_key, "company:acme inc");
        assert_eq!(contact.record["FirstName"], "Zoë");
        assert_eq!(contact.record["LastName"], "O'Brien");
        assert_eq!(contact.record["Email"], "zoe@acme.io");
        assert_eq!(contact.record["Phone"], "+33 1 23");
        assert_eq!(contact.record[schema::CUSTOMER_ID], "200001");
        assert_eq!(
            contact.record[schema::CREATED_DATE],
            "2023-01-02T03:04:05.000Z"
        );
        assert!(!contact.record.contains_key("CreatedDate"));
        assert!(plan.repairs.is_empty());
        let other = plan_key("acme   INC");
        assert_eq!(other, "company:acme inc");
    }

    fn plan_key(company: &str) -> String {
        account_key(&customer(None, None, Some(company)))
    }

    #[test]
    fn without_a_company_the_person_gets_an_individual_or_person_account() {
        let caps = OrgCapabilities {
            audit_fields: true,
            ..Default::default()
        };
        let plan = plan(
            &customer(Some("Cher"), None, Some("   ")),
            &schema(),
            &caps,
            &crate::map::standard_map(),
        );
        assert_eq!(plan.account.kind, AccountKind::Individual);
        assert_eq!(plan.account.key, "customer:200001");
        assert_eq!(plan.account.record["Name"], "Cher");
        assert_eq!(
            plan.account.record["CreatedDate"],
            "2023-01-02T03:04:05.000Z"
        );
        let contact = plan.contact.unwrap();
        assert_eq!(contact.record["LastName"], "Cher");
        assert!(!contact.record.contains_key("FirstName"));

        let caps = OrgCapabilities {
            person_accounts: true,
            ..Default::default()
        };
        let plan = super::plan(
            &customer(Some("Ana Lima"), Some("ana@x.io"), None),
            &schema(),
            &caps,
            &crate::map::standard_map(),
        );
        assert_eq!(plan.account.kind, AccountKind::Person);
        assert!(plan.contact.is_none());
        let account = &plan.account.record;
        assert_eq!(account["PersonEmail"], "ana@x.io");
        assert_eq!(account["LastName"], "Lima");
        assert_eq!(account["Stames_Customer_Id__pc"], "200001");
        assert_eq!(account[schema::ACCOUNT_KEY], "customer:200001");
        assert!(!account.contains_key("Name"));
    }

    #[test]
    fn a_nameless_customer_gets_a_documented_last_name() {
        let caps = OrgCapabilities::default();
        let plan1 = plan(
            &customer(None, Some("zoe@x.io"), None),
            &schema(),
            &caps,
            &crate::map::standard_map(),
        );
        assert_eq!(plan1.contact.unwrap().record["LastName"], "zoe");
        assert_eq!(plan1.repairs[0].field, "name");
        let mut c = customer(Some(" "), None, None);
        c.phone = None;
        let plan2 = plan(&c, &schema(), &caps, &crate::map::standard_map());
        assert_eq!(plan2.contact.unwrap().record["LastName"], UNKNOWN_NAME);
        assert_eq!(plan2.account.record["Name"], UNKNOWN_NAME);
    }

    #[test]
    fn unusable_emails_and_long_names_are_kept_in_the_description() {
        let caps = OrgCapabilities::default();
        let long = format!("{} Smith", "Bartholomew".repeat(5));
        let plan = plan(
            &customer(Some(&long), Some("not an address"), None),
            &schema(),
            &caps,
            &crate::map::standard_map(),
        );
        let contact = plan.contact.unwrap().record;
        assert!(!contact.contains_key("Email"));
        assert_eq!(
            contact["FirstName"].as_str().unwrap().chars().count(),
            MAX_FIRST_NAME_LEN
        );
        let description = contact["Description"].as_str().unwrap();
        assert!(description.contains("not an address") && description.contains(&long));
        assert_eq!(plan.repairs.len(), 2);
    }

    #[test]
    fn long_keys_stay_unique_and_bounded() {
        let a = plan_key(&"a".repeat(400));
        let b = plan_key(&format!("{}b", "a".repeat(399)));
        assert_ne!(a, b);
        assert_eq!(a.chars().count(), MAX_KEY_LEN);
        assert_eq!(split_name("  "), None);
        assert_eq!(split_name("a b c"), Some((Some("a b".into()), "c".into())));
    }

    proptest! {
        #[test]
        fn every_contact_has_a_bounded_last_name(name in proptest::option::of(any::<String>()), email in proptest::option::of(any::<String>()), company in proptest::option::of(any::<String>()), person in any::<bool>()) {
            let caps = OrgCapabilities { person_accounts: person, ..Default::default() };
            let plan = plan(&customer(name.as_deref(), email.as_deref(), company.as_deref()), &schema(), &caps, &crate::map::standard_map());
            prop_assert!(plan.account.key.chars().count() <= MAX_KEY_LEN);
            let record = plan.contact.map(|c| c.record).unwrap_or(plan.account.record);
            let last = record["LastName"].as_str().unwrap();
            prop_assert!(!last.trim().is_empty());
            prop_assert!(last.chars().count() <= MAX_LAST_NAME_LEN);
        }
    }
}
