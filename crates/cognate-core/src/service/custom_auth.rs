//! CUSTOM_AUTH: sign-in decided by the pool's DefineAuthChallenge,
//! CreateAuthChallenge and VerifyAuthChallengeResponse triggers.
//!
//! The flow is a loop. DefineAuthChallenge sees the challenges answered so
//! far (the `session` list) and says what comes next: tokens, failure, a
//! CUSTOM_CHALLENGE (whose parameters CreateAuthChallenge makes and whose
//! answer VerifyAuthChallengeResponse judges), or — after an `SRP_A` step —
//! the SRP PASSWORD_VERIFIER challenge of USER_SRP_AUTH. Tokens come through
//! the password flows' success path, so account checks, MFA and the token
//! triggers apply as they do there.
//!
//! The session list and the private challenge parameters travel in the
//! sealed, expiring, single-use `Session` string; the client never sees
//! them in clear. A name no user has runs the hooks with `userNotFound` when
//! the client prevents user-existence errors, and fails at the end as a
//! wrong answer does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::auth::{AuthOutcome, AuthRequest, Challenge, ChallengeResponse, INCORRECT};
use super::srp::parse_a;
use super::triggers::{
    client_metadata, response_bool, response_str, stored_user_attributes, Invocation, Trigger,
};
use super::UserPools;
use crate::model::{AppClient, User, UserPool, UserStatus};
use crate::{CoreError, CoreResult};

const CUSTOM_CHALLENGE: &str = "CUSTOM_CHALLENGE";
const PASSWORD_VERIFIER: &str = "PASSWORD_VERIFIER";
const SRP_A: &str = "SRP_A";

/// The most challenge results one flow may gather; DefineAuthChallenge
/// asking for another challenge after that many fails the sign-in.
pub(crate) const MAX_CHALLENGES: usize = 30;

/// The longest Session string (the API's limit).
const MAX_SESSION_LEN: usize = 2048;

const NOT_CONFIGURED: &str = "Custom auth lambda trigger is not configured for the user pool.";

/// The state of a custom flow, sealed in its Session string. Member names
/// are short: the whole session must fit in 2048 characters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct CustomState {
    /// The challenges so far: name, result, challengeMetadata.
    #[serde(rename = "s", default)]
    results: Vec<(String, bool, Option<String>)>,
    /// privateChallengeParameters of the CUSTOM_CHALLENGE being answered.
    #[serde(rename = "p", default)]
    private: BTreeMap<String, String>,
    /// challengeMetadata of the CUSTOM_CHALLENGE being answered.
    #[serde(rename = "m", default)]
    metadata: Option<String>,
    /// The name signed in with when no user has it.
    #[serde(rename = "u", default)]
    unknown: Option<String>,
}

/// Who a custom flow is for: a user, or a name no user has (the client
/// prevents user-existence errors, so the hooks run with `userNotFound`).
enum Subject {
    User(Box<User>),
    Unknown(String),
}

impl Subject {
    fn name(&self) -> &str {
        match self {
            Subject::User(u) => &u.username,
            Subject::Unknown(name) => name,
        }
    }

    fn sub(&self) -> &str {
        match self {
            Subject::User(u) => &u.sub,
            Subject::Unknown(_) => "",
        }
    }

    fn attributes(&self) -> Value {
        match self {
            Subject::User(u) => stored_user_attributes(u),
            Subject::Unknown(_) => json!({}),
        }
    }

    fn not_found(&self) -> bool {
        matches!(self, Subject::Unknown(_))
    }
}

/// One custom flow in progress: where it runs, for whom, and the caller's
/// ClientMetadata for the triggers.
struct Flow<'a> {
    pool: &'a UserPool,
    client: &'a AppClient,
    subject: Subject,
    metadata: &'a BTreeMap<String, String>,
}

impl Flow<'_> {
    fn invocation(
        &self,
        trigger: Trigger,
        source: &'static str,
        request: Value,
        response: Value,
    ) -> Invocation<'_> {
        Invocation {
            trigger,
            source,
            user_name: self.subject.name(),
            client_id: Some(&self.client.client_id),
            request,
            response,
        }
    }
}

/// The `session` member of Define and Create events.
fn session_list(state: &CustomState) -> Value {
    Value::Array(
        state
            .results
            .iter()
            .map(|(name, result, metadata)| {
                json!({
                    "challengeName": name,
                    "challengeResult": result,
                    "challengeMetadata": metadata,
                })
            })
            .collect(),
    )
}

