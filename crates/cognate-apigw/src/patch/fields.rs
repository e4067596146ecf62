//! The patchable paths of each object, as AWS documents them for its
//! `Update*` operation. Each resolver maps path segments (already unescaped)
//! to a [`Field`]; anything else is not patchable.

use super::Field;
use crate::model::{
    ApiKey, Authorizer, Deployment, GatewayResponse, Integration, IntegrationResponse, Method,
    MethodResponse, MethodSetting, Model, QuotaSettings, RequestValidator, Resource, RestApi,
    Stage, ThrottleSettings, UsagePlan,
};

/// `UpdateRestApi`.
pub fn rest_api<'a>(api: &'a mut RestApi, path: &[&str]) -> Option<Field<'a>> {
    Some(match path {
        ["name"] => Field::Str(&mut api.name),
        ["description"] => Field::OptStr(&mut api.description),
        ["version"] => Field::OptStr(&mut api.version),
        ["policy"] => Field::OptStr(&mut api.policy),
        ["apiKeySource"] => Field::OptStr(&mut api.api_key_source),
        ["minimumCompressionSize"] => Field::OptInt(&mut api.minimum_compression_size),
        ["disableExecuteApiEndpoint"] => Field::Bool(&mut api.disable_execute_api_endpoint),
        ["binaryMediaTypes", item] => {
            Field::ListItem(&mut api.binary_media_types, item.to_string())
        }
        ["endpointConfiguration", "types", item] => Field::ListItem(
            &mut api
                .endpoint_configuration
                .get_or_insert_with(Default::default)
                .types,
            item.to_string(),
        ),
        _ => return None,
    })
}

/// `UpdateResource`: rename or move a resource.
pub fn resource<'a>(res: &'a mut Resource, path: &[&str]) -> Option<Field<'a>> {
    Some(match path {
        ["pathPart"] => Field::OptStr(&mut res.path_part),
        ["parentId"] => Field::OptStr(&mut res.parent_id),
        _ => return None,
    })
}

/// `UpdateMethod`.
pub fn method<'a>(m: &'a mut Method, path: &[&str]) -> Option<Field<'a>> {
    Some(match path {
        ["authorizationType"] => Field::Str(&mut m.authorization_type),
        ["authorizerId"] => Field::OptStr(&mut m.authorizer_id),
        ["apiKeyRequired"] => Field::Bool(&mut m.api_key_required),
        ["operationName"] => Field::OptStr(&mut m.operation_name),
        ["requestValidatorId"] => Field::OptStr(&mut m.request_validator_id),
        ["authorizationScopes"] => Field::List(&mut m.authorization_scopes),
        ["requestParameters", name] => {
            Field::BoolEntry(&mut m.request_parameters, name.to_string())
        }
        ["requestModels", content_type] => {
            Field::StrEntry(&mut m.request_models, content_type.to_string())
        }
        _ => return None,
    })
}

/// `UpdateMethodResponse`.
pub fn method_response<'a>(r: &'a mut MethodResponse, path: &[&str]) -> Option<Field<'a>> {
    Some(match path {
        ["responseParameters", name] => {
            Field::BoolEntry(&mut r.response_parameters, name.to_string())
        }
        ["responseModels", content_type] => {
            Field::StrEntry(&mut r.response_models, content_type.to_string())
        }
        _ => return None,
    })
}

