//! The standard objects a helpdesk migration touches, with the field names,
//! types, lengths and properties of the Salesforce Object Reference
//! (developer.salesforce.com/docs/atlas.en-us.object_reference.meta):
//! Case, Contact, Account, EmailMessage, CaseComment, ContentVersion,
//! ContentDocument, ContentDocumentLink, User, Group (queues), Topic,
//! TopicAssignment, RecordType, Profile, Organization, PermissionSet,
//! PermissionSetAssignment, FieldPermissions, AssignmentRule, CaseHistory,
//! and the Tooling objects CustomField, CustomObject, ValidationRule,
//! ApexTrigger and StandardValueSet.
//!
//! Only the fields a migration reads or writes are modelled; the object
//! reference lists many more. Picklist values are a Developer Edition org's
//! defaults.

use super::{Api, FieldDef, FieldType as T, ObjectDef, PicklistValue};

/// Id, IsDeleted and the audit fields every object has. The four audit
/// fields are settable on insert only with "Set Audit Fields upon Record
/// Creation" (help article 000386065); SystemModstamp never.
pub fn system_fields() -> Vec<FieldDef> {
    let audit = |name: &str, label: &str, kind: T| {
        let mut f = FieldDef::new(name, label, kind).read_only();
        f.nillable = false;
        f.defaulted_on_create = true;
        f.audit = true;
        if kind == T::Reference {
            let relationship = name.trim_end_matches("Id");
            f = f.refs(&["User"], relationship);
        }
        f
    };
    let mut id = FieldDef::new("Id", "Record ID", T::Id).read_only();
    id.nillable = false;
    id.defaulted_on_create = true;
    id.id_lookup = true;
    let mut deleted = FieldDef::new("IsDeleted", "Deleted", T::Boolean).read_only();
    deleted.nillable = false;
    deleted.defaulted_on_create = true;
    let mut modstamp = FieldDef::new("SystemModstamp", "System Modstamp", T::Datetime).read_only();
    modstamp.nillable = false;
    modstamp.defaulted_on_create = true;
    vec![
        id,
        deleted,
        audit("CreatedDate", "Created Date", T::Datetime),
        audit("CreatedById", "Created By ID", T::Reference),
        audit("LastModifiedDate", "Last Modified Date", T::Datetime),
        audit("LastModifiedById", "Last Modified By ID", T::Reference),
        modstamp,
    ]
}

/// `OwnerId`: a user or a queue; defaults to the running user.
pub fn owner_field() -> FieldDef {
    let mut f = FieldDef::new("OwnerId", "Owner ID", T::Reference)
        .refs(&["Group", "User"], "Owner")
        .defaulted();
    f.nillable = false;
    f
}

fn object(name: &str, label: &str, plural: &str, prefix: &str, fields: Vec<FieldDef>) -> ObjectDef {
    let mut all = system_fields();
    all.extend(fields);
    ObjectDef {
        name: name.to_string(),
        label: label.to_string(),
        label_plural: plural.to_string(),
        key_prefix: prefix.to_string(),
        custom: false,
        createable: true,
        updateable: true,
        deletable: true,
        api: Api::Data,
        compound_name: false,
        auto_number: None,
        fields: all,
    }
}

/// An object only Setup or the platform writes (the API may only read it).
fn read_only_object(mut o: ObjectDef) -> ObjectDef {
    o.createable = false;
    o.updateable = false;
    o.deletable = false;
    o
}

fn tooling(mut o: ObjectDef) -> ObjectDef {
    o.api = Api::Tooling;
    o
}

fn text(name: &str, label: &str, length: u32) -> FieldDef {
    FieldDef::new(name, label, T::String).len(length)
}

fn long_text(name: &str, label: &str, length: u32) -> FieldDef {
    FieldDef::new(name, label, T::Textarea).len(length)
}

fn boolean(name: &str, label: &str) -> FieldDef {
    FieldDef::new(name, label, T::Boolean).defaulted()
}

fn reference(name: &str, label: &str, to: &[&str], relationship: &str) -> FieldDef {
    FieldDef::new(name, label, T::Reference).refs(to, relationship)
}

/// `Name` computed from FirstName and LastName.
fn compound_name() -> FieldDef {
    text("Name", "Full Name", 121).read_only()
}

fn with_compound_name(mut o: ObjectDef) -> ObjectDef {
    o.compound_name = true;
    o
}

/// Case Status values of a new org; `Closed` closes the case.
fn case_status(restricted: bool) -> FieldDef {
    let mut f = FieldDef::new("Status", "Status", T::Picklist)
        .picklist(&["New", "Working", "Escalated", "Closed"], restricted)
        .value_set("CaseStatus")
        .default_value("New");
    for v in &mut f.picklist {
        v.closed = v.value == "Closed";
    }
    f
}