/// A map of strings from a hook's response; scalars are taken as their
/// text, as Cognito reads a Lambda's answer.
fn string_map(response: &Map<String, Value>, name: &str) -> CoreResult<BTreeMap<String, String>> {
    let bad = || CoreError::InvalidLambdaResponse("Unrecognizable lambda output".into());
    match response.get(name) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return Err(bad()),
                };
                Ok((k.clone(), text))
            })
            .collect(),
        Some(_) => Err(bad()),
    }
}

/// Refuses a user who cannot sign in whatever the challenges say, with the
/// errors the password flows give. Users who must change their password
/// go on: NEW_PASSWORD_REQUIRED follows the last challenge.
fn refuse_unusable(user: &User) -> CoreResult<()> {
    if !user.enabled {
        return Err(CoreError::not_authorized("User is disabled."));
    }
    match user.status {
        UserStatus::Confirmed | UserStatus::ForceChangePassword => Ok(()),
        UserStatus::Unconfirmed => {
            Err(CoreError::UserNotConfirmed("User is not confirmed.".into()))
        }
        UserStatus::ResetRequired => Err(CoreError::PasswordResetRequired(
            "Password reset required for the user".into(),
        )),
        UserStatus::ExternalProvider => Err(CoreError::not_authorized(INCORRECT)),
    }
}

fn require_trigger(pool: &UserPool, trigger: Trigger) -> CoreResult<()> {
    match trigger.target(pool) {
        Some(_) => Ok(()),
        None => Err(CoreError::invalid(NOT_CONFIGURED)),
    }
}

impl UserPools {
    /// InitiateAuth / AdminInitiateAuth CUSTOM_AUTH: USERNAME, optionally
    /// SRP_A with CHALLENGE_NAME `SRP_A`, then the first DefineAuthChallenge.
    pub(super) async fn custom_auth(
        &self,
        pool: &UserPool,
        client: &AppClient,
        req: &AuthRequest,
    ) -> CoreResult<AuthOutcome> {
        let p = &req.parameters;
        let username = Self::required(p, "USERNAME")?;
        let srp_a = match p.get("CHALLENGE_NAME").map(String::as_str) {
            Some(SRP_A) => Some(Self::required(p, "SRP_A")?),
            None | Some("") => p.get("SRP_A").map(String::as_str).filter(|a| !a.is_empty()),
            Some(other) => {
                return Err(CoreError::invalid(format!(
                    "Invalid CHALLENGE_NAME {other} for the CUSTOM_AUTH flow"
                )))
            }
        };
        if let Some(a) = srp_a {
            parse_a(a)?;
        }
        require_trigger(pool, Trigger::DefineAuthChallenge)?;
        let user = self.find_user(pool, username).await?;
        self.check_secret_hash_for(
            client,
            username,
            user.as_ref(),
            p.get("SECRET_HASH").map(String::as_str),
        )?;
        self.pre_authentication(pool, client, username, user.as_ref(), &req.client_metadata)
            .await?;
        let subject = match user {
            Some(user) => {
                refuse_unusable(&user)?;
                Subject::User(Box::new(user))
            }
            None if client.prevent_user_existence_errors => Subject::Unknown(username.to_string()),
            None => return Err(CoreError::user_not_found()),
        };
        let flow = Flow {
            pool,
            client,
            subject,
            metadata: &req.client_metadata,
        };
        let mut state = CustomState {
            unknown: flow.subject.not_found().then(|| username.to_string()),
            ..CustomState::default()
        };
        if srp_a.is_some() {
            state.results.push((SRP_A.into(), true, None));
        }
        self.next_challenge(&flow, state, srp_a).await
    }

