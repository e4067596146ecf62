//! The pool's triggers (its LambdaConfig). Each entry names a target — an
//! HTTP(S) URL, or an ARN the binary maps to one — and the [`Hooks`] port
//! runs it: the core builds the event Cognito would send a Lambda function,
//! the port delivers it and returns the event the hook sent back, and the
//! core applies that event's `response`.
//!
//! Failures are Cognito's: a hook that answers with an error is
//! `UserLambdaValidationException` ("PreSignUp failed with error …"), one
//! that cannot be reached or times out is `UnexpectedLambdaException`, and
//! an answer that is not an event is `InvalidLambdaResponseException`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde_json::{json, Map, Value};

use super::UserPools;
use crate::model::{User, UserPool};
use crate::{CoreError, CoreResult};

/// The ClientMetadata of a call that has none.
pub(crate) static NO_METADATA: BTreeMap<String, String> = BTreeMap::new();

/// How long a hook may take before the call fails, as Cognito allows a Lambda trigger.
pub const HOOK_TIMEOUT_MS: u64 = 5_000;

/// Why running a hook failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookError {
    /// The hook answered with an error; the message is what it said.
    Failed(String),
    /// The hook could not be reached, or its target is not mapped to a URL.
    Unreachable(String),
    /// The hook did not answer within [`HOOK_TIMEOUT_MS`].
    Timeout,
    /// The hook answered success with something that is not a JSON object.
    BadResponse(String),
}

/// The trigger port: delivers an event to a target and returns the event
/// the hook answered with.
#[async_trait]
pub trait Hooks: Send + Sync + 'static {
    async fn invoke(&self, target: &str, event: &Value) -> Result<Value, HookError>;
}

/// For services that run no hooks: every configured trigger fails as an
/// unreachable target would.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHooks;

#[async_trait]
impl Hooks for NoHooks {
    async fn invoke(&self, target: &str, _event: &Value) -> Result<Value, HookError> {
        Err(HookError::Unreachable(format!(
            "no hook runner is configured for {target}"
        )))
    }
}

/// The triggers of a pool's LambdaConfig that cognate runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    PreSignUp,
    CustomMessage,
    PostConfirmation,
    PreAuthentication,
    PostAuthentication,
    DefineAuthChallenge,
    CreateAuthChallenge,
    VerifyAuthChallengeResponse,
    PreTokenGeneration,
    UserMigration,
}

impl Trigger {
    /// The LambdaConfig member that names the trigger's target.
    pub fn name(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "PreSignUp",
            Trigger::CustomMessage => "CustomMessage",
            Trigger::PostConfirmation => "PostConfirmation",
            Trigger::PreAuthentication => "PreAuthentication",
            Trigger::PostAuthentication => "PostAuthentication",
            Trigger::DefineAuthChallenge => "DefineAuthChallenge",
            Trigger::CreateAuthChallenge => "CreateAuthChallenge",
            Trigger::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse",
            Trigger::PreTokenGeneration => "PreTokenGeneration",
            Trigger::UserMigration => "UserMigration",
        }
    }

    /// The target configured for this trigger in the pool, if any.
    pub fn target(self, pool: &UserPool) -> Option<&str> {
        pool.lambda_config
            .get(self.name())
            .map(String::as_str)
            .filter(|t| !t.is_empty())
    }

    /// The event's `version`: PreTokenGeneration's follows the pool's
    /// PreTokenGenerationConfig.LambdaVersion.
    pub fn event_version(self, pool: &UserPool) -> &'static str {
        match self {
            Trigger::PreTokenGeneration => pool.pre_token_generation_version().event_version(),
            _ => "1",
        }
    }
}

/// One invocation: what varies between triggers. The common members of the
/// event (version, region, userPoolId, callerContext) are filled in by
/// [`UserPools::run_trigger`].
#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    pub trigger: Trigger,
    /// The event's `triggerSource`, e.g. `PreSignUp_SignUp`.
    pub source: &'a str,
    /// The event's `userName`.
    pub user_name: &'a str,
    /// The app client the call came through, if any (`callerContext.clientId`).
    pub client_id: Option<&'a str>,
    pub request: Value,
    /// The event's `response` as sent (each trigger has its own empty shape).
    pub response: Value,
}

