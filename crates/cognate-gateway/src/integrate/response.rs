//! Integration responses (HTTP and MOCK): choosing one by the backend's
//! status code and turning it into the method response.

use std::collections::BTreeMap;

use axum::body::Body;
use bytes::Bytes;
use cognate_apigw::model::IntegrationResponse;
use http::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use http::{HeaderMap, Response, StatusCode};
use regex::Regex;

use super::headers::remapped_name;
use super::mapping::{response_target, Scope, Source, ValueView};
use super::request::HeaderSource;
use super::template::{Template, TemplateScope};
use super::CompileError;

/// `Content-Type` of a method response that names none.
const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// One integration response, compiled.
#[derive(Debug)]
pub(crate) struct CompiledResponse {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderSource)>,
    /// By content type; empty templates are dropped (an empty template
    /// passes the payload through, as no template does).
    templates: Vec<(String, HeaderValue, Template)>,
}

/// The body a method response gets.
pub(crate) enum ResponseBody<'t> {
    /// The backend's payload, streamed (MOCK: empty).
    Pass,
    /// This template rendered; `reads_body` says whether the payload must be
    /// read first.
    Render(&'t Template),
}

impl CompiledResponse {
    fn compile(
        key: &str,
        response: &IntegrationResponse,
        remapped: &[&str],
    ) -> Result<CompiledResponse, CompileError> {
        let code = if response.status_code.is_empty() {
            key
        } else {
            &response.status_code
        };
        let status = code
            .parse::<u16>()
            .ok()
            .and_then(|c| StatusCode::from_u16(c).ok())
            .filter(|s| (100..=599).contains(&s.as_u16()))
            .ok_or_else(|| {
                CompileError(format!("invalid integration response status code '{code}'"))
            })?;
        let mut headers = Vec::new();
        for (to, from) in &response.response_parameters {
            let name = response_target(to).ok_or_else(|| {
                CompileError(format!(
                    "invalid mapping target '{to}' in responseParameters of {code}"
                ))
            })?;
            let source = Source::parse(from, Scope::Response).ok_or_else(|| {
                CompileError(format!("invalid mapping expression '{from}' for {to}"))
            })?;
            let source = HeaderSource::new(source, name.as_str()).map_err(CompileError)?;
            headers.push((remapped_name(name, remapped), source));
        }
        let mut templates = Vec::new();
        for (content_type, text) in &response.response_templates {
            let template = Template::compile(text, TemplateScope::Response).map_err(|e| {
                CompileError(format!("response template {content_type} of {code}: {e}"))
            })?;
            if template.is_empty() {
                continue;
            }
            let value = HeaderValue::from_str(content_type.trim())
                .map_err(|_| CompileError(format!("invalid content type '{content_type}'")))?;
            templates.push((content_type.trim().to_ascii_lowercase(), value, template));
        }
        Ok(CompiledResponse {
            status,
            headers,
            templates,
        })
    }

    /// The template for the client's `Accept` (any listed media type that
    /// has one), else the `application/json` one; `None` passes through.
    fn template(&self, accept: Option<&HeaderValue>) -> Option<&(String, HeaderValue, Template)> {
        if self.templates.is_empty() {
            return None;
        }
        let wanted = accept.and_then(|a| a.to_str().ok()).and_then(|accept| {
            accept
                .split(',')
                .map(|m| m.split(';').next().unwrap_or("").trim())
                .find_map(|media| {
                    self.templates
                        .iter()
                        .find(|(ct, _, _)| ct.eq_ignore_ascii_case(media))
                })
        });
        wanted.or_else(|| {
            self.templates
                .iter()
                .find(|(ct, _, _)| ct == "application/json")
        })
    }

    /// Decides the body: which template, if any, renders it.
    pub(crate) fn body(&self, accept: Option<&HeaderValue>) -> ResponseBody<'_> {
        match self.template(accept) {
            Some((_, _, template)) if !template.is_body() => ResponseBody::Render(template),
            _ => ResponseBody::Pass,
        }
    }

    /// Builds the method response around `body`: this response's status,
    /// `Content-Type` (the template's, else `application/json`) and its
    /// mapped headers, read from `view` (the backend's headers for
    /// `integration.response.header.*`). The backend's other headers are
    /// not passed on, as in API Gateway.
    pub(crate) fn respond(
        &self,
        view: &ValueView<'_>,
        accept: Option<&HeaderValue>,
        body: Body,
    ) -> Response<Body> {
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        let content_type = self
            .template(accept)
            .map_or(APPLICATION_JSON, |(_, value, _)| value.clone());
        headers.insert(CONTENT_TYPE, content_type);
        for (name, source) in &self.headers {
            match source.value(view) {
                Ok(Some(value)) => {
                    headers.insert(name.clone(), value);
                }
                Ok(None) => {}
                Err(text) => {
                    tracing::debug!(header = %name, value = %text, "mapped response header value is not valid")
                }
            }
        }
        response
    }
}

/// The integration responses of one integration.
#[derive(Debug, Default)]
pub(crate) struct Responses {
    list: Vec<CompiledResponse>,
    /// Selection patterns (anchored), in status code order.
    patterns: Vec<(Regex, usize)>,
    /// Responses without a selection pattern.
    defaults: Vec<usize>,
}

