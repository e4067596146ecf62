//! User attributes: validation against the pool schema and the client's
//! write permissions, and the attribute operations (update, delete, verify).

use std::collections::BTreeMap;

use super::custom_message::MessageTrigger;
use super::users::CodeDelivery;
use super::{Medium, UserPools};
use crate::model::{AttributeType, CodePurpose, User, UserPool};
use crate::{CoreError, CoreResult};

pub const MAX_ATTRIBUTE_VALUE: usize = 2048;

/// Who is writing attributes: an administrator may set `*_verified`, an end
/// user may not, and an end user's client may restrict what it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Writer<'a> {
    Admin,
    Client(&'a [String]),
}

impl UserPools {
    /// Validates attributes to be written to a user of `pool`.
    pub(crate) fn check_attributes(
        pool: &UserPool,
        attrs: &BTreeMap<String, String>,
        writer: Writer<'_>,
        existing: Option<&User>,
    ) -> CoreResult<()> {
        for (name, value) in attrs {
            if name == "sub" {
                return Err(CoreError::invalid(
                    "Cannot modify the non-mutable attribute sub",
                ));
            }
            let schema = pool.attribute(name).ok_or_else(|| {
                CoreError::invalid(format!(
                    "Attributes did not conform to the schema: Type for attribute {{{name}}} could not be determined"
                ))
            })?;
            let verified_flag = name == "email_verified" || name == "phone_number_verified";
            match writer {
                Writer::Client(_) if verified_flag => {
                    return Err(CoreError::not_authorized(format!(
                        "A client attempted to write unauthorized attribute {name}"
                    )))
                }
                Writer::Client(allowed)
                    if !allowed.is_empty() && !allowed.iter().any(|a| a == name) =>
                {
                    return Err(CoreError::not_authorized(format!(
                        "A client attempted to write unauthorized attribute {name}"
                    )))
                }
                _ => {}
            }
            if let Some(user) = existing {
                if !schema.mutable && user.attributes.contains_key(name) {
                    return Err(CoreError::invalid(format!(
                        "Cannot modify an immutable attribute: {name}"
                    )));
                }
            }
            if value.chars().count() > MAX_ATTRIBUTE_VALUE {
                return Err(CoreError::invalid(format!(
                    "Attribute value for {name} must not be longer than {MAX_ATTRIBUTE_VALUE} characters"
                )));
            }
            let typed_ok = match schema.data_type {
                AttributeType::String | AttributeType::DateTime => true,
                AttributeType::Number => value.is_empty() || value.parse::<f64>().is_ok(),
                AttributeType::Boolean => matches!(value.as_str(), "true" | "false" | ""),
            };
            if !typed_ok {
                return Err(CoreError::invalid(format!(
                    "Attributes did not conform to the schema: {name}: value is not a valid {:?}",
                    schema.data_type
                )));
            }
            if name == "email" && !value.is_empty() && !looks_like_email(value) {
                return Err(CoreError::invalid("Invalid email address format."));
            }
            if name == "phone_number" && !value.is_empty() && !looks_like_phone(value) {
                return Err(CoreError::invalid("Invalid phone number format."));
            }
        }
        Ok(())
    }

    /// Every required attribute of the schema is present and non-empty.
    pub(crate) fn check_required(
        pool: &UserPool,
        attrs: &BTreeMap<String, String>,
    ) -> CoreResult<()> {
        for a in pool.schema.iter().filter(|a| a.required && a.name != "sub") {
            if attrs.get(&a.name).is_none_or(|v| v.is_empty()) {
                return Err(CoreError::invalid(format!(
                    "Attributes did not conform to the schema: {}: The attribute {} is required",
                    a.name, a.name
                )));
            }
        }
        Ok(())
    }

    /// Writes attributes; a changed e-mail or phone number becomes
    /// unverified (unless the writer verifies it too) and, when the pool
    /// auto-verifies it, a code is sent. Returns the deliveries made.
    pub(crate) async fn write_attributes(
        &self,
        pool: &UserPool,
        mut user: User,
        attrs: BTreeMap<String, String>,
        writer: Writer<'_>,
        trigger: &MessageTrigger<'_>,
    ) -> CoreResult<Vec<CodeDelivery>> {
        Self::check_attributes(pool, &attrs, writer, Some(&user))?;
        let mut to_verify = Vec::new();
        for (name, value) in &attrs {
            let value = Self::normalize(pool, name, value);
            let changed = user.attributes.get(name) != Some(&value);
            if changed && (name == "email" || name == "phone_number") {
                let flag = format!("{name}_verified");
                if !attrs.contains_key(&flag) {
                    user.attributes.insert(flag, "false".into());
                    if pool.auto_verified_attributes.iter().any(|a| a == name) {
                        to_verify.push(name.clone());
                    }
                }
                self.ensure_unique(pool, name, &value, &user.sub).await?;
            }
            user.attributes.insert(name.clone(), value);
        }
        self.check_aliases(pool, &user).await?;
        user.modified_ms = self.clock.now_ms();
        self.store.update_user(&user).await?;
        let mut deliveries = Vec::new();
        for name in to_verify {
            let medium = if name == "email" {
                Medium::Email
            } else {
                Medium::Sms
            };
            if let Some(dest) = user.attributes.get(&name).cloned() {
                deliveries.push(
                    self.send_code(
                        pool,
                        &user,
                        CodePurpose::VerifyAttribute(name),
                        (medium, &dest),
                        trigger,
                    )
                    .await?,
                );
            }
        }
        Ok(deliveries)
    }