    /// RespondToAuthChallenge CUSTOM_CHALLENGE: VerifyAuthChallengeResponse
    /// judges the ANSWER, then DefineAuthChallenge decides again.
    pub(super) async fn respond_custom_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        req: &ChallengeResponse,
    ) -> CoreResult<AuthOutcome> {
        let r = &req.responses;
        let username = Self::required(r, "USERNAME")?;
        let answer = Self::required(r, "ANSWER")?;
        let session = self
            .open_session(req.session.as_deref(), Some(client), CUSTOM_CHALLENGE)
            .await?;
        let invalid = || CoreError::not_authorized("Invalid session for the user.");
        let mut state = session.custom.ok_or_else(invalid)?;
        let subject = self
            .challenged_subject(pool, client, &session.sub, &state, username, r)
            .await?;
        require_trigger(pool, Trigger::VerifyAuthChallengeResponse)?;
        let flow = Flow {
            pool,
            client,
            subject,
            metadata: &req.client_metadata,
        };
        let request = json!({
            "userAttributes": flow.subject.attributes(),
            "privateChallengeParameters": state.private,
            "challengeAnswer": answer,
            "clientMetadata": client_metadata(flow.metadata),
            "userNotFound": flow.subject.not_found(),
        });
        let response = self
            .run_trigger(
                pool,
                flow.invocation(
                    Trigger::VerifyAuthChallengeResponse,
                    "VerifyAuthChallengeResponse_Authentication",
                    request,
                    json!({ "answerCorrect": null }),
                ),
            )
            .await?
            .unwrap_or_default();
        let correct = response_bool(&response, "answerCorrect")?;
        state.private.clear();
        let metadata = state.metadata.take();
        state
            .results
            .push((CUSTOM_CHALLENGE.into(), correct, metadata));
        self.next_challenge(&flow, state, None).await
    }

    /// Opens the Session of a PASSWORD_VERIFIER challenge of a custom flow
    /// for the user `sub` (None for an unknown name).
    pub(super) async fn open_custom_verifier_session(
        &self,
        session: Option<&str>,
        client: &AppClient,
        sub: Option<&str>,
    ) -> CoreResult<CustomState> {
        let opened = self
            .open_session(session, Some(client), PASSWORD_VERIFIER)
            .await?;
        let invalid = || CoreError::not_authorized("Invalid session for the user.");
        if opened.sub != sub.unwrap_or_default() {
            return Err(invalid());
        }
        opened.custom.ok_or_else(invalid)
    }

    /// A proven PASSWORD_VERIFIER of a custom flow: DefineAuthChallenge
    /// decides what follows.
    pub(super) async fn custom_password_verified(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: User,
        mut state: CustomState,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<AuthOutcome> {
        refuse_unusable(&user)?;
        state.results.push((PASSWORD_VERIFIER.into(), true, None));
        let flow = Flow {
            pool,
            client,
            subject: Subject::User(Box::new(user)),
            metadata,
        };
        self.next_challenge(&flow, state, None).await
    }

    /// The subject a CUSTOM_CHALLENGE session was issued for, checked
    /// against the USERNAME and SECRET_HASH of the response.
    async fn challenged_subject(
        &self,
        pool: &UserPool,
        client: &AppClient,
        sub: &str,
        state: &CustomState,
        username: &str,
        r: &BTreeMap<String, String>,
    ) -> CoreResult<Subject> {
        let invalid = || CoreError::not_authorized("Invalid session for the user.");
        let secret_hash = r.get("SECRET_HASH").map(String::as_str);
        if let Some(name) = &state.unknown {
            if Self::username_key(pool, name) != Self::username_key(pool, username) {
                return Err(invalid());
            }
            self.check_secret_hash(client, username, secret_hash)?;
            return Ok(Subject::Unknown(name.clone()));
        }
        let user = self
            .store
            .get_user_by_sub(&pool.id, sub)
            .await?
            .ok_or_else(|| CoreError::not_authorized(INCORRECT))?;
        let named = self.find_user(pool, username).await?;
        if named.map(|u| u.sub).as_deref() != Some(user.sub.as_str()) {
            return Err(invalid());
        }
        self.check_secret_hash_for(client, username, Some(&user), secret_hash)?;
        refuse_unusable(&user)?;
        Ok(Subject::User(Box::new(user)))
    }

    /// Asks DefineAuthChallenge what follows the challenges in `state` and
    /// does it. `srp_a` is the SRP_A of InitiateAuth, for a PASSWORD_VERIFIER
    /// right after the SRP_A step.
    async fn next_challenge(
        &self,
        flow: &Flow<'_>,
        mut state: CustomState,
        srp_a: Option<&str>,
    ) -> CoreResult<AuthOutcome> {
        let request = json!({
            "userAttributes": flow.subject.attributes(),
            "session": session_list(&state),
            "clientMetadata": client_metadata(flow.metadata),
            "userNotFound": flow.subject.not_found(),
        });
        let response = self
            .run_trigger(
                flow.pool,
                flow.invocation(
                    Trigger::DefineAuthChallenge,
                    "DefineAuthChallenge_Authentication",
                    request,
                    json!({ "challengeName": null, "issueTokens": null, "failAuthentication": null }),
                ),
            )
            .await?
            .ok_or_else(|| CoreError::invalid(NOT_CONFIGURED))?;
        if response_bool(&response, "failAuthentication")? {
            return Err(CoreError::not_authorized(INCORRECT));
        }
        if response_bool(&response, "issueTokens")? {
            return match &flow.subject {
                Subject::User(user) => {
                    self.after_password_with_metadata(
                        flow.pool,
                        flow.client,
                        (**user).clone(),
                        flow.metadata,
                    )
                    .await
                }
                Subject::Unknown(_) => Err(CoreError::not_authorized(INCORRECT)),
            };
        }
        match response_str(&response, "challengeName")? {
            Some(CUSTOM_CHALLENGE) if state.results.len() >= MAX_CHALLENGES => {
                Err(CoreError::not_authorized(INCORRECT))
            }
            Some(CUSTOM_CHALLENGE) => self.create_challenge(flow, state).await,
            Some(PASSWORD_VERIFIER) => {
                let after_srp_a =
                    matches!(state.results.as_slice(), [(name, true, _)] if name == SRP_A);
                let Some(a) = srp_a.filter(|_| after_srp_a) else {
                    return Err(CoreError::invalid("Missing required parameter SRP_A"));
                };
                let user = match &flow.subject {
                    Subject::User(u) => Some(&**u),
                    Subject::Unknown(_) => None,
                };
                state.private.clear();
                let session = self.seal_custom(flow, PASSWORD_VERIFIER, state)?;
                self.password_verifier(
                    flow.pool,
                    flow.client,
                    user,
                    flow.subject.name(),
                    a,
                    Some(session),
                )
            }
            _ => Err(CoreError::InvalidLambdaResponse(
                "Unrecognizable lambda output".into(),
            )),
        }
    }

    /// CreateAuthChallenge makes the CUSTOM_CHALLENGE the client answers:
    /// its public parameters (with USERNAME) go to the client, the private
    /// ones into the sealed session for VerifyAuthChallengeResponse.
    async fn create_challenge(
        &self,
        flow: &Flow<'_>,
        mut state: CustomState,
    ) -> CoreResult<AuthOutcome> {
        require_trigger(flow.pool, Trigger::CreateAuthChallenge)?;
        let request = json!({
            "userAttributes": flow.subject.attributes(),
            "challengeName": CUSTOM_CHALLENGE,
            "session": session_list(&state),
            "clientMetadata": client_metadata(flow.metadata),
            "userNotFound": flow.subject.not_found(),
        });
        let response = self
            .run_trigger(
                flow.pool,
                flow.invocation(
                    Trigger::CreateAuthChallenge,
                    "CreateAuthChallenge_Authentication",
                    request,
                    json!({
                        "publicChallengeParameters": null,
                        "privateChallengeParameters": null,
                        "challengeMetadata": null,
                    }),
                ),
            )
            .await?
            .unwrap_or_default();
        let mut parameters = string_map(&response, "publicChallengeParameters")?;
        state.private = string_map(&response, "privateChallengeParameters")?;
        state.metadata = response_str(&response, "challengeMetadata")?.map(str::to_string);
        parameters.insert("USERNAME".into(), flow.subject.name().to_string());
        Ok(AuthOutcome::Challenge(Challenge {
            name: CUSTOM_CHALLENGE.into(),
            session: Some(self.seal_custom(flow, CUSTOM_CHALLENGE, state)?),
            parameters,
        }))
    }

    fn seal_custom(
        &self,
        flow: &Flow<'_>,
        challenge: &str,
        state: CustomState,
    ) -> CoreResult<String> {
        let session = self.seal_session_state(
            flow.pool,
            flow.client,
            flow.subject.sub(),
            challenge,
            Some(state),
        )?;
        if session.len() > MAX_SESSION_LEN {
            return Err(CoreError::InvalidLambdaResponse(
                "The challenge parameters and session do not fit in a session.".into(),
            ));
        }
        Ok(session)
    }
}