fn case(restricted: bool) -> ObjectDef {
    let mut o = object(
        "Case",
        "Case",
        "Cases",
        "500",
        vec![
            text("CaseNumber", "Case Number", 30).read_only(),
            text("Subject", "Subject", 255),
            long_text("Description", "Description", 32_000),
            case_status(restricted),
            FieldDef::new("Priority", "Priority", T::Picklist)
                .picklist(&["High", "Medium", "Low"], restricted)
                .value_set("CasePriority")
                .default_value("Medium"),
            FieldDef::new("Origin", "Case Origin", T::Picklist)
                .picklist(&["Phone", "Email", "Web"], restricted)
                .value_set("CaseOrigin"),
            FieldDef::new("Type", "Case Type", T::Picklist)
                .picklist(
                    &[
                        "Mechanical",
                        "Electrical",
                        "Electronic",
                        "Structural",
                        "Other",
                    ],
                    false,
                )
                .value_set("CaseType"),
            FieldDef::new("Reason", "Case Reason", T::Picklist)
                .picklist(
                    &[
                        "Installation",
                        "Equipment Complexity",
                        "Performance",
                        "Breakdown",
                        "Equipment Design",
                        "Feedback",
                        "Other",
                    ],
                    false,
                )
                .value_set("CaseReason"),
            owner_field(),
            reference("ContactId", "Contact ID", &["Contact"], "Contact"),
            reference("AccountId", "Account ID", &["Account"], "Account"),
            reference("ParentId", "Parent Case ID", &["Case"], "Parent"),
            reference(
                "RecordTypeId",
                "Record Type ID",
                &["RecordType"],
                "RecordType",
            ),
            boolean("IsClosed", "Closed").read_only(),
            FieldDef::new("ClosedDate", "Closed Date", T::Datetime).read_only(),
            boolean("IsEscalated", "Escalated"),
            FieldDef::new("SuppliedEmail", "Web Email", T::Email).len(80),
            text("SuppliedName", "Web Name", 80),
            FieldDef::new("SuppliedPhone", "Web Phone", T::String).len(40),
            text("SuppliedCompany", "Web Company", 80),
        ],
    );
    o.auto_number = Some("CaseNumber".to_string());
    o
}

fn contact() -> ObjectDef {
    with_compound_name(object(
        "Contact",
        "Contact",
        "Contacts",
        "003",
        vec![
            text("FirstName", "First Name", 40),
            text("LastName", "Last Name", 80).required(),
            compound_name(),
            FieldDef::new("Email", "Email", T::Email).len(80),
            FieldDef::new("Phone", "Business Phone", T::Phone),
            FieldDef::new("MobilePhone", "Mobile Phone", T::Phone),
            text("Title", "Title", 128),
            text("MailingCity", "Mailing City", 40),
            long_text("Description", "Contact Description", 32_000),
            reference("AccountId", "Account ID", &["Account"], "Account"),
            owner_field(),
        ],
    ))
}

fn account() -> ObjectDef {
    object(
        "Account",
        "Account",
        "Accounts",
        "001",
        vec![
            text("Name", "Account Name", 255).required(),
            FieldDef::new("Phone", "Account Phone", T::Phone),
            FieldDef::new("Website", "Website", T::Url),
            text("AccountNumber", "Account Number", 40),
            text("BillingCity", "Billing City", 40),
            long_text("Description", "Account Description", 32_000),
            reference("ParentId", "Parent Account ID", &["Account"], "Parent"),
            reference(
                "RecordTypeId",
                "Record Type ID",
                &["RecordType"],
                "RecordType",
            ),
            owner_field(),
        ],
    )
}

fn email_message() -> ObjectDef {
    let mut status = FieldDef::new("Status", "Status", T::Picklist)
        .picklist(&["0", "1", "2", "3", "4", "5"], true)
        .required();
    for (v, label) in
        status
            .picklist
            .iter_mut()
            .zip(["New", "Read", "Replied", "Sent", "Forwarded", "Draft"])
    {
        v.label = label.to_string();
    }
    object(
        "EmailMessage",
        "Email Message",
        "Email Messages",
        "02s",
        vec![
            reference("ParentId", "Case ID", &["Case"], "Parent").cascade(),
            FieldDef::new("FromAddress", "From Address", T::Email),
            text("FromName", "From Name", 1000),
            text("ToAddress", "To Address", 4000),
            text("CcAddress", "CC Address", 4000),
            text("BccAddress", "BCC Address", 4000),
            text("Subject", "Subject", 3000),
            long_text("TextBody", "Text Body", 131_072),
            long_text("HtmlBody", "HTML Body", 131_072),
            long_text("Headers", "Headers", 32_000),
            boolean("Incoming", "Is Incoming"),
            FieldDef::new("MessageDate", "Message Date", T::Datetime),
            status,
            boolean("IsExternallyVisible", "Is Externally Visible"),
            text("MessageIdentifier", "Message ID", 255),
            text("ThreadIdentifier", "Thread ID", 255),
        ],
    )
}