/// `UpdateIntegration`.
pub fn integration<'a>(i: &'a mut Integration, path: &[&str]) -> Option<Field<'a>> {
    Some(match path {
        ["uri"] => Field::OptStr(&mut i.uri),
        ["httpMethod"] => Field::OptStr(&mut i.http_method),
        ["timeoutInMillis"] => Field::Int(&mut i.timeout_in_millis, 29_000),
        ["passthroughBehavior"] => Field::OptStr(&mut i.passthrough_behavior),
        ["contentHandling"] => Field::OptStr(&mut i.content_handling),
        ["connectionType"] => Field::OptStr(&mut i.connection_type),
        ["connectionId"] => Field::OptStr(&mut i.connection_id),
        ["credentials"] => Field::OptStr(&mut i.credentials),
        ["cacheNamespace"] => Field::OptStr(&mut i.cache_namespace),
        ["cacheKeyParameters"] => Field::List(&mut i.cache_key_parameters),
        ["tlsConfig", "insecureSkipVerification"] => Field::Bool(
            &mut i
                .tls_config
                .get_or_insert_with(Default::default)
                .insecure_skip_verification,
        ),
        ["requestParameters", name] => Field::StrEntry(&mut i.request_parameters, name.to_string()),
        ["requestTemplates", content_type] => {
            Field::StrEntry(&mut i.request_templates, content_type.to_string())
        }
        _ => return None,
    })
}

/// `UpdateIntegrationResponse`.
pub fn integration_response<'a>(
    r: &'a mut IntegrationResponse,
    path: &[&str],
) -> Option<Field<'a>> {
    Some(match path {
        ["selectionPattern"] => Field::OptStr(&mut r.selection_pattern),
        ["contentHandling"] => Field::OptStr(&mut r.content_handling),
        ["responseParameters", name] => {
            Field::StrEntry(&mut r.response_parameters, name.to_string())
        }
        ["responseTemplates", content_type] => {
            Field::StrEntry(&mut r.response_templates, content_type.to_string())
        }
        _ => return None,
    })
}

/// `UpdateAuthorizer`.
pub fn authorizer<'a>(a: &'a mut Authorizer, path: &[&str]) -> Option<Field<'a>> {
    Some(match path {
        ["name"] => Field::Str(&mut a.name),
        ["type"] => Field::Str(&mut a.kind),
        ["providerARNs"] => Field::List(&mut a.provider_arns),
        ["authType"] => Field::OptStr(&mut a.auth_type),
        ["authorizerUri"] => Field::OptStr(&mut a.authorizer_uri),
        ["authorizerCredentials"] => Field::OptStr(&mut a.authorizer_credentials),
        ["identitySource"] => Field::OptStr(&mut a.identity_source),
        ["identityValidationExpression"] => Field::OptStr(&mut a.identity_validation_expression),
        ["authorizerResultTtlInSeconds"] => Field::OptInt(&mut a.authorizer_result_ttl_in_seconds),
        _ => return None,
    })
}

/// `UpdateGatewayResponse`.
pub fn gateway_response<'a>(r: &'a mut GatewayResponse, path: &[&str]) -> Option<Field<'a>> {
    Some(match path {
        ["statusCode"] => Field::OptStr(&mut r.status_code),
        ["responseParameters", name] => {
            Field::StrEntry(&mut r.response_parameters, name.to_string())
        }
        ["responseTemplates", content_type] => {
            Field::StrEntry(&mut r.response_templates, content_type.to_string())
        }
        _ => return None,
    })
}

/// `UpdateDeployment`: only the description changes.
pub fn deployment<'a>(d: &'a mut Deployment, path: &[&str]) -> Option<Field<'a>> {
    Some(match path {
        ["description"] => Field::OptStr(&mut d.description),
        _ => return None,
    })
}

/// `UpdateStage`, including per-method settings at
/// `/{resourcePath}/{httpMethod}/{group}/{setting}` (`/*/*/...` for all).
pub fn stage<'a>(s: &'a mut Stage, path: &[&str]) -> Option<Field<'a>> {
    Some(match path {
        ["deploymentId"] => Field::Str(&mut s.deployment_id),
        ["description"] => Field::OptStr(&mut s.description),
        ["cacheClusterEnabled"] => Field::Bool(&mut s.cache_cluster_enabled),
        ["tracingEnabled"] => Field::Bool(&mut s.tracing_enabled),
        ["documentationVersion"] => Field::OptStr(&mut s.documentation_version),
        ["variables", name] => Field::StrEntry(&mut s.variables, name.to_string()),
        [resource @ .., method, group, setting] if !resource.is_empty() => {
            let key = format!("{}/{method}", resource.join("/").trim_start_matches('/'));
            let entry = s.method_settings.entry(key).or_default();
            method_setting(entry, group, setting)?
        }
        _ => return None,
    })
}

