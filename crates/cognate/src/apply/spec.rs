//! The declarations of `cognate.toml`: `[[pools]]` (with their clients,
//! groups and users) and `[[apis]]`, as read from the file. Unknown keys
//! are errors, like everywhere else in the file. [`Declared::new`] checks
//! them against each other (see `check`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer};

// === pools ===

/// `[[pools]]`: a user pool, found by its name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    pub name: String,
    /// `email` and/or `phone_number` sign in in place of a username. Fixed
    /// when the pool is created.
    #[serde(default)]
    pub username_attributes: Vec<String>,
    /// `email`, `phone_number` and/or `preferred_username` sign in beside
    /// the username. Fixed when the pool is created.
    #[serde(default)]
    pub alias_attributes: Vec<String>,
    pub auto_verified_attributes: Option<Vec<String>>,
    /// Whether usernames are case sensitive. Fixed when the pool is created.
    pub case_sensitive: Option<bool>,
    /// Multi-factor authentication: only `"OFF"`.
    pub mfa: Option<Mfa>,
    pub password_policy: Option<PasswordPolicySpec>,
    /// Custom attributes (`custom:` is prefixed when missing). New ones are
    /// added to an existing pool; existing ones cannot change.
    #[serde(default)]
    pub schema: Vec<AttributeSpec>,
    #[serde(default)]
    pub clients: Vec<ClientSpec>,
    #[serde(default)]
    pub groups: Vec<GroupSpec>,
    #[serde(default)]
    pub users: Vec<UserSpec>,
}

/// The pool's MFA setting; cognate pools support none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Mfa {
    #[serde(rename = "OFF")]
    Off,
}

/// `[pools.password_policy]`: each key left out keeps the pool's value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicySpec {
    pub min_length: Option<u32>,
    pub require_uppercase: Option<bool>,
    pub require_lowercase: Option<bool>,
    pub require_numbers: Option<bool>,
    pub require_symbols: Option<bool>,
    pub temporary_password_validity_days: Option<u32>,
}

/// `[[pools.schema]]`: one custom attribute.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeSpec {
    pub name: String,
    #[serde(rename = "type", default)]
    pub kind: AttributeKind,
    #[serde(default = "yes")]
    pub mutable: bool,
}

impl AttributeSpec {
    /// The attribute's name as the pool lists it: `custom:<name>`.
    pub fn full_name(&self) -> String {
        if self.name.starts_with("custom:") {
            self.name.clone()
        } else {
            format!("custom:{}", self.name)
        }
    }

    /// The name without the `custom:` prefix, as CreateUserPool and
    /// AddCustomAttributes take it.
    pub fn short_name(&self) -> &str {
        self.name.strip_prefix("custom:").unwrap_or(&self.name)
    }
}

fn yes() -> bool {
    true
}

/// A custom attribute's data type, named as in the AWS API.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum AttributeKind {
    #[default]
    String,
    Number,
    DateTime,
    Boolean,
}

impl AttributeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeKind::String => "String",
            AttributeKind::Number => "Number",
            AttributeKind::DateTime => "DateTime",
            AttributeKind::Boolean => "Boolean",
        }
    }
}

/// `[[pools.clients]]`: an app client, found by its name within the pool.
/// Keys left out keep the client's value (a new client gets the defaults).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    pub name: String,
    /// Fixed when the client is created.
    pub generate_secret: Option<bool>,
    /// `ALLOW_USER_PASSWORD_AUTH`, `ALLOW_USER_SRP_AUTH`,
    /// `ALLOW_REFRESH_TOKEN_AUTH`, …
    pub explicit_auth_flows: Option<Vec<String>>,
    pub access_token_validity: Option<Validity>,
    pub id_token_validity: Option<Validity>,
    pub refresh_token_validity: Option<Validity>,
    pub read_attributes: Option<Vec<String>>,
    pub write_attributes: Option<Vec<String>>,
    /// `true`: `ENABLED`; `false`: `LEGACY`.
    pub prevent_user_existence_errors: Option<bool>,
    pub enable_token_revocation: Option<bool>,
}

/// A token validity written `<number><unit>`: `300s`, `60m`, `1h`, `30d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub value: i64,
    pub unit: ValidityUnit,
}

/// The units of `TokenValidityUnits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidityUnit {
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl ValidityUnit {
    /// The name in `TokenValidityUnits`.
    pub fn as_str(self) -> &'static str {
        match self {
            ValidityUnit::Seconds => "seconds",
            ValidityUnit::Minutes => "minutes",
            ValidityUnit::Hours => "hours",
            ValidityUnit::Days => "days",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "seconds" => ValidityUnit::Seconds,
            "minutes" => ValidityUnit::Minutes,
            "hours" => ValidityUnit::Hours,
            "days" => ValidityUnit::Days,
            _ => return None,
        })
    }

    pub fn seconds(self) -> i64 {
        match self {
            ValidityUnit::Seconds => 1,
            ValidityUnit::Minutes => 60,
            ValidityUnit::Hours => 3600,
            ValidityUnit::Days => 86_400,
        }
    }
}

impl Validity {
    pub fn seconds(self) -> i64 {
        self.value.saturating_mul(self.unit.seconds())
    }

    /// Parses `<number><s|m|h|d>`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text.len().saturating_sub(1);
        let (number, unit) = text.split_at(split);
        let unit = match unit {
            "s" => ValidityUnit::Seconds,
            "m" => ValidityUnit::Minutes,
            "h" => ValidityUnit::Hours,
            "d" => ValidityUnit::Days,
            _ => {
                return Err(format!(
                    "{text:?} is not a duration like \"60m\", \"1h\" or \"30d\" (units s, m, h, d)"
                ))
            }
        };
        match number.parse::<i64>() {
            Ok(value) if value > 0 => Ok(Validity { value, unit }),
            _ => Err(format!("{text:?} is not a duration like \"60m\", \"1h\" or \"30d\" (a positive whole number, then s, m, h or d)")),
        }
    }
}