impl Responses {
    /// `remapped`: the header names the method response sends as
    /// `x-amzn-Remapped-<name>` (they depend on the integration type).
    pub(crate) fn compile(
        responses: &BTreeMap<String, IntegrationResponse>,
        remapped: &[&str],
    ) -> Result<Responses, CompileError> {
        let mut compiled = Responses::default();
        for (key, response) in responses {
            let index = compiled.list.len();
            compiled
                .list
                .push(CompiledResponse::compile(key, response, remapped)?);
            match response
                .selection_pattern
                .as_deref()
                .filter(|p| !p.is_empty())
            {
                Some(pattern) => {
                    let regex = Regex::new(&format!("^(?s:{pattern})$")).map_err(|e| {
                        CompileError(format!("invalid selectionPattern '{pattern}': {e}"))
                    })?;
                    compiled.patterns.push((regex, index));
                }
                None => compiled.defaults.push(index),
            }
        }
        Ok(compiled)
    }

    /// The response for a backend status: the first whose selection pattern
    /// matches the whole code, else the default (one without a pattern; when
    /// there are several, the one with the same status code, else the
    /// lowest). `None` when nothing applies.
    pub(crate) fn select(&self, status: StatusCode) -> Option<&CompiledResponse> {
        let code = status.as_str();
        let index = self
            .patterns
            .iter()
            .find(|(regex, _)| regex.is_match(code))
            .map(|(_, i)| *i)
            .or_else(|| {
                self.defaults
                    .iter()
                    .copied()
                    .find(|i| self.list[*i].status == status)
                    .or_else(|| self.defaults.first().copied())
            })?;
        self.list.get(index)
    }
}

/// What API Gateway answers when an integration is misconfigured (no
/// integration response for the status, an unusable MOCK template): 500
/// `{"message": "Internal server error"}`.
pub(crate) fn configuration_error(request_id: &str, why: &str) -> Response<Body> {
    tracing::warn!(request_id, reason = why, "integration configuration error");
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerErrorException",
        "Internal server error",
    )
}

/// 415 for a payload whose content type has no template when the
/// passthrough behaviour forbids passing it.
pub(crate) fn unsupported_media_type() -> Response<Body> {
    error_response(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UnsupportedMediaTypeException",
        "Unsupported Media Type",
    )
}

/// 403 for a request to the default endpoint of an API deployed with
/// `disableExecuteApiEndpoint`: not a gateway response, so not customisable.
pub(crate) fn endpoint_disabled() -> Response<Body> {
    error_response(StatusCode::FORBIDDEN, "ForbiddenException", "Forbidden")
}

fn error_response(status: StatusCode, error_type: &'static str, message: &str) -> Response<Body> {
    let body = Bytes::from(serde_json::json!({ "message": message }).to_string());
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers: &mut HeaderMap = response.headers_mut();
    headers.insert(CONTENT_TYPE, APPLICATION_JSON);
    headers.insert(
        HeaderName::from_static("x-amzn-errortype"),
        HeaderValue::from_static(error_type),
    );
    response
}

/// The client's `Accept` header, kept for choosing a response template.
pub(crate) fn accept(headers: &HeaderMap) -> Option<HeaderValue> {
    headers.get(ACCEPT).cloned()
}

#[cfg(test)]
mod tests {
    use super::super::headers::REMAPPED_AFTER_HTTP;
    use super::*;

    fn responses(list: &[(&str, Option<&str>)]) -> Responses {
        let map = list
            .iter()
            .map(|(code, pattern)| {
                let response = IntegrationResponse {
                    status_code: code.to_string(),
                    selection_pattern: pattern.map(str::to_string),
                    ..Default::default()
                };
                (code.to_string(), response)
            })
            .collect();
        Responses::compile(&map, REMAPPED_AFTER_HTTP).unwrap_or_else(|e| panic!("{e}"))
    }

    fn chosen(r: &Responses, status: u16) -> Option<u16> {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT);
        r.select(status).map(|c| c.status.as_u16())
    }

    #[test]
    fn selection_patterns_match_the_whole_status_code() {
        let r = responses(&[
            ("200", None),
            ("404", Some("404")),
            ("500", Some("5\\d{2}")),
        ]);
        assert_eq!(chosen(&r, 404), Some(404));
        assert_eq!(chosen(&r, 503), Some(500));
        assert_eq!(chosen(&r, 201), Some(200));
        assert_eq!(chosen(&r, 4040), Some(200));
    }

    #[test]
    fn without_a_default_unmatched_statuses_select_nothing() {
        let r = responses(&[("400", Some("4\\d{2}"))]);
        assert_eq!(chosen(&r, 200), None);
        assert_eq!(chosen(&r, 401), Some(400));
    }

    #[test]
    fn several_defaults_prefer_the_same_status() {
        let r = responses(&[("200", None), ("404", None)]);
        assert_eq!(chosen(&r, 404), Some(404));
        assert_eq!(chosen(&r, 500), Some(200));
    }

    #[test]
    fn invalid_patterns_and_codes_are_compile_errors() {
        let bad_pattern = BTreeMap::from([(
            "400".to_string(),
            IntegrationResponse {
                status_code: "400".into(),
                selection_pattern: Some("4(".into()),
                ..Default::default()
            },
        )]);
        assert!(Responses::compile(&bad_pattern, REMAPPED_AFTER_HTTP).is_err());
        let bad_code = BTreeMap::from([(
            "abc".to_string(),
            IntegrationResponse {
                status_code: "abc".into(),
                ..Default::default()
            },
        )]);
        assert!(Responses::compile(&bad_code, REMAPPED_AFTER_HTTP).is_err());
    }
}