fn case_comment() -> ObjectDef {
    let mut body = long_text("CommentBody", "Body", 4000);
    body.length_in_bytes = true;
    object(
        "CaseComment",
        "Case Comment",
        "Case Comments",
        "00a",
        vec![
            reference("ParentId", "Parent ID", &["Case"], "Parent")
                .required()
                .create_only()
                .cascade(),
            body,
            boolean("IsPublished", "Published"),
        ],
    )
}

fn content_version() -> ObjectDef {
    object(
        "ContentVersion",
        "Content Version",
        "Content Versions",
        "068",
        vec![
            text("Title", "Title", 255).required(),
            text("PathOnClient", "Path On Client", 500).create_only(),
            FieldDef::new("VersionData", "Version Data", T::Base64).create_only(),
            reference(
                "FirstPublishLocationId",
                "First Publish Location ID",
                &["Account", "Case", "Contact", "EmailMessage", "User"],
                "FirstPublishLocation",
            )
            .create_only(),
            reference(
                "ContentDocumentId",
                "ContentDocument ID",
                &["ContentDocument"],
                "ContentDocument",
            )
            .create_only()
            .cascade(),
            FieldDef::new("ContentLocation", "Content Location", T::Picklist)
                .picklist(&["S", "E", "L"], true)
                .default_value("S")
                .create_only(),
            // Settable on insert (the file's own modification time).
            FieldDef::new("ContentModifiedDate", "Content Modified Date", T::Datetime)
                .create_only(),
            long_text("Description", "Description", 1000),
            text("ReasonForChange", "Reason For Change", 1000),
            text("FileType", "File Type", 20).read_only(),
            text("FileExtension", "File Extension", 40).read_only(),
            FieldDef::new("ContentSize", "Size", T::Int).read_only(),
            boolean("IsLatest", "Is Latest").read_only(),
            owner_field(),
        ],
    )
}

fn content_document() -> ObjectDef {
    let mut o = object(
        "ContentDocument",
        "Content Document",
        "Content Documents",
        "069",
        vec![
            text("Title", "Title", 255).required(),
            text("FileType", "File Type", 20).read_only(),
            text("FileExtension", "File Extension", 40).read_only(),
            FieldDef::new("ContentSize", "Size", T::Int).read_only(),
            reference(
                "LatestPublishedVersionId",
                "Latest Published Version ID",
                &["ContentVersion"],
                "LatestPublishedVersion",
            )
            .read_only(),
            owner_field(),
        ],
    );
    // Created by inserting a ContentVersion, never directly.
    o.createable = false;
    o
}

fn content_document_link() -> ObjectDef {
    object(
        "ContentDocumentLink",
        "Content Document Link",
        "Content Document Links",
        "06A",
        vec![
            reference(
                "ContentDocumentId",
                "ContentDocument ID",
                &["ContentDocument"],
                "ContentDocument",
            )
            .required()
            .create_only()
            .cascade(),
            reference(
                "LinkedEntityId",
                "Linked Entity ID",
                &["Account", "Case", "Contact", "EmailMessage", "User"],
                "LinkedEntity",
            )
            .required()
            .create_only()
            .cascade(),
            FieldDef::new("ShareType", "Share Type", T::Picklist)
                .picklist(&["V", "C", "I"], true)
                .default_value("V"),
            FieldDef::new("Visibility", "Visibility", T::Picklist)
                .picklist(&["AllUsers", "InternalUsers", "SharedUsers"], true)
                .default_value("InternalUsers"),
        ],
    )
}

fn user() -> ObjectDef {
    let mut username = text("Username", "Username", 80).required();
    username.unique = true;
    username.id_lookup = true;
    with_compound_name(object(
        "User",
        "User",
        "Users",
        "005",
        vec![
            username,
            FieldDef::new("Email", "Email", T::Email)
                .len(128)
                .required(),
            text("FirstName", "First Name", 40),
            text("LastName", "Last Name", 80).required(),
            compound_name(),
            text("Alias", "Alias", 8).required(),
            boolean("IsActive", "Active"),
            reference("ProfileId", "Profile ID", &["Profile"], "Profile").required(),
            text("TimeZoneSidKey", "Time Zone", 40).required(),
            text("LocaleSidKey", "Locale", 40).required(),
            text("EmailEncodingKey", "Email Encoding", 40).required(),
            text("LanguageLocaleKey", "Language", 40).required(),
            text("Title", "Title", 80),
        ],
    ))
}

