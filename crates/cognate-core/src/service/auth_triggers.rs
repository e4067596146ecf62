//! The PreAuthentication and PostAuthentication triggers of a sign-in.
//!
//! PreAuthentication runs on every sign-in attempt before the password (or
//! the SRP proof) is checked; a failing hook refuses the attempt without it
//! counting as a failed password. Cognito passes the call's ClientMetadata to
//! it as `validationData`. For an unknown user it runs only when the client
//! prevents user-existence errors, with `userNotFound` true and no
//! attributes, so that the answer looks as it would for a real user.
//!
//! PostAuthentication runs once the sign-in has succeeded (after the MFA
//! challenge when there is one), before the tokens are returned; a failing
//! hook means no tokens.

use std::collections::BTreeMap;

use serde_json::json;

use super::triggers::{client_metadata, stored_user_attributes, Invocation, Trigger};
use super::UserPools;
use crate::model::{AppClient, User, UserPool};
use crate::CoreResult;

impl UserPools {
    /// Runs PreAuthentication for a sign-in attempt as `user_name`, which
    /// names `user` or, when `None`, no user.
    pub(super) async fn pre_authentication(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user_name: &str,
        user: Option<&User>,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<()> {
        if user.is_none() && !client.prevent_user_existence_errors {
            return Ok(());
        }
        let request = json!({
            "userAttributes": user.map_or_else(|| json!({}), stored_user_attributes),
            "validationData": client_metadata(metadata),
            "userNotFound": user.is_none(),
        });
        self.run_trigger(
            pool,
            Invocation {
                trigger: Trigger::PreAuthentication,
                source: "PreAuthentication_Authentication",
                user_name: user.map_or(user_name, |u| u.username.as_str()),
                client_id: Some(&client.client_id),
                request,
                response: json!({}),
            },
        )
        .await?;
        Ok(())
    }

    /// Runs PostAuthentication for a user who has just signed in.
    pub(super) async fn post_authentication(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<()> {
        let request = json!({
            "userAttributes": stored_user_attributes(user),
            "newDeviceUsed": false,
            "clientMetadata": client_metadata(metadata),
        });
        self.run_trigger(
            pool,
            Invocation {
                trigger: Trigger::PostAuthentication,
                source: "PostAuthentication_Authentication",
                user_name: &user.username,
                client_id: Some(&client.client_id),
                request,
                response: json!({}),
            },
        )
        .await?;
        Ok(())
    }
}
