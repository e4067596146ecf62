//! PreSignUp and PostConfirmation. PreSignUp runs after a new user's input
//! is validated and before the user is stored: its answer may confirm the
//! user and verify their e-mail address or phone number, and its failure
//! leaves no user behind. PostConfirmation runs after a confirmation is
//! stored; its failure is the call's error, the user stays confirmed.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::triggers::{
    client_metadata, response_bool, stored_user_attributes, user_attributes, Invocation, Trigger,
};
use super::UserPools;
use crate::model::{User, UserPool};
use crate::CoreResult;

/// A map-valued request member that Cognito sends as null when the call
/// gave none (ValidationData).
fn map_or_null(map: &BTreeMap<String, String>) -> Value {
    if map.is_empty() {
        Value::Null
    } else {
        client_metadata(map)
    }
}

/// What a new user's call gives PreSignUp besides the user.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PreSignUpCall<'a> {
    /// `PreSignUp_SignUp` or `PreSignUp_AdminCreateUser`.
    pub source: &'a str,
    pub client_id: Option<&'a str>,
    /// The attributes the call gave (the event's `userAttributes`).
    pub given: &'a BTreeMap<String, String>,
    pub validation_data: &'a BTreeMap<String, String>,
    pub metadata: &'a BTreeMap<String, String>,
}

impl UserPools {
    /// Runs PreSignUp for a user about to be stored, marks the attributes
    /// the hook verifies, and says whether the hook confirms the user.
    pub(crate) async fn pre_sign_up(
        &self,
        pool: &UserPool,
        user: &mut User,
        call: PreSignUpCall<'_>,
    ) -> CoreResult<bool> {
        let given: BTreeMap<String, String> = user
            .attributes
            .iter()
            .filter(|(k, _)| call.given.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let Some(response) = self
            .run_trigger(
                pool,
                Invocation {
                    trigger: Trigger::PreSignUp,
                    source: call.source,
                    user_name: &user.username,
                    client_id: call.client_id,
                    request: json!({
                        "userAttributes": user_attributes(&given),
                        "validationData": map_or_null(call.validation_data),
                        "clientMetadata": client_metadata(call.metadata),
                    }),
                    response: json!({
                        "autoConfirmUser": false,
                        "autoVerifyEmail": false,
                        "autoVerifyPhone": false,
                    }),
                },
            )
            .await?
        else {
            return Ok(false);
        };
        let confirm = response_bool(&response, "autoConfirmUser")?;
        for (flag, attribute) in [
            ("autoVerifyEmail", "email"),
            ("autoVerifyPhone", "phone_number"),
        ] {
            if response_bool(&response, flag)? && user.attributes.contains_key(attribute) {
                user.attributes
                    .insert(format!("{attribute}_verified"), "true".into());
            }
        }
        Ok(confirm)
    }

    /// Runs PostConfirmation for a user whose confirmation is stored
    /// (`PostConfirmation_ConfirmSignUp` or
    /// `PostConfirmation_ConfirmForgotPassword`).
    pub(crate) async fn post_confirmation(
        &self,
        pool: &UserPool,
        user: &User,
        source: &str,
        client_id: Option<&str>,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<()> {
        self.run_trigger(
            pool,
            Invocation {
                trigger: Trigger::PostConfirmation,
                source,
                user_name: &user.username,
                client_id,
                request: json!({
                    "userAttributes": stored_user_attributes(user),
                    "clientMetadata": client_metadata(metadata),
                }),
                response: json!({}),
            },
        )
        .await?;
        Ok(())
    }
}
