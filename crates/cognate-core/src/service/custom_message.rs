//! The CustomMessage trigger: every code or invitation the service sends
//! passes through it. The hook sees the message's placeholders (`{####}`
//! for the code or temporary password, `{username}` for invitations) and
//! may answer with its own `smsMessage`, `emailMessage` and `emailSubject`;
//! the delivered message is the hook's text with the placeholders filled in.
//! A message that leaves out `{####}` is not used: the default is sent.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::triggers::NO_METADATA;
use super::triggers::{client_metadata, response_str, stored_user_attributes, Invocation, Trigger};
use super::{Medium, Message, UserPools};
use crate::model::{User, UserPool};
use crate::CoreResult;

/// The code placeholder of Cognito's message templates.
pub const CODE_PARAMETER: &str = "{####}";
/// The username placeholder of invitation templates.
pub const USERNAME_PARAMETER: &str = "{username}";

/// Why a message is sent, as the CustomMessage trigger is told: the
/// `triggerSource` after `CustomMessage_` (`SignUp`, `ResendCode`,
/// `ForgotPassword`, `UpdateUserAttribute`, `VerifyUserAttribute`,
/// `AdminCreateUser`, `Authentication`), the app client of the call and its
/// ClientMetadata.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MessageTrigger<'a> {
    pub source: &'a str,
    pub client_id: Option<&'a str>,
    pub metadata: &'a BTreeMap<String, String>,
}

impl<'a> MessageTrigger<'a> {
    pub(crate) fn new(
        source: &'a str,
        client_id: Option<&'a str>,
        metadata: &'a BTreeMap<String, String>,
    ) -> Self {
        MessageTrigger {
            source,
            client_id,
            metadata,
        }
    }

    /// An administrator's call: no client, no metadata.
    pub(crate) fn admin(source: &'a str) -> Self {
        MessageTrigger::new(source, None, &NO_METADATA)
    }

    fn is_invitation(&self) -> bool {
        self.source == "AdminCreateUser"
    }
}

/// The name an invitation shows: the sign-in attribute for pools that sign
/// in by e-mail or phone number, else the username.
pub(crate) fn shown_username<'u>(pool: &UserPool, user: &'u User) -> &'u str {
    pool.username_attributes
        .iter()
        .find_map(|a| user.attr(a))
        .unwrap_or(&user.username)
}

impl UserPools {
    /// Runs the pool's CustomMessage trigger, if any, for `message` and
    /// rewrites its subject and body with the hook's answer.
    pub(crate) async fn apply_custom_message(
        &self,
        pool: &UserPool,
        user: &User,
        trigger: &MessageTrigger<'_>,
        message: &mut Message,
    ) -> CoreResult<()> {
        if Trigger::CustomMessage.target(pool).is_none() {
            return Ok(());
        }
        let source = format!("CustomMessage_{}", trigger.source);
        let username_parameter = if trigger.is_invitation() {
            json!(USERNAME_PARAMETER)
        } else {
            Value::Null
        };
        let Some(response) = self
            .run_trigger(
                pool,
                Invocation {
                    trigger: Trigger::CustomMessage,
                    source: &source,
                    user_name: &user.username,
                    client_id: trigger.client_id,
                    request: json!({
                        "userAttributes": stored_user_attributes(user),
                        "codeParameter": CODE_PARAMETER,
                        "usernameParameter": username_parameter,
                        "linkParameter": null,
                        "clientMetadata": client_metadata(trigger.metadata),
                    }),
                    response: json!({
                        "smsMessage": null,
                        "emailMessage": null,
                        "emailSubject": null,
                    }),
                },
            )
            .await?
        else {
            return Ok(());
        };
        let secret = message
            .code
            .clone()
            .or_else(|| message.temporary_password.clone())
            .unwrap_or_default();
        let fill = |template: &str| {
            template
                .replace(CODE_PARAMETER, &secret)
                .replace(USERNAME_PARAMETER, shown_username(pool, user))
        };
        let body = match message.medium {
            Medium::Email => response_str(&response, "emailMessage")?,
            Medium::Sms => response_str(&response, "smsMessage")?,
        };
        if let Some(body) = body.filter(|b| b.contains(CODE_PARAMETER)) {
            message.body = fill(body);
            if message.medium == Medium::Email {
                if let Some(subject) =
                    response_str(&response, "emailSubject")?.filter(|s| !s.is_empty())
                {
                    message.subject = fill(subject);
                }
            }
        }
        Ok(())
    }
}
