//! `TagResource`, `GetTags`, `UntagResource` on the ARNs of REST APIs
//! (`arn:aws:apigateway:{region}::/restapis/{id}`), their stages
//! (`…/restapis/{id}/stages/{name}`), API keys (`…/apikeys/{id}`) and usage
//! plans (`…/usageplans/{id}`).

use super::stages::stage_key;
use super::ApiGateway;
use crate::model::{kind, ApiKey, Stage, StringMap, UsagePlan};
use crate::{ApiError, ApiResult};

/// What an ARN names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taggable {
    RestApi(String),
    Stage(String, String),
    ApiKey(String),
    UsagePlan(String),
}

/// Tag keys are 1..=128 characters, values at most 256, and keys do not
/// start with `aws:`.
fn validate_tags(tags: &StringMap) -> ApiResult<()> {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 || k.starts_with("aws:") {
            return Err(ApiError::bad_request(format!("Invalid tag key '{k}'")));
        }
        if v.chars().count() > 256 {
            return Err(ApiError::bad_request(format!(
                "Invalid value for tag '{k}': longer than 256"
            )));
        }
    }
    Ok(())
}

/// Reads an `arn:aws:apigateway:{region}::/...` ARN.
pub fn parse_arn(arn: &str) -> ApiResult<Taggable> {
    let invalid = || ApiError::bad_request(format!("Invalid ARN specified in the request: {arn}"));
    let rest = arn.strip_prefix("arn:").ok_or_else(invalid)?;
    let mut parts = rest.splitn(5, ':');
    let (Some(_partition), Some("apigateway"), Some(_region), Some(""), Some(path)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(invalid());
    };
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segs.as_slice() {
        ["restapis", id] if !id.is_empty() => Ok(Taggable::RestApi(id.to_string())),
        ["restapis", id, "stages", name] if !id.is_empty() && !name.is_empty() => {
            Ok(Taggable::Stage(id.to_string(), name.to_string()))
        }
        ["apikeys", id] if !id.is_empty() => Ok(Taggable::ApiKey(id.to_string())),
        ["usageplans", id] if !id.is_empty() => Ok(Taggable::UsagePlan(id.to_string())),
        _ => Err(invalid()),
    }
}

impl ApiGateway {
    /// Applies `f` to the tags of what `arn` names.
    async fn with_tags(
        &self,
        arn: &str,
        f: impl Fn(&mut StringMap) + Send,
    ) -> ApiResult<StringMap> {
        Ok(match parse_arn(arn)? {
            Taggable::RestApi(id) => {
                self.modify_api(&id, |doc| {
                    f(&mut doc.api.tags);
                    Ok(doc.api.tags.clone())
                })
                .await?
            }
            Taggable::Stage(api, name) => {
                self.modify_doc(kind::STAGE, &stage_key(&api, &name), |s: &mut Stage| {
                    f(&mut s.tags);
                    Ok(s.tags.clone())
                })
                .await?
            }
            Taggable::ApiKey(id) => {
                self.modify_doc(kind::API_KEY, &id, |k: &mut ApiKey| {
                    f(&mut k.tags);
                    Ok(k.tags.clone())
                })
                .await?
            }
            Taggable::UsagePlan(id) => {
                self.modify_doc(kind::USAGE_PLAN, &id, |p: &mut UsagePlan| {
                    f(&mut p.tags);
                    Ok(p.tags.clone())
                })
                .await?
            }
        })
    }

    pub async fn tag_resource(&self, arn: &str, tags: &StringMap) -> ApiResult<()> {
        validate_tags(tags)?;
        self.with_tags(arn, |t| t.extend(tags.clone())).await?;
        Ok(())
    }

    pub async fn get_tags(&self, arn: &str) -> ApiResult<StringMap> {
        Ok(match parse_arn(arn)? {
            Taggable::RestApi(id) => self.get_rest_api(&id).await?.tags,
            Taggable::Stage(api, name) => self.get_stage(&api, &name).await?.tags,
            Taggable::ApiKey(id) => self.get_api_key(&id).await?.tags,
            Taggable::UsagePlan(id) => self.get_usage_plan(&id).await?.tags,
        })
    }

    pub async fn untag_resource(&self, arn: &str, keys: &[String]) -> ApiResult<()> {
        self.with_tags(arn, |t| t.retain(|k, _| !keys.contains(k)))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_apis_stages_keys_and_plans() {
        assert_eq!(
            parse_arn("arn:aws:apigateway:us-east-1::/restapis/abc").unwrap(),
            Taggable::RestApi("abc".into())
        );
        assert_eq!(
            parse_arn("arn:aws:apigateway:us-east-1::/restapis/abc/stages/test").unwrap(),
            Taggable::Stage("abc".into(), "test".into())
        );
        assert_eq!(
            parse_arn("arn:aws:apigateway:eu-west-1::/usageplans/p1").unwrap(),
            Taggable::UsagePlan("p1".into())
        );
        assert!(parse_arn("arn:aws:s3:::bucket").is_err());
        assert!(parse_arn("arn:aws:apigateway:us-east-1::/domainnames/x").is_err());
    }
}
