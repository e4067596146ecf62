//! Passwords after sign-up: administrators setting and resetting them,
//! users changing them, and the forgot-password flow.

use std::collections::BTreeMap;

use super::codes::code_mismatch;
use super::custom_message::MessageTrigger;
use super::migration::{migration_refused, Migration};
use super::passwords::check_policy;
use super::users::CodeDelivery;
use super::UserPools;
use crate::model::{CodePurpose, User, UserStatus};
use crate::{CoreError, CoreResult};

impl UserPools {
    async fn store_password(
        &self,
        mut user: User,
        password: &str,
        status: UserStatus,
    ) -> CoreResult<User> {
        user.password_hash = Some(self.hasher.hash(&*self.rng, password).await?);
        self.set_srp_verifier(&mut user, password);
        user.status = status;
        user.password_set_ms = self.clock.now_ms();
        user.modified_ms = user.password_set_ms;
        user.failed_sign_ins = 0;
        self.store.update_user(&user).await?;
        Ok(user)
    }

    pub async fn admin_set_user_password(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
        permanent: bool,
    ) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        check_policy(&pool.password_policy, password)?;
        let status = if permanent {
            UserStatus::Confirmed
        } else {
            UserStatus::ForceChangePassword
        };
        self.store_password(user, password, status).await?;
        Ok(())
    }

    /// Marks the user RESET_REQUIRED and sends them a reset code when they
    /// have somewhere to receive it.
    pub async fn admin_reset_user_password(&self, pool_id: &str, username: &str) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let mut user = self.user(&pool, username).await?;
        user.status = UserStatus::ResetRequired;
        user.modified_ms = self.clock.now_ms();
        self.store.update_user(&user).await?;
        if let Some((medium, dest)) = self.verified_destination(&user) {
            let trigger = MessageTrigger::admin("ForgotPassword");
            self.send_code(
                &pool,
                &user,
                CodePurpose::ForgotPassword,
                (medium, &dest),
                &trigger,
            )
            .await?;
        }
        Ok(())
    }

    pub async fn change_password(
        &self,
        access_token: &str,
        previous: &str,
        proposed: &str,
    ) -> CoreResult<()> {
        let ctx = self.authorize_access_token(access_token).await?;
        let ok = match &ctx.user.password_hash {
            Some(h) => self.hasher.verify(previous, h).await?,
            None => false,
        };
        if !ok {
            return Err(CoreError::not_authorized("Incorrect username or password."));
        }
        check_policy(&ctx.pool.password_policy, proposed)?;
        let status = ctx.user.status;
        self.store_password(ctx.user, proposed, status).await?;
        Ok(())
    }

    fn verified_destination(&self, user: &User) -> Option<(super::Medium, String)> {
        use super::Medium;
        if user.is_verified("email") {
            if let Some(e) = user.attr("email") {
                return Some((Medium::Email, e.to_string()));
            }
        }
        if user.is_verified("phone_number") {
            if let Some(p) = user.attr("phone_number") {
                return Some((Medium::Sms, p.to_string()));
            }
        }
        None
    }

    pub async fn forgot_password(
        &self,
        client_id: &str,
        username: &str,
        secret_hash: Option<&str>,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<CodeDelivery> {
        let (pool, client) = self.client_by_id(client_id).await?;
        self.check_secret_hash(&client, username, secret_hash)?;
        let found = self.find_user(&pool, username).await?;
        let user = match found {
            Some(user) => user,
            // A user the pool does not know may be one its UserMigration
            // trigger can bring in, without a password.
            None => match self
                .migrate_user(&pool, &client, username, None, metadata)
                .await?
            {
                Migration::Migrated(user) => *user,
                Migration::Refused if !client.prevent_user_existence_errors => {
                    return Err(migration_refused(&client))
                }
                Migration::NoTrigger if !client.prevent_user_existence_errors => {
                    return Err(CoreError::user_not_found())
                }
                Migration::Refused | Migration::NoTrigger => {
                    return self.unknown_user_delivery(username).await
                }
            },
        };
        if !user.enabled {
            return Err(CoreError::not_authorized("User is disabled."));
        }
        let (medium, dest) = self
            .verified_destination(&user)
            .or_else(|| {
                // An unconfirmed user's only proof of contact is the code itself.
                (user.status == UserStatus::Unconfirmed)
                    .then(|| self.destination(&user, None))
                    .flatten()
            })
            .ok_or_else(|| {
                CoreError::invalid(
                    "Cannot reset password for the user as there is no registered/verified email or phone_number",
                )
            })?;
        let trigger = MessageTrigger::new("ForgotPassword", Some(client_id), metadata);
        self.send_code(
            &pool,
            &user,
            CodePurpose::ForgotPassword,
            (medium, &dest),
            &trigger,
        )
        .await
    }

    pub async fn confirm_forgot_password(
        &self,
        client_id: &str,
        username: &str,
        code: &str,
        password: &str,
        secret_hash: Option<&str>,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<()> {
        let Some((pool, user)) = self.end_user(client_id, username, secret_hash).await? else {
            // A known user's new password is checked against the policy, and
            // a wrong code looked up and recorded: answer and spend the same.
            let (pool, _) = self.client_by_id(client_id).await?;
            check_policy(&pool.password_policy, password)?;
            self.decoy_code_check(code).await?;
            return Err(code_mismatch());
        };
        check_policy(&pool.password_policy, password)?;
        self.check_code(&pool, &user, &CodePurpose::ForgotPassword, code)
            .await?;
        let user = self
            .store_password(user, password, UserStatus::Confirmed)
            .await?;
        self.post_confirmation(
            &pool,
            &user,
            "PostConfirmation_ConfirmForgotPassword",
            Some(client_id),
            metadata,
        )
        .await
    }
}