/// The `clientMetadata` member of an event's request: the caller's
/// ClientMetadata, or `{}`.
pub fn client_metadata(metadata: &BTreeMap<String, String>) -> Value {
    Value::Object(
        metadata
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// The `userAttributes` member of an event's request: every attribute of
/// the user as strings (Cognito sends `sub` and the `*_verified` flags too).
pub fn user_attributes(attributes: &BTreeMap<String, String>) -> Value {
    client_metadata(attributes)
}

impl UserPools {
    /// Runs a trigger when the pool configures one: `Ok(None)` when it does
    /// not, else the `response` object of the event the hook answered.
    pub(crate) async fn run_trigger(
        &self,
        pool: &UserPool,
        call: Invocation<'_>,
    ) -> CoreResult<Option<Map<String, Value>>> {
        let Some(target) = call.trigger.target(pool) else {
            return Ok(None);
        };
        let event = json!({
            "version": call.trigger.event_version(pool),
            "triggerSource": call.source,
            "region": pool.region(),
            "userPoolId": pool.id,
            "userName": call.user_name,
            "callerContext": {
                "awsSdkVersion": concat!("cognate-", env!("CARGO_PKG_VERSION")),
                "clientId": call.client_id.unwrap_or("CLIENT_ID_NOT_APPLICABLE"),
            },
            "request": call.request,
            "response": call.response,
        });
        let name = call.trigger.name();
        let answer = self
            .hooks
            .invoke(target, &event)
            .await
            .map_err(|e| hook_error(name, e))?;
        match answer.get("response") {
            Some(Value::Object(response)) => Ok(Some(response.clone())),
            // A hook that leaves the response out (or null) changes nothing.
            None | Some(Value::Null) => Ok(Some(Map::new())),
            Some(_) => Err(CoreError::InvalidLambdaResponse(
                "Unrecognizable lambda output".into(),
            )),
        }
    }
}

/// The Cognito error for a failed hook of the named trigger.
fn hook_error(trigger: &str, e: HookError) -> CoreError {
    match e {
        HookError::Failed(message) => {
            CoreError::UserLambdaValidation(format!("{trigger} failed with error {message}."))
        }
        HookError::Unreachable(why) => {
            tracing::warn!(trigger, %why, "trigger hook unreachable");
            CoreError::UnexpectedLambda(format!(
                "{trigger} invocation failed due to error AccessDeniedException."
            ))
        }
        HookError::Timeout => CoreError::UnexpectedLambda(format!(
            "{trigger} invocation failed due to error TimeoutError."
        )),
        HookError::BadResponse(why) => {
            tracing::warn!(trigger, %why, "trigger hook answered something that is not an event");
            CoreError::InvalidLambdaResponse("Unrecognizable lambda output".into())
        }
    }
}

/// Reads an optional boolean member of a hook's response; anything other
/// than a boolean or null is an unrecognizable answer.
pub(crate) fn response_bool(response: &Map<String, Value>, name: &str) -> CoreResult<bool> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(CoreError::InvalidLambdaResponse(
            "Unrecognizable lambda output".into(),
        )),
    }
}

/// Reads an optional string member of a hook's response.
pub(crate) fn response_str<'a>(
    response: &'a Map<String, Value>,
    name: &str,
) -> CoreResult<Option<&'a str>> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(CoreError::InvalidLambdaResponse(
            "Unrecognizable lambda output".into(),
        )),
    }
}

/// The `userAttributes` of an existing user: its attributes with `sub` and
/// `cognito:user_status`, as Cognito sends them.
pub(crate) fn stored_user_attributes(user: &User) -> Value {
    let mut attributes = user.attributes.clone();
    attributes.insert("sub".into(), user.sub.clone());
    attributes.insert("cognito:user_status".into(), user.status.as_str().into());
    user_attributes(&attributes)
}