    /// E-mail addresses used for sign-in are compared without case when the
    /// pool's usernames are case-insensitive, so they are stored folded.
    pub(crate) fn normalize(pool: &UserPool, name: &str, value: &str) -> String {
        if name == "email" && pool.signs_in_with("email") && !pool.username_case_sensitive {
            value.to_lowercase()
        } else {
            value.to_string()
        }
    }

    /// A sign-in attribute (username attribute) may belong to one user only.
    pub(crate) async fn ensure_unique(
        &self,
        pool: &UserPool,
        name: &str,
        value: &str,
        sub: &str,
    ) -> CoreResult<()> {
        if !pool.username_attributes.iter().any(|a| a == name) {
            return Ok(());
        }
        let others = self
            .store
            .find_users_by_attribute(&pool.id, name, value)
            .await?;
        if others.iter().any(|u| u.sub != sub) {
            return Err(CoreError::AliasExists(format!(
                "An account with the given {name} already exists."
            )));
        }
        Ok(())
    }

    pub(crate) async fn remove_attributes(
        &self,
        pool: &UserPool,
        mut user: User,
        names: &[String],
    ) -> CoreResult<()> {
        for name in names {
            if name == "sub" {
                return Err(CoreError::invalid("Cannot delete the attribute sub"));
            }
            match pool.attribute(name) {
                None => {
                    return Err(CoreError::invalid(format!(
                        "Attribute {name} does not exist in the schema."
                    )))
                }
                Some(a) if a.required => {
                    return Err(CoreError::invalid(format!(
                        "Cannot delete the required attribute {name}"
                    )))
                }
                _ => {}
            }
            user.attributes.remove(name);
            if name == "email" || name == "phone_number" {
                user.attributes.remove(&format!("{name}_verified"));
            }
        }
        user.modified_ms = self.clock.now_ms();
        self.store.update_user(&user).await?;
        Ok(())
    }

    // === operations ===

    pub async fn admin_update_user_attributes(
        &self,
        pool_id: &str,
        username: &str,
        attrs: BTreeMap<String, String>,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        let trigger = MessageTrigger::new("UpdateUserAttribute", None, metadata);
        self.write_attributes(&pool, user, attrs, Writer::Admin, &trigger)
            .await?;
        Ok(())
    }

    pub async fn update_user_attributes(
        &self,
        access_token: &str,
        attrs: BTreeMap<String, String>,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<Vec<CodeDelivery>> {
        let ctx = self.authorize_access_token(access_token).await?;
        let client = self.client(&ctx.pool.id, &ctx.client_id).await?;
        let trigger = MessageTrigger::new("UpdateUserAttribute", Some(&ctx.client_id), metadata);
        self.write_attributes(
            &ctx.pool,
            ctx.user,
            attrs,
            Writer::Client(&client.write_attributes),
            &trigger,
        )
        .await
    }

    pub async fn admin_delete_user_attributes(
        &self,
        pool_id: &str,
        username: &str,
        names: &[String],
    ) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        self.remove_attributes(&pool, user, names).await
    }

    pub async fn delete_user_attributes(
        &self,
        access_token: &str,
        names: &[String],
    ) -> CoreResult<()> {
        let ctx = self.authorize_access_token(access_token).await?;
        self.remove_attributes(&ctx.pool, ctx.user, names).await
    }

    pub async fn get_user_attribute_verification_code(
        &self,
        access_token: &str,
        attribute: &str,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<CodeDelivery> {
        let ctx = self.authorize_access_token(access_token).await?;
        let medium = match attribute {
            "email" => Medium::Email,
            "phone_number" => Medium::Sms,
            _ => {
                return Err(CoreError::invalid(format!(
                    "Attribute {attribute} cannot be verified"
                )))
            }
        };
        let dest = ctx
            .user
            .attr(attribute)
            .map(str::to_string)
            .ok_or_else(|| {
                CoreError::invalid(format!("User does not have the attribute {attribute}"))
            })?;
        let trigger = MessageTrigger::new("VerifyUserAttribute", Some(&ctx.client_id), metadata);
        self.send_code(
            &ctx.pool,
            &ctx.user,
            CodePurpose::VerifyAttribute(attribute.to_string()),
            (medium, &dest),
            &trigger,
        )
        .await
    }

    pub async fn verify_user_attribute(
        &self,
        access_token: &str,
        attribute: &str,
        code: &str,
    ) -> CoreResult<()> {
        let ctx = self.authorize_access_token(access_token).await?;
        let purpose = CodePurpose::VerifyAttribute(attribute.to_string());
        self.check_code(&ctx.pool, &ctx.user, &purpose, code)
            .await?;
        let mut user = ctx.user;
        user.attributes
            .insert(format!("{attribute}_verified"), "true".into());
        user.modified_ms = self.clock.now_ms();
        self.store.update_user(&user).await?;
        Ok(())
    }
}

pub(crate) fn looks_like_email(v: &str) -> bool {
    match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !v.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

pub(crate) fn looks_like_phone(v: &str) -> bool {
    v.len() >= 3
        && v.len() <= 20
        && v.starts_with('+')
        && v[1..].bytes().all(|b| b.is_ascii_digit())
}