fn group() -> ObjectDef {
    object(
        "Group",
        "Group",
        "Groups",
        "00G",
        vec![
            text("Name", "Name", 40).required(),
            text("DeveloperName", "Developer Name", 80),
            FieldDef::new("Type", "Type", T::Picklist)
                .picklist(&["Queue", "Regular", "Role"], true)
                .required(),
        ],
    )
}

fn unique_name(mut field: FieldDef) -> FieldDef {
    field.unique = true;
    field.id_lookup = true;
    field
}

fn topic() -> ObjectDef {
    object(
        "Topic",
        "Topic",
        "Topics",
        "0TO",
        vec![
            // Topic names are unique in an org (case-insensitive): a second
            // Topic of a name is refused as a duplicate.
            unique_name(text("Name", "Name", 99).required()),
            long_text("Description", "Description", 1000),
        ],
    )
}

fn topic_assignment() -> ObjectDef {
    object(
        "TopicAssignment",
        "Topic Assignment",
        "Topic Assignments",
        "0FT",
        vec![
            reference("TopicId", "Topic ID", &["Topic"], "Topic")
                .required()
                .create_only()
                .cascade(),
            reference(
                "EntityId",
                "Entity ID",
                &["Account", "Case", "Contact"],
                "Entity",
            )
            .required()
            .create_only()
            .cascade(),
            text("EntityType", "Entity Type", 40).read_only(),
        ],
    )
}

fn record_type() -> ObjectDef {
    read_only_object(object(
        "RecordType",
        "Record Type",
        "Record Types",
        "012",
        vec![
            text("Name", "Record Type Name", 80),
            text("DeveloperName", "Record Type Name", 80),
            text("SobjectType", "SObject Type Name", 40),
            boolean("IsActive", "Active"),
            boolean("IsPersonType", "Is Person Type"),
            long_text("Description", "Description", 255),
        ],
    ))
}

fn profile() -> ObjectDef {
    read_only_object(object(
        "Profile",
        "Profile",
        "Profiles",
        "00e",
        vec![
            text("Name", "Name", 255),
            text("UserType", "User Type", 40),
            boolean("PermissionsModifyAllData", "Modify All Data"),
        ],
    ))
}

fn organization() -> ObjectDef {
    read_only_object(object(
        "Organization",
        "Organization",
        "Organizations",
        "00D",
        vec![
            text("Name", "Name", 80),
            text("OrganizationType", "Edition", 40),
            text("InstanceName", "Instance Name", 5),
            boolean("IsSandbox", "Is Sandbox"),
            text("NamespacePrefix", "Namespace Prefix", 15),
            text("DefaultLocaleSidKey", "Locale", 40),
            text("TimeZoneSidKey", "Default Time Zone", 40),
            text("LanguageLocaleKey", "Language", 40),
        ],
    ))
}

fn permission_set() -> ObjectDef {
    object(
        "PermissionSet",
        "Permission Set",
        "Permission Sets",
        "0PS",
        vec![
            text("Name", "Name", 80).required(),
            text("Label", "Label", 80).required(),
            long_text("Description", "Description", 255),
            boolean("IsOwnedByProfile", "Is Owned By Profile").read_only(),
            reference("ProfileId", "Profile ID", &["Profile"], "Profile").read_only(),
            boolean("PermissionsModifyAllData", "Modify All Data"),
        ],
    )
}

fn permission_set_assignment() -> ObjectDef {
    object(
        "PermissionSetAssignment",
        "Permission Set Assignment",
        "Permission Set Assignments",
        "0Pa",
        vec![
            reference("AssigneeId", "Assignee ID", &["User"], "Assignee")
                .required()
                .create_only()
                .cascade(),
            reference(
                "PermissionSetId",
                "Permission Set ID",
                &["PermissionSet"],
                "PermissionSet",
            )
            .required()
            .create_only()
            .cascade(),
        ],
    )
}