impl<'de> Deserialize<'de> for Validity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Validity::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// `[[pools.groups]]`: a group, found by its name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    pub name: String,
    pub description: Option<String>,
    pub precedence: Option<i64>,
}

/// `[[pools.users]]`: a user, found by its username (or, in a pool with
/// `username_attributes`, the email or phone number it signs in with).
///
/// `password` is set, as permanent, only when the user is created: a
/// password changed in the file is not applied to an existing user (who
/// may have changed it since). Without a password the user is created the
/// way AdminCreateUser does it, with a temporary password delivered by
/// email/SMS (or the log), and must choose a new one at first sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    pub username: String,
    pub password: Option<Password>,
    /// Attribute name -> value (`email`, `email_verified = "true"`,
    /// `custom:role`, …). Attributes left out are not touched.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Groups (declared in the same pool) the user is added to. Groups the
    /// user is in but that are not listed are left alone.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Enables or disables the user; left out, it is not touched.
    pub enabled: Option<bool>,
}

/// A password from the file; never shown by `Debug`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    pub fn new(text: impl Into<String>) -> Self {
        Password(text.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

// === APIs ===

/// `[[apis]]`: a REST API, found by its name, deployed to one stage.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSpec {
    pub name: String,
    pub description: Option<String>,
    #[serde(default = "default_stage")]
    pub stage: String,
    #[serde(default)]
    pub stage_variables: BTreeMap<String, String>,
    #[serde(default)]
    pub authorizers: Vec<AuthorizerSpec>,
    #[serde(default)]
    pub routes: Vec<RouteSpec>,
    /// An OpenAPI 3 / Swagger 2 file (JSON or YAML; a relative path is
    /// taken from the TOML file's directory) used in place of `routes` and
    /// `authorizers`. `${pools.NAME.arn}` and `${pools.NAME.id}` in its
    /// strings name pools declared in the same file.
    pub openapi: Option<PathBuf>,
}

fn default_stage() -> String {
    "test".to_string()
}

/// `[[apis.authorizers]]`: a Cognito user pool authorizer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizerSpec {
    pub name: String,
    /// Names of pools declared in this file, or user pool ARNs.
    pub pools: Vec<String>,
    /// The header that carries the token.
    #[serde(default = "default_header")]
    pub header: String,
    /// A regular expression the token's app client id must match
    /// (`identityValidationExpression`).
    pub client_regex: Option<String>,
    /// How long a verified token's result is cached (0 to 3600; default 300).
    pub ttl_secs: Option<u32>,
}

fn default_header() -> String {
    "Authorization".to_string()
}

/// `[[apis.routes]]`: one method on one path.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// `/pets`, `/pets/{petId}`, `/{proxy+}`.
    pub path: String,
    /// `GET`, `POST`, …, `ANY`, or any other method token (`PURCHASE`).
    pub method: String,
    /// The name of one of the API's authorizers; none: a public method.
    pub authorizer: Option<String>,
    /// With scopes the method wants an access token carrying one of them;
    /// without, an ID token.
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub api_key_required: bool,
    pub integration: IntegrationSpec,
}

/// `[apis.routes.integration]`: where the request goes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrationSpec {
    #[serde(rename = "type")]
    pub kind: IntegrationKind,
    /// HTTP and HTTP_PROXY: the backend URL (`{name}` takes the path
    /// parameter of that name; `${stageVariables.x}` a stage variable).
    pub uri: Option<String>,
    /// HTTP and HTTP_PROXY: the backend method; default the route's method
    /// (`ANY` forwards the client's).
    pub http_method: Option<String>,
    /// `integration.request.header.NAME` (or `querystring` / `path`) ->
    /// a mapping expression such as `context.authorizer.claims.sub`.
    #[serde(default)]
    pub request_parameters: BTreeMap<String, String>,
    /// 50 to 29000; default 29000.
    pub timeout_ms: Option<u32>,
    /// MOCK: the status answered (default 200).
    pub status: Option<u16>,
    /// MOCK: the body answered, as a response mapping template.
    pub body: Option<String>,
    /// MOCK: headers answered.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// The integration types cognate runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum IntegrationKind {
    #[serde(rename = "HTTP_PROXY", alias = "http_proxy")]
    HttpProxy,
    #[serde(rename = "HTTP", alias = "http")]
    Http,
    #[serde(rename = "MOCK", alias = "mock")]
    Mock,
}

// === the whole ===

/// Everything a config file declares, with the directory its relative
/// paths are taken from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Declared {
    pub pools: Vec<PoolSpec>,
    pub apis: Vec<ApiSpec>,
    /// The config file's directory (`openapi` paths are relative to it).
    pub base_dir: PathBuf,
}

/// The reserved name of the API key security scheme in generated documents.
pub(crate) const API_KEY_SCHEME: &str = "api_key";

impl Declared {
    /// Checks the declarations against each other; `base_dir` is set by
    /// whoever read the file.
    pub fn new(pools: Vec<PoolSpec>, apis: Vec<ApiSpec>) -> anyhow::Result<Self> {
        let declared = Declared {
            pools,
            apis,
            base_dir: PathBuf::from("."),
        };
        super::check::declared(&declared)?;
        Ok(declared)
    }

    pub fn is_empty(&self) -> bool {
        self.pools.is_empty() && self.apis.is_empty()
    }

    /// The declared pool named `name`.
    pub fn pool(&self, name: &str) -> Option<&PoolSpec> {
        self.pools.iter().find(|p| p.name == name)
    }
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