fn method_setting<'a>(m: &'a mut MethodSetting, group: &str, setting: &str) -> Option<Field<'a>> {
    Some(match (group, setting) {
        ("metrics", "enabled") => Field::Bool(&mut m.metrics_enabled),
        ("logging", "loglevel") => Field::OptStr(&mut m.logging_level),
        ("logging", "dataTrace") => Field::Bool(&mut m.data_trace_enabled),
        ("throttling", "burstLimit") => Field::OptInt(&mut m.throttling_burst_limit),
        ("throttling", "rateLimit") => Field::OptFloat(&mut m.throttling_rate_limit),
        ("caching", "enabled") => Field::Bool(&mut m.caching_enabled),
        ("caching", "ttlInSeconds") => Field::OptInt(&mut m.cache_ttl_in_seconds),
        _ => return None,
    })
}

/// `UpdateApiKey`; `/stages` items are `restApiId/stageName`.
pub fn api_key<'a>(k: &'a mut ApiKey, path: &[&str]) -> Option<Field<'a>> {
    Some(match path {
        ["name"] => Field::Str(&mut k.name),
        ["description"] => Field::OptStr(&mut k.description),
        ["enabled"] => Field::Bool(&mut k.enabled),
        ["customerId"] => Field::OptStr(&mut k.customer_id),
        ["stages"] => Field::List(&mut k.stage_keys),
        _ => return None,
    })
}

/// `UpdateUsagePlan`; `/apiStages` items are `apiId:stageName`.
pub fn usage_plan<'a>(p: &'a mut UsagePlan, path: &[&str]) -> Option<Field<'a>> {
    Some(match path {
        ["name"] => Field::Str(&mut p.name),
        ["description"] => Field::OptStr(&mut p.description),
        ["productCode"] => Field::OptStr(&mut p.product_code),
        ["apiStages"] => Field::ApiStages(&mut p.api_stages),
        ["throttle"] => Field::Reset(Box::new(|| p.throttle = None)),
        ["throttle", "rateLimit"] => Field::OptFloat(&mut throttle(p).rate_limit),
        ["throttle", "burstLimit"] => Field::OptInt(&mut throttle(p).burst_limit),
        ["quota"] => Field::Reset(Box::new(|| p.quota = None)),
        ["quota", "limit"] => Field::Int(&mut quota(p).limit, 0),
        ["quota", "offset"] => Field::Int(&mut quota(p).offset, 0),
        ["quota", "period"] => Field::Str(&mut quota(p).period),
        _ => return None,
    })
}

fn throttle(p: &mut UsagePlan) -> &mut ThrottleSettings {
    p.throttle.get_or_insert_with(Default::default)
}

fn quota(p: &mut UsagePlan) -> &mut QuotaSettings {
    p.quota.get_or_insert_with(Default::default)
}

/// `UpdateModel`.
pub fn model<'a>(m: &'a mut Model, path: &[&str]) -> Option<Field<'a>> {
    Some(match path {
        ["description"] => Field::OptStr(&mut m.description),
        ["schema"] => Field::OptStr(&mut m.schema),
        _ => return None,
    })
}

/// `UpdateRequestValidator`.
pub fn request_validator<'a>(v: &'a mut RequestValidator, path: &[&str]) -> Option<Field<'a>> {
    Some(match path {
        ["name"] => Field::Str(&mut v.name),
        ["validateRequestBody"] => Field::Bool(&mut v.validate_request_body),
        ["validateRequestParameters"] => Field::Bool(&mut v.validate_request_parameters),
        _ => return None,
    })
}
