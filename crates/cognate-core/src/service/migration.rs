//! The UserMigration trigger: a sign-in by password or a ForgotPassword for
//! a username the pool does not know asks the hook for the user. The hook
//! answers with the user's attributes and final status; the user is then
//! created (with the password the sign-in proved, or none for
//! ForgotPassword) and the call goes on as it would for a known user.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::attributes::Writer;
use super::triggers::{client_metadata, response_bool, response_str, Invocation, Trigger};
use super::UserPools;
use crate::model::{AppClient, User, UserPool, UserStatus};
use crate::rng::RngExt;
use crate::{CoreError, CoreResult};

/// What asking the UserMigration trigger for an unknown user gave.
#[derive(Debug)]
pub(crate) enum Migration {
    /// The pool has no UserMigration trigger.
    NoTrigger,
    /// The hook failed or did not give the user: the user stays unknown.
    Refused,
    /// The user, created and stored.
    Migrated(Box<User>),
}

/// The error of a sign-in whose migration the hook refused.
pub(crate) fn migration_refused(client: &AppClient) -> CoreError {
    if client.prevent_user_existence_errors {
        CoreError::not_authorized("Incorrect username or password.")
    } else {
        CoreError::UserNotFound(format!(
            "Exception migrating user in app client {}",
            client.client_id
        ))
    }
}

fn unrecognizable() -> CoreError {
    CoreError::InvalidLambdaResponse("Unrecognizable lambda output".into())
}

/// The attributes of the hook's answer, as strings. Attributes Cognito
/// manages itself are dropped.
fn answered_attributes(response: &Map<String, Value>) -> CoreResult<BTreeMap<String, String>> {
    let Some(Value::Object(given)) = response.get("userAttributes") else {
        return Ok(BTreeMap::new());
    };
    let mut out = BTreeMap::new();
    for (name, value) in given {
        if name == "sub" || name == "username" || name.starts_with("cognito:") {
            continue;
        }
        let value = match value {
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Null => continue,
            _ => return Err(unrecognizable()),
        };
        out.insert(name.clone(), value);
    }
    Ok(out)
}

impl UserPools {
    /// Asks the pool's UserMigration trigger for `username`, unknown to the
    /// pool. `password` is the sign-in's password
    /// (`UserMigration_Authentication`), or None for ForgotPassword
    /// (`UserMigration_ForgotPassword`).
    pub(crate) async fn migrate_user(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        password: Option<&str>,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<Migration> {
        if Trigger::UserMigration.target(pool).is_none() {
            return Ok(Migration::NoTrigger);
        }
        let (source, request) = match password {
            Some(password) => (
                "UserMigration_Authentication",
                json!({
                    "password": password,
                    "validationData": if metadata.is_empty() {
                        Value::Null
                    } else {
                        client_metadata(metadata)
                    },
                    "clientMetadata": client_metadata(metadata),
                }),
            ),
            None => (
                "UserMigration_ForgotPassword",
                json!({
                    "validationData": null,
                    "clientMetadata": client_metadata(metadata),
                }),
            ),
        };
        let answer = self
            .run_trigger(
                pool,
                Invocation {
                    trigger: Trigger::UserMigration,
                    source,
                    user_name: username,
                    client_id: Some(&client.client_id),
                    request,
                    response: json!({
                        "userAttributes": null,
                        "finalUserStatus": null,
                        "messageAction": null,
                        "desiredDeliveryMediums": null,
                        "forceAliasCreation": null,
                        "enableSMSMFA": null,
                    }),
                },
            )
            .await;
        let response = match answer {
            Ok(Some(response)) => response,
            Ok(None) => return Ok(Migration::NoTrigger),
            Err(CoreError::UserLambdaValidation(why)) => {
                tracing::info!(pool_id = %pool.id, %why, "UserMigration refused the user");
                return Ok(Migration::Refused);
            }
            Err(e) => return Err(e),
        };
        if !matches!(response.get("userAttributes"), Some(Value::Object(_))) {
            return Ok(Migration::Refused);
        }
        let status = match response_str(&response, "finalUserStatus")? {
            Some("CONFIRMED") => UserStatus::Confirmed,
            Some("RESET_REQUIRED") => UserStatus::ResetRequired,
            None if password.is_some() => UserStatus::Confirmed,
            None => UserStatus::ResetRequired,
            Some(_) => return Err(unrecognizable()),
        };
        if !matches!(
            response_str(&response, "messageAction")?,
            None | Some("SUPPRESS") | Some("RESEND")
        ) {
            return Err(unrecognizable());
        }
        let force_alias = response_bool(&response, "forceAliasCreation")?;
        let attrs = answered_attributes(&response)?;
        let user = self
            .create_migrated_user(pool, username, attrs, status, password, force_alias)
            .await?;
        Ok(Migration::Migrated(Box::new(user)))
    }

    async fn create_migrated_user(
        &self,
        pool: &UserPool,
        username: &str,
        mut attrs: BTreeMap<String, String>,
        status: UserStatus,
        password: Option<&str>,
        force_alias: bool,
    ) -> CoreResult<User> {
        Self::check_attributes(pool, &attrs, Writer::Admin, None)?;
        let sub = self.rng.uuid();
        let name = Self::new_identity(pool, username, &sub, &mut attrs)?;
        let mut user = self.blank_user(pool, sub, name, attrs);
        user.status = status;
        if let Some(password) = password {
            user.password_hash = Some(self.hasher.hash(&*self.rng, password).await?);
            self.set_srp_verifier(&mut user, password);
        }
        if force_alias {
            self.take_aliases(pool, &user).await?;
        }
        self.insert_new_user(pool, &user).await?;
        Ok(user)
    }

    /// forceAliasCreation: a verified alias the new user claims stops being
    /// verified (and so an alias) for whoever had it.
    async fn take_aliases(&self, pool: &UserPool, user: &User) -> CoreResult<()> {
        for attr in &pool.alias_attributes {
            if attr == "preferred_username" || !user.is_verified(attr) {
                continue;
            }
            let Some(value) = user.attributes.get(attr) else {
                continue;
            };
            for mut other in self
                .store
                .find_users_by_attribute(&pool.id, attr, value)
                .await?
            {
                if other.sub != user.sub && other.is_verified(attr) {
                    other
                        .attributes
                        .insert(format!("{attr}_verified"), "false".into());
                    other.modified_ms = self.clock.now_ms();
                    self.store.update_user(&other).await?;
                }
            }
        }
        Ok(())
    }
}

impl UserPools {
    /// The unknown-user step of a password sign-in: the migrated user's
    /// sign-in goes on as a known user's would (the hook vouched for the
    /// password). None when the pool has no UserMigration trigger.
    pub(super) async fn migrated_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        password: &str,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<Option<super::AuthOutcome>> {
        match self
            .migrate_user(pool, client, username, Some(password), metadata)
            .await?
        {
            Migration::NoTrigger => Ok(None),
            Migration::Refused => Err(migration_refused(client)),
            Migration::Migrated(user) => Ok(Some(
                self.after_password_with_metadata(pool, client, *user, metadata)
                    .await?,
            )),
        }
    }
}