fn field_permissions() -> ObjectDef {
    object(
        "FieldPermissions",
        "Field Permissions",
        "Field Permissions",
        "01k",
        vec![
            reference("ParentId", "Parent ID", &["PermissionSet"], "Parent")
                .required()
                .create_only()
                .cascade(),
            text("SobjectType", "SObject Type Name", 40)
                .required()
                .create_only(),
            text("Field", "Field Name", 255).required().create_only(),
            boolean("PermissionsRead", "Read Access"),
            boolean("PermissionsEdit", "Edit Access"),
        ],
    )
}

fn assignment_rule() -> ObjectDef {
    read_only_object(object(
        "AssignmentRule",
        "Assignment Rule",
        "Assignment Rules",
        "01Q",
        vec![
            text("Name", "Name", 120),
            text("SobjectType", "SObject Type", 40),
            boolean("Active", "Active"),
        ],
    ))
}

/// Read-only (object reference: describe, query, retrieve only).
fn case_history() -> ObjectDef {
    read_only_object(object(
        "CaseHistory",
        "Case History",
        "Case History",
        "017",
        vec![
            reference("CaseId", "Case ID", &["Case"], "Case").cascade(),
            text("Field", "Changed Field", 255),
            FieldDef::new("OldValue", "Old Value", T::Any),
            FieldDef::new("NewValue", "New Value", T::Any),
        ],
    ))
}

fn metadata_field() -> FieldDef {
    FieldDef::new("Metadata", "Metadata", T::Any)
}

fn custom_field() -> ObjectDef {
    tooling(object(
        "CustomField",
        "Custom Field Definition",
        "Custom Field Definitions",
        "00N",
        vec![
            text("DeveloperName", "Field Name", 40).read_only(),
            text("TableEnumOrId", "Table Enum or ID", 40).read_only(),
            text("FullName", "Full Name", 255).create_only(),
            text("NamespacePrefix", "Namespace Prefix", 15).read_only(),
            long_text("Description", "Description", 1000).read_only(),
            metadata_field(),
        ],
    ))
}

fn custom_object() -> ObjectDef {
    tooling(object(
        "CustomObject",
        "Custom Object",
        "Custom Objects",
        "01I",
        vec![
            text("DeveloperName", "Object Name", 40).read_only(),
            text("FullName", "Full Name", 255).create_only(),
            text("NamespacePrefix", "Namespace Prefix", 15).read_only(),
            metadata_field(),
        ],
    ))
}

fn validation_rule() -> ObjectDef {
    tooling(object(
        "ValidationRule",
        "Validation Rule",
        "Validation Rules",
        "03d",
        vec![
            text("ValidationName", "Rule Name", 40),
            text("EntityDefinitionId", "Object", 40),
            boolean("Active", "Active"),
            long_text("ErrorMessage", "Error Message", 255),
            long_text("Description", "Description", 1000),
            metadata_field(),
        ],
    ))
}

fn apex_trigger() -> ObjectDef {
    tooling(object(
        "ApexTrigger",
        "Apex Trigger",
        "Apex Triggers",
        "01q",
        vec![
            text("Name", "Name", 255),
            text("TableEnumOrId", "Table Enum or ID", 40),
            FieldDef::new("Status", "Status", T::Picklist)
                .picklist(&["Active", "Inactive", "Deleted"], true),
            boolean("UsageBeforeInsert", "Before Insert"),
            boolean("UsageAfterInsert", "After Insert"),
            boolean("UsageBeforeUpdate", "Before Update"),
            boolean("UsageAfterUpdate", "After Update"),
        ],
    ))
}

/// The value sets behind standard picklists (Tooling `StandardValueSet`).
fn standard_value_set() -> ObjectDef {
    tooling(object(
        "StandardValueSet",
        "Standard Value Set",
        "Standard Value Sets",
        "0SV",
        vec![
            text("MasterLabel", "Master Label", 80).read_only(),
            metadata_field(),
        ],
    ))
}

pub fn objects(restricted_picklists: bool) -> Vec<ObjectDef> {
    vec![
        case(restricted_picklists),
        contact(),
        account(),
        email_message(),
        case_comment(),
        content_version(),
        content_document(),
        content_document_link(),
        user(),
        group(),
        topic(),
        topic_assignment(),
        record_type(),
        profile(),
        organization(),
        permission_set(),
        permission_set_assignment(),
        field_permissions(),
        assignment_rule(),
        case_history(),
        custom_field(),
        custom_object(),
        validation_rule(),
        apex_trigger(),
        standard_value_set(),
    ]
}

/// A picklist value in `Metadata.valueSet…value[]` / `standardValue[]` form.
pub fn value_json(v: &PicklistValue) -> serde_json::Value {
    serde_json::json!({
        "fullName": v.value,
        "label": v.label,
        "default": v.default,
        "closed": v.closed,
    })
}
