//! Security schemes -> authorizers, and an operation's `security` -> the
//! method's authorization (type, authorizer, scopes, API key).

use std::collections::BTreeMap;

use regex::Regex;

use super::super::names::{API_KEY_HEADER, AUTHORIZER, AUTHTYPE, SIGV4_AUTHTYPE};
use super::super::node::Node;
use super::super::source::Dialect;
use crate::model::Authorizer;
use crate::service::authorizers::is_user_pool_arn;
use crate::ApiError;

/// What a security scheme of the document stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Scheme {
    /// An API Gateway authorizer of that name.
    Authorizer,
    /// The `x-api-key` header: methods naming it require an API key.
    ApiKey,
    /// SigV4 (`x-amazon-apigateway-authtype: awsSigv4`): `AWS_IAM`.
    Iam,
    /// Anything else; naming it from an operation is an error.
    Unsupported,
}

/// The document's security schemes by name, and the authorizers they define
/// (without ids yet).
pub(super) fn schemes(
    root: &Node<'_>,
    dialect: Dialect,
) -> Result<(BTreeMap<String, Scheme>, Vec<Authorizer>), ApiError> {
    let container = match dialect {
        Dialect::Oas3 => root.get("components").map(|c| c.get("securitySchemes")),
        Dialect::Swagger2 => Some(root.get("securityDefinitions")),
    };
    let mut schemes = BTreeMap::new();
    let mut authorizers = Vec::new();
    let Some(Some(container)) = container else {
        return Ok((schemes, authorizers));
    };
    for (name, scheme) in container.entries()? {
        let scheme = scheme.resolve()?;
        scheme.object()?;
        let kind = if let Some(ext) = scheme.get(AUTHORIZER) {
            authorizers.push(authorizer(name, &scheme, &ext)?);
            Scheme::Authorizer
        } else if scheme
            .opt_str(AUTHTYPE)?
            .is_some_and(|t| t.eq_ignore_ascii_case(SIGV4_AUTHTYPE))
        {
            Scheme::Iam
        } else if scheme.opt_str("type")? == Some("apiKey")
            && scheme.opt_str("in")? == Some("header")
            && scheme
                .opt_str("name")?
                .is_some_and(|n| n.eq_ignore_ascii_case(API_KEY_HEADER))
        {
            Scheme::ApiKey
        } else {
            Scheme::Unsupported
        };
        schemes.insert(name.to_string(), kind);
    }
    Ok((schemes, authorizers))
}

/// One `x-amazon-apigateway-authorizer` (on the scheme `scheme`).
fn authorizer(name: &str, scheme: &Node<'_>, ext: &Node<'_>) -> Result<Authorizer, ApiError> {
    ext.object()?;
    let type_node = ext.require("type")?;
    let kind = match type_node.str()?.to_ascii_lowercase().as_str() {
        "cognito_user_pools" => "COGNITO_USER_POOLS",
        "token" => "TOKEN",
        "request" => "REQUEST",
        other => {
            return Err(type_node.err(format!(
                "unknown authorizer type '{other}'; expected cognito_user_pools, token or request"
            )))
        }
    };
    let mut auth = Authorizer {
        id: String::new(),
        name: name.to_string(),
        kind: kind.to_string(),
        ..Authorizer::default()
    };
    auth.auth_type = Some(match scheme.opt_str(AUTHTYPE)? {
        Some(t) => t.to_string(),
        None if kind == "COGNITO_USER_POOLS" => "cognito_user_pools".to_string(),
        None => "custom".to_string(),
    });
    auth.identity_source = Some(match ext.opt_str("identitySource")? {
        Some(source) => source.to_string(),
        None => default_identity_source(scheme)?,
    });
    if kind == "COGNITO_USER_POOLS" {
        let arns = ext.string_list("providerARNs")?;
        if arns.is_empty() {
            return Err(ext.err(
                "providerARNs: a cognito_user_pools authorizer needs at least one user pool ARN",
            ));
        }
        if let Some(bad) = arns.iter().find(|a| !is_user_pool_arn(a)) {
            return Err(ext.err(format!(
                "providerARNs: '{bad}' is not a user pool ARN (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID)"
            )));
        }
        auth.provider_arns = arns;
    } else {
        let uri = ext.require("authorizerUri")?.str()?;
        auth.authorizer_uri = Some(uri.to_string());
        auth.authorizer_credentials = ext.opt_str("authorizerCredentials")?.map(str::to_string);
    }
    if let Some(node) = ext.get("identityValidationExpression") {
        let expr = node.str()?;
        Regex::new(expr).map_err(|e| node.err(format!("not a valid regular expression: {e}")))?;
        auth.identity_validation_expression = Some(expr.to_string());
    }
    let ttl = ext.opt_int("authorizerResultTtlInSeconds")?.unwrap_or(300);
    if !(0..=3600).contains(&ttl) {
        return Err(ext.err("authorizerResultTtlInSeconds: must be between 0 and 3600"));
    }
    auth.authorizer_result_ttl_in_seconds = Some(ttl);
    Ok(auth)
}

