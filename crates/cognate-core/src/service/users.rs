//! Users: sign-up and confirmation, administrator-created users, look-ups,
//! listing, deletion, enabling and disabling.

use std::collections::BTreeMap;

use super::attributes::{looks_like_email, looks_like_phone, Writer};
use super::codes::code_mismatch;
use super::custom_message::{shown_username, MessageTrigger};
use super::passwords::{check_policy, generate_temporary};
use super::signup_triggers::PreSignUpCall;
use super::{Medium, Message, Purpose, UserPools};
use crate::model::{CodePurpose, User, UserFilter, UserPool, UserStatus};
use crate::rng::RngExt;
use crate::store::StoreError;
use crate::{CoreError, CoreResult};

/// The CodeDeliveryDetails of a sent code, destination masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDelivery {
    pub destination: String,
    pub medium: Medium,
    pub attribute: String,
}

#[derive(Debug, Clone)]
pub struct SignUp {
    pub client_id: String,
    pub username: String,
    pub password: String,
    pub attributes: BTreeMap<String, String>,
    pub secret_hash: Option<String>,
    /// ValidationData, for the PreSignUp trigger.
    pub validation_data: BTreeMap<String, String>,
    /// ClientMetadata, for the triggers the call runs.
    pub client_metadata: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct SignUpResult {
    pub user_sub: String,
    pub confirmed: bool,
    pub delivery: Option<CodeDelivery>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageAction {
    Resend,
    Suppress,
}

#[derive(Debug, Clone)]
pub struct AdminCreateUser {
    pub pool_id: String,
    pub username: String,
    pub attributes: BTreeMap<String, String>,
    pub temporary_password: Option<String>,
    pub message_action: Option<MessageAction>,
    pub mediums: Vec<Medium>,
    /// ValidationData, for the PreSignUp trigger.
    pub validation_data: BTreeMap<String, String>,
    /// ClientMetadata, for the triggers the call runs.
    pub client_metadata: BTreeMap<String, String>,
}

impl UserPools {
    /// Resolves the name a new user gives into (internal username, attributes):
    /// in pools that sign in by e-mail or phone number, the name is that
    /// attribute and the internal username is the `sub`.
    pub(super) fn new_identity(
        pool: &UserPool,
        username: &str,
        sub: &str,
        attrs: &mut BTreeMap<String, String>,
    ) -> CoreResult<String> {
        if username.is_empty()
            || username.chars().count() > 128
            || username
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(CoreError::invalid(
                "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+",
            ));
        }
        if pool.username_attributes.is_empty() {
            if pool.alias_attributes.iter().any(|a| a == "email") && looks_like_email(username) {
                return Err(CoreError::invalid(
                    "Username cannot be of email format, since user pool is configured for email alias.",
                ));
            }
            if pool.alias_attributes.iter().any(|a| a == "phone_number")
                && looks_like_phone(username)
            {
                return Err(CoreError::invalid(
                    "Username cannot be of phone number format, since user pool is configured for phone number alias.",
                ));
            }
            return Ok(username.to_string());
        }
        let as_email =
            pool.username_attributes.iter().any(|a| a == "email") && looks_like_email(username);
        let as_phone = pool.username_attributes.iter().any(|a| a == "phone_number")
            && looks_like_phone(username);
        let attr = if as_email {
            "email"
        } else if as_phone {
            "phone_number"
        } else if pool.username_attributes.iter().any(|a| a == "email") {
            return Err(CoreError::invalid("Username should be an email."));
        } else {
            return Err(CoreError::invalid("Username should be a phone number."));
        };
        attrs.insert(attr.to_string(), Self::normalize(pool, attr, username));
        Ok(sub.to_string())
    }

    pub(super) async fn insert_new_user(&self, pool: &UserPool, user: &User) -> CoreResult<()> {
        for attr in &pool.username_attributes {
            if let Some(v) = user.attributes.get(attr) {
                if !self
                    .store
                    .find_users_by_attribute(&pool.id, attr, v)
                    .await?
                    .is_empty()
                {
                    return Err(CoreError::UsernameExists(format!(
                        "An account with the given {attr} already exists."
                    )));
                }
            }
        }
        self.check_aliases(pool, user).await?;
        match self.store.create_user(user).await {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict(_)) => {
                Err(CoreError::UsernameExists("User already exists".into()))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub(super) fn blank_user(
        &self,
        pool: &UserPool,
        sub: String,
        username: String,
        attrs: BTreeMap<String, String>,
    ) -> User {
        let now = self.clock.now_ms();
        let mut attributes = BTreeMap::new();
        for (k, v) in attrs {
            let v = Self::normalize(pool, &k, &v);
            attributes.insert(k, v);
        }
        for a in ["email", "phone_number"] {
            if attributes.contains_key(a) {
                attributes
                    .entry(format!("{a}_verified"))
                    .or_insert_with(|| "false".into());
            }
        }
        User {
            pool_id: pool.id.clone(),
            username_key: Self::username_key(pool, &username),
            username,
            sub,
            status: UserStatus::Unconfirmed,
            enabled: true,
            password_hash: None,
            srp_verifier: None,
            password_set_ms: now,
            attributes,
            created_ms: now,
            modified_ms: now,
            failed_sign_ins: 0,
            mfa: Default::default(),
            last_failed_sign_in_ms: 0,
            passthrough: Default::default(),
        }
    }

    pub async fn sign_up(&self, req: SignUp) -> CoreResult<SignUpResult> {
        let (pool, client) = self.client_by_id(&req.client_id).await?;
        self.check_secret_hash(&client, &req.username, req.secret_hash.as_deref())?;
        if pool.allow_admin_create_user_only {
            return Err(CoreError::not_authorized(
                "SignUp is not permitted for this user pool",
            ));
        }
        Self::check_attributes(
            &pool,
            &req.attributes,
            Writer::Client(&client.write_attributes),
            None,
        )?;
        check_policy(&pool.password_policy, &req.password)?;
        let sub = self.rng.uuid();
        let mut attrs = req.attributes;
        let username = Self::new_identity(&pool, &req.username, &sub, &mut attrs)?;
        Self::check_required(&pool, &attrs)?;
        let mut user = self.blank_user(&pool, sub, username, attrs.clone());
        let confirmed = self
            .pre_sign_up(
                &pool,
                &mut user,
                PreSignUpCall {
                    source: "PreSignUp_SignUp",
                    client_id: Some(&client.client_id),
                    given: &attrs,
                    validation_data: &req.validation_data,
                    metadata: &req.client_metadata,
                },
            )
            .await?;
        if confirmed {
            user.status = UserStatus::Confirmed;
        }
        user.password_hash = Some(self.hasher.hash(&*self.rng, &req.password).await?);
        self.set_srp_verifier(&mut user, &req.password);
        self.insert_new_user(&pool, &user).await?;
        let trigger = MessageTrigger::new("SignUp", Some(&client.client_id), &req.client_metadata);
        let delivery = match self.auto_verify_destination(&pool, &user) {
            Some((medium, dest)) if !confirmed => Some(
                self.send_code(&pool, &user, CodePurpose::SignUp, (medium, &dest), &trigger)
                    .await?,
            ),
            _ => None,
        };
        Ok(SignUpResult {
            user_sub: user.sub,
            confirmed,
            delivery,
        })
    }

    /// The first auto-verified attribute the user has.
    fn auto_verify_destination(&self, pool: &UserPool, user: &User) -> Option<(Medium, String)> {
        for attr in &pool.auto_verified_attributes {
            let medium = match attr.as_str() {
                "email" => Medium::Email,
                "phone_number" => Medium::Sms,
                _ => continue,
            };
            if let Some(v) = user.attr(attr) {
                return Some((medium, v.to_string()));
            }
        }
        None
    }

    pub async fn confirm_sign_up(
        &self,
        client_id: &str,
        username: &str,
        code: &str,
        secret_hash: Option<&str>,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<()> {
        let (pool, mut user) = self
            .end_user(client_id, username, secret_hash)
            .await?
            .ok_or_else(code_mismatch)?;
        if user.status != UserStatus::Unconfirmed {
            return Err(CoreError::not_authorized(format!(
                "User cannot be confirmed. Current status is {}",
                user.status.as_str()
            )));
        }
        self.check_code(&pool, &user, &CodePurpose::SignUp, code)
            .await?;
        if let Some((medium, _)) = self.auto_verify_destination(&pool, &user) {
            user.attributes
                .insert(format!("{}_verified", medium.attribute()), "true".into());
        }
        self.check_aliases(&pool, &user).await?;
        user.status = UserStatus::Confirmed;
        user.modified_ms = self.clock.now_ms();
        self.store.update_user(&user).await?;
        self.post_confirmation(
            &pool,
            &user,
            "PostConfirmation_ConfirmSignUp",
            Some(client_id),
            metadata,
        )
        .await
    }

    /// A verified alias (e-mail, phone number) or a preferred username may
    /// belong to one user only.
    pub(crate) async fn check_aliases(&self, pool: &UserPool, user: &User) -> CoreResult<()> {
        for attr in &pool.alias_attributes {
            let Some(value) = user.attributes.get(attr) else {
                continue;
            };
            let counts = attr == "preferred_username" || user.is_verified(attr);
            if !counts {
                continue;
            }
            let others = self
                .store
                .find_users_by_attribute(&pool.id, attr, value)
                .await?;
            let taken = others.iter().any(|o| {
                o.sub != user.sub && (attr == "preferred_username" || o.is_verified(attr))
            });
            if taken {
                let what = if attr == "phone_number" {
                    "phone number"
                } else {
                    attr.as_str()
                };
                return Err(CoreError::AliasExists(format!(
                    "An account with the {what} already exists."
                )));
            }
        }
        Ok(())
    }

    pub async fn resend_confirmation_code(
        &self,
        client_id: &str,
        username: &str,
        secret_hash: Option<&str>,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<CodeDelivery> {
        let Some((pool, user)) = self.end_user(client_id, username, secret_hash).await? else {
            return self.unknown_user_delivery(username).await;
        };
        if user.status != UserStatus::Unconfirmed {
            return Err(CoreError::invalid("User is already confirmed."));
        }
        let (medium, dest) = self
            .auto_verify_destination(&pool, &user)
            .or_else(|| self.destination(&user, None))
            .ok_or_else(|| CoreError::invalid("Auto verification not turned on."))?;
        let trigger = MessageTrigger::new("ResendCode", Some(client_id), metadata);
        self.send_code(&pool, &user, CodePurpose::SignUp, (medium, &dest), &trigger)
            .await
    }

    pub async fn admin_confirm_sign_up(
        &self,
        pool_id: &str,
        username: &str,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let mut user = self.user(&pool, username).await?;
        if user.status != UserStatus::Unconfirmed {
            return Err(CoreError::not_authorized(format!(
                "User cannot be confirmed. Current status is {}",
                user.status.as_str()
            )));
        }
        user.status = UserStatus::Confirmed;
        user.modified_ms = self.clock.now_ms();
        self.store.update_user(&user).await?;
        self.post_confirmation(
            &pool,
            &user,
            "PostConfirmation_ConfirmSignUp",
            None,
            metadata,
        )
        .await
    }

    pub async fn admin_create_user(&self, req: AdminCreateUser) -> CoreResult<User> {
        let pool = self.pool(&req.pool_id).await?;
        let temporary = match &req.temporary_password {
            Some(p) => {
                check_policy(&pool.password_policy, p)?;
                p.clone()
            }
            None => generate_temporary(&*self.rng, &pool.password_policy),
        };
        let hash = self.hasher.hash(&*self.rng, &temporary).await?;
        let user = if req.message_action == Some(MessageAction::Resend) {
            let mut user = self.user(&pool, &req.username).await?;
            if user.status != UserStatus::ForceChangePassword {
                return Err(CoreError::UnsupportedUserState(format!(
                    "Resend not possible. {} status is not FORCE_CHANGE_PASSWORD",
                    user.username
                )));
            }
            user.password_hash = Some(hash);
            self.set_srp_verifier(&mut user, &temporary);
            user.password_set_ms = self.clock.now_ms();
            user.modified_ms = user.password_set_ms;
            self.store.update_user(&user).await?;
            user
        } else {
            Self::check_attributes(&pool, &req.attributes, Writer::Admin, None)?;
            let sub = self.rng.uuid();
            let mut attrs = req.attributes.clone();
            let username = Self::new_identity(&pool, &req.username, &sub, &mut attrs)?;
            let mut user = self.blank_user(&pool, sub, username, attrs.clone());
            // The user must change the temporary password whatever the
            // hook says about confirmation; its verifications apply.
            self.pre_sign_up(
                &pool,
                &mut user,
                PreSignUpCall {
                    source: "PreSignUp_AdminCreateUser",
                    client_id: None,
                    given: &attrs,
                    validation_data: &req.validation_data,
                    metadata: &req.client_metadata,
                },
            )
            .await?;
            user.status = UserStatus::ForceChangePassword;
            user.password_hash = Some(hash);
            self.set_srp_verifier(&mut user, &temporary);
            match self.insert_new_user(&pool, &user).await {
                Err(CoreError::UsernameExists(_)) => {
                    return Err(CoreError::UsernameExists(
                        "User account already exists".into(),
                    ))
                }
                other => other?,
            }
            user
        };
        if req.message_action != Some(MessageAction::Suppress) {
            let trigger = MessageTrigger::new("AdminCreateUser", None, &req.client_metadata);
            self.send_invitation(&pool, &user, &temporary, &req.mediums, &trigger)
                .await?;
        }
        Ok(user)
    }

    async fn send_invitation(
        &self,
        pool: &UserPool,
        user: &User,
        temporary: &str,
        mediums: &[Medium],
        trigger: &MessageTrigger<'_>,
    ) -> CoreResult<()> {
        let wanted = if mediums.is_empty() {
            &[Medium::Sms][..]
        } else {
            mediums
        };
        let mut targets: Vec<(Medium, String)> = wanted
            .iter()
            .filter_map(|m| user.attr(m.attribute()).map(|d| (*m, d.to_string())))
            .collect();
        if targets.is_empty() {
            targets.extend(self.destination(user, None));
        }
        let shown = shown_username(pool, user);
        for (medium, destination) in targets {
            let mut message = Message {
                pool_id: pool.id.clone(),
                username: user.username.clone(),
                purpose: Purpose::Invitation,
                medium,
                destination,
                subject: "Your temporary password".into(),
                body: format!("Your username is {shown} and temporary password is {temporary}. "),
                code: None,
                temporary_password: Some(temporary.to_string()),
            };
            self.apply_custom_message(pool, user, trigger, &mut message)
                .await?;
            self.send(message).await?;
        }
        Ok(())
    }

    pub async fn admin_get_user(&self, pool_id: &str, username: &str) -> CoreResult<User> {
        let pool = self.pool(pool_id).await?;
        self.user(&pool, username).await
    }

    pub async fn get_user(&self, access_token: &str) -> CoreResult<User> {
        Ok(self.access_user(access_token).await?.1)
    }

    /// One page of users; `after` is the previous page's last `username_key`.
    /// Returns up to `limit + 1` users so the caller can tell if more follow.
    pub async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&UserFilter>,
        after: Option<&str>,
        limit: u32,
    ) -> CoreResult<Vec<User>> {
        self.pool(pool_id).await?;
        Ok(self
            .store
            .list_users(pool_id, filter, after, limit + 1)
            .await?)
    }

    pub async fn admin_delete_user(&self, pool_id: &str, username: &str) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        Ok(self.store.delete_user(&pool.id, &user.sub).await?)
    }

    pub async fn delete_user(&self, access_token: &str) -> CoreResult<()> {
        let ctx = self.authorize_access_token(access_token).await?;
        Ok(self.store.delete_user(&ctx.pool.id, &ctx.user.sub).await?)
    }

    pub async fn admin_set_user_enabled(
        &self,
        pool_id: &str,
        username: &str,
        enabled: bool,
    ) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let mut user = self.user(&pool, username).await?;
        user.enabled = enabled;
        user.modified_ms = self.clock.now_ms();
        self.store.update_user(&user).await?;
        Ok(())
    }
}
