//! Typed Gorgias endpoints (reference §4): one method per call deskshift
//! makes, so the rest of the crate never spells a path or a query.

use super::wire::{
    CustomField, Customer, Event, FieldValue, Id, Message, NewCustomField, NewCustomer, NewMessage,
    NewSurvey, NewTag, NewTicket, NewUser, Page, Rule, StoredFieldValue, TagOut, Ticket, User,
};
use super::{ApiError, GorgiasClient};
use futures::stream::BoxStream;
use futures::TryStreamExt;
use serde_json::{json, Value};

/// `object_type` of a custom field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldObjectType {
    Ticket,
    Customer,
}

impl FieldObjectType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldObjectType::Ticket => "Ticket",
            FieldObjectType::Customer => "Customer",
        }
    }
}

impl GorgiasClient {
    /// `GET /api/account`: proves the URL and the credentials work.
    pub async fn account(&self) -> Result<Value, ApiError> {
        self.get("/account", &[]).await
    }

    // ------------------------------------------------------------- users

    pub fn users(&self) -> BoxStream<'static, Result<User, ApiError>> {
        self.list("/users".into(), Vec::new())
    }

    pub async fn create_user(&self, user: &NewUser) -> Result<User, ApiError> {
        self.create("/users", user).await
    }

    pub async fn user(&self, id: Id) -> Result<Option<User>, ApiError> {
        self.get_optional(&format!("/users/{id}"), &[]).await
    }

    /// Deactivates a user (`active: false`; Gorgias keeps the user and its
    /// history) or, with `active`, reactivates it.
    pub async fn set_user_active(&self, id: Id, active: bool) -> Result<(), ApiError> {
        let _: Value = self
            .put(&format!("/users/{id}"), &json!({ "active": active }))
            .await?;
        Ok(())
    }

    /// Users whose `external_id` is `external_id` (a user deskshift created).
    pub async fn users_by_external_id(&self, external_id: &str) -> Result<Vec<User>, ApiError> {
        let page: Page<User> = self
            .get("/users", &[("external_id", external_id.to_string())])
            .await?;
        Ok(page.data)
    }

    // --------------------------------------------------------- customers

    pub fn customers(&self) -> BoxStream<'static, Result<Customer, ApiError>> {
        self.list("/customers".into(), Vec::new())
    }

    pub async fn customers_by_email(&self, email: &str) -> Result<Vec<Customer>, ApiError> {
        let page: Page<Customer> = self
            .get("/customers", &[("email", email.to_string())])
            .await?;
        Ok(page.data)
    }

    pub async fn customers_by_external_id(
        &self,
        external_id: &str,
    ) -> Result<Vec<Customer>, ApiError> {
        let page: Page<Customer> = self
            .get("/customers", &[("external_id", external_id.to_string())])
            .await?;
        Ok(page.data)
    }

    pub async fn customer(&self, id: Id) -> Result<Option<Customer>, ApiError> {
        self.get_optional(&format!("/customers/{id}"), &[]).await
    }

    pub async fn create_customer(&self, customer: &NewCustomer) -> Result<Customer, ApiError> {
        self.create("/customers", customer).await
    }

    /// `PUT /api/customers/{id}`: the given fields change; `channels`
    /// replaces them all.
    pub async fn update_customer(&self, id: Id, changes: &Value) -> Result<(), ApiError> {
        let _: Value = self.put(&format!("/customers/{id}"), changes).await?;
        Ok(())
    }

    /// `DELETE /api/customers` with `{"ids": […]}`: one call for many;
    /// ids already gone are ignored.
    pub async fn delete_customers(&self, ids: &[Id]) -> Result<(), ApiError> {
        self.delete("/customers", Some(&json!({ "ids": ids })))
            .await
            .map(drop)
    }

    /// Customers, most recently updated first.
    pub fn customers_recently_updated(&self) -> BoxStream<'static, Result<Customer, ApiError>> {
        self.list(
            "/customers".into(),
            vec![("order_by", "updated_datetime:desc".into())],
        )
    }

    /// `PUT /api/customers/{id}/data`: replaces the customer's sidebar data.
    pub async fn put_customer_data(&self, id: Id, data: &Value) -> Result<(), ApiError> {
        let _: Value = self
            .put(&format!("/customers/{id}/data"), &json!({ "data": data }))
            .await?;
        Ok(())
    }

    /// `PUT /api/customers/{id}/custom-fields`: replaces every value.
    pub async fn put_customer_fields(&self, id: Id, values: &[FieldValue]) -> Result<(), ApiError> {
        let _: Value = self
            .put(&format!("/customers/{id}/custom-fields"), values)
            .await?;
        Ok(())
    }

    pub async fn customer_fields(&self, id: Id) -> Result<Vec<StoredFieldValue>, ApiError> {
        let page: Page<StoredFieldValue> = self
            .get(&format!("/customers/{id}/custom-fields"), &[])
            .await?;
        Ok(page.data)
    }

    // ----------------------------------------------------------- tickets

    pub async fn create_ticket(&self, ticket: &NewTicket) -> Result<Ticket, ApiError> {
        self.create("/tickets", ticket).await
    }

    pub async fn ticket(&self, id: Id) -> Result<Option<Ticket>, ApiError> {
        self.get_optional(&format!("/tickets/{id}"), &[]).await
    }

    /// `PUT /api/tickets/{id}`: the given fields change (`tags` replaces them all).
    pub async fn update_ticket(&self, id: Id, changes: &Value) -> Result<(), ApiError> {
        let _: Value = self.put(&format!("/tickets/{id}"), changes).await?;
        Ok(())
    }

    /// `PUT /api/tickets/{id}/custom-fields`: replaces every value.
    pub async fn put_ticket_fields(&self, id: Id, values: &[FieldValue]) -> Result<(), ApiError> {
        let _: Value = self
            .put(&format!("/tickets/{id}/custom-fields"), values)
            .await?;
        Ok(())
    }

    /// `DELETE /api/tickets/{id}`: the ticket with its messages, for good;
    /// `false` when it was gone already.
    pub async fn delete_ticket(&self, id: Id) -> Result<bool, ApiError> {
        self.delete::<Value>(&format!("/tickets/{id}"), None).await
    }

    /// Tickets, most recently updated first.
    pub fn tickets_recently_updated(&self) -> BoxStream<'static, Result<Ticket, ApiError>> {
        self.list(
            "/tickets".into(),
            vec![("order_by", "updated_datetime:desc".into())],
        )
    }

    /// Tickets carrying `external_id` (not unique in Gorgias: callers decide).
    pub async fn tickets_by_external_id(&self, external_id: &str) -> Result<Vec<Ticket>, ApiError> {
        let page: Page<Ticket> = self
            .get("/tickets", &[("external_id", external_id.to_string())])
            .await?;
        Ok(page.data)
    }

    pub async fn ticket_fields(&self, id: Id) -> Result<Vec<StoredFieldValue>, ApiError> {
        let page: Page<StoredFieldValue> = self
            .get(&format!("/tickets/{id}/custom-fields"), &[])
            .await?;
        Ok(page.data)
    }

    // ---------------------------------------------------------- messages

    pub async fn create_message(
        &self,
        ticket: Id,
        message: &NewMessage,
    ) -> Result<Message, ApiError> {
        self.create(&format!("/tickets/{ticket}/messages"), message)
            .await
    }

    /// `DELETE /api/tickets/{ticket}/messages/{id}`; `false` when gone already.
    pub async fn delete_message(&self, ticket: Id, id: Id) -> Result<bool, ApiError> {
        self.delete::<Value>(&format!("/tickets/{ticket}/messages/{id}"), None)
            .await
    }

    /// A ticket's messages, oldest first (`GET /api/messages?ticket_id=`;
    /// the per-ticket list is deprecated).
    pub fn messages(&self, ticket: Id) -> BoxStream<'static, Result<Message, ApiError>> {
        self.list(
            "/messages".into(),
            vec![
                ("ticket_id", ticket.to_string()),
                ("order_by", "created_datetime:asc".into()),
            ],
        )
    }

    /// The message of `ticket` carrying `external_id`, if any. Messages have
    /// no external-id filter, so this walks the ticket's messages.
    pub async fn message_by_external_id(
        &self,
        ticket: Id,
        external_id: &str,
    ) -> Result<Option<Message>, ApiError> {
        let mut messages = self.messages(ticket);
        while let Some(message) = messages.try_next().await? {
            if message.external_id.as_deref() == Some(external_id) {
                return Ok(Some(message));
            }
        }
        Ok(None)
    }

    // ----------------------------------------------------- tags, fields

    pub fn tags(&self) -> BoxStream<'static, Result<TagOut, ApiError>> {
        self.list("/tags".into(), Vec::new())
    }

    pub async fn create_tag(&self, tag: &NewTag) -> Result<TagOut, ApiError> {
        self.create("/tags", tag).await
    }

    /// `DELETE /api/tags` with `{"ids": […]}`; ids already gone are ignored.
    pub async fn delete_tags(&self, ids: &[Id]) -> Result<(), ApiError> {
        self.delete("/tags", Some(&json!({ "ids": ids })))
            .await
            .map(drop)
    }

    pub fn custom_fields(
        &self,
        object_type: FieldObjectType,
    ) -> BoxStream<'static, Result<CustomField, ApiError>> {
        self.list(
            "/custom-fields".into(),
            vec![("object_type", object_type.as_str().into())],
        )
    }

    pub async fn create_custom_field(
        &self,
        field: &NewCustomField,
    ) -> Result<CustomField, ApiError> {
        self.create("/custom-fields", field).await
    }

    pub async fn custom_field(&self, id: Id) -> Result<Option<CustomField>, ApiError> {
        self.get_optional(&format!("/custom-fields/{id}"), &[])
            .await
    }

    /// Archives a custom field (`deactivated_datetime` = `at`; Gorgias has no
    /// delete for fields) or, with `None`, brings it back.
    pub async fn set_field_archived(&self, id: Id, at: Option<&str>) -> Result<(), ApiError> {
        let _: Value = self
            .put(
                &format!("/custom-fields/{id}"),
                &json!({ "deactivated_datetime": at }),
            )
            .await?;
        Ok(())
    }

    // ------------------------------------------------ rules, events, CSAT

    pub fn rules(&self) -> BoxStream<'static, Result<Rule, ApiError>> {
        self.list("/rules".into(), Vec::new())
    }

    /// Deactivates a rule (`deactivated_datetime` = `at`) or, with `None`,
    /// re-enables it.
    pub async fn set_rule_deactivated(&self, id: Id, at: Option<&str>) -> Result<(), ApiError> {
        let _: Value = self
            .put(
                &format!("/rules/{id}"),
                &json!({ "deactivated_datetime": at }),
            )
            .await?;
        Ok(())
    }

    /// Events about one object, e.g. to see whether a rule ran on a ticket.
    pub fn events(
        &self,
        object_type: &str,
        object_id: Id,
    ) -> BoxStream<'static, Result<Event, ApiError>> {
        self.list(
            "/events".into(),
            vec![
                ("object_type", object_type.to_string()),
                ("object_id", object_id.to_string()),
            ],
        )
    }

    pub async fn create_survey(&self, survey: &NewSurvey) -> Result<Value, ApiError> {
        self.create("/satisfaction-surveys", survey).await
    }
}