/// The identity source a scheme implies: its header (or query parameter).
fn default_identity_source(scheme: &Node<'_>) -> Result<String, ApiError> {
    let name = scheme.opt_str("name")?.unwrap_or("Authorization");
    Ok(match scheme.opt_str("in")? {
        Some("query") => format!("method.request.querystring.{name}"),
        _ => format!("method.request.header.{name}"),
    })
}

/// How one method is protected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MethodAuth {
    pub authorization_type: String,
    pub authorizer_id: Option<String>,
    pub scopes: Vec<String>,
    pub api_key_required: bool,
}

impl Default for MethodAuth {
    fn default() -> Self {
        MethodAuth {
            authorization_type: "NONE".to_string(),
            authorizer_id: None,
            scopes: Vec::new(),
            api_key_required: false,
        }
    }
}

impl MethodAuth {
    /// Sets the authorization type, refusing a second, different one.
    fn set(&mut self, at: &Node<'_>, kind: &str, authorizer: Option<&str>) -> Result<(), ApiError> {
        let already = self.authorization_type != "NONE";
        if already
            && (self.authorization_type != kind || self.authorizer_id.as_deref() != authorizer)
        {
            return Err(at.err("a method can use only one authorizer"));
        }
        self.authorization_type = kind.to_string();
        self.authorizer_id = authorizer.map(str::to_string);
        Ok(())
    }
}

/// An operation's `security` (a list of requirement objects, scheme name ->
/// scopes). Every scheme named anywhere in the list applies; `authorizers`
/// are the API's authorizers (those of the document and, on a merge, those
/// the API already had).
pub(super) fn method_auth(
    security: &Node<'_>,
    schemes: &BTreeMap<String, Scheme>,
    authorizers: &BTreeMap<String, Authorizer>,
) -> Result<MethodAuth, ApiError> {
    let mut auth = MethodAuth::default();
    for requirement in security.items()? {
        for (name, scopes_node) in requirement.entries()? {
            let scopes: Vec<String> = scopes_node
                .items()?
                .into_iter()
                .map(|s| Ok(s.str()?.to_string()))
                .collect::<Result<_, ApiError>>()?;
            let by_name = authorizers.values().find(|a| a.name == name);
            match (schemes.get(name), by_name) {
                (Some(Scheme::ApiKey), _) => {
                    no_scopes(&scopes_node, &scopes, "an API key")?;
                    auth.api_key_required = true;
                }
                (Some(Scheme::Iam), _) => {
                    no_scopes(&scopes_node, &scopes, "SigV4")?;
                    auth.set(&scopes_node, "AWS_IAM", None)?;
                }
                (Some(Scheme::Unsupported), _) => {
                    return Err(scopes_node.err(format!(
                        "security scheme '{name}' is neither an API Gateway authorizer \
                         (x-amazon-apigateway-authorizer) nor the x-api-key API key"
                    )))
                }
                (Some(Scheme::Authorizer) | None, Some(authorizer)) => {
                    let cognito = authorizer.kind == "COGNITO_USER_POOLS";
                    let kind = if cognito {
                        "COGNITO_USER_POOLS"
                    } else {
                        "CUSTOM"
                    };
                    auth.set(&scopes_node, kind, Some(&authorizer.id))?;
                    if !cognito {
                        no_scopes(&scopes_node, &scopes, "a token or request authorizer")?;
                    }
                    for scope in scopes {
                        if !auth.scopes.contains(&scope) {
                            auth.scopes.push(scope);
                        }
                    }
                }
                (Some(Scheme::Authorizer) | None, None) => {
                    return Err(scopes_node.err(format!("no security scheme named '{name}'")))
                }
            }
        }
    }
    Ok(auth)
}

fn no_scopes(at: &Node<'_>, scopes: &[String], what: &str) -> Result<(), ApiError> {
    if scopes.is_empty() {
        Ok(())
    } else {
        Err(at.err(format!(
            "scopes apply only to Cognito user pool authorizers, not to {what}"
        )))
    }
}
