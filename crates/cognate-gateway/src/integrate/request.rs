//! Building the backend request: the method, the filled URI with its query,
//! the headers (mapped ones override), and the request templates with the
//! passthrough behaviour that decides the body.

use std::borrow::Cow;
use std::collections::BTreeMap;

use http::header::{HeaderName, HeaderValue, CONTENT_TYPE, HOST};
use http::request::Parts;
use http::{HeaderMap, Method};

use super::headers::{append_forwarded_for, strip_hop_by_hop, strip_not_forwarded};
use super::mapping::{RequestTarget, Scope, Source, ValueView};
use super::template::{Template, TemplateScope};
use super::uri::{append_query, Destination, ParamValue, UriTemplate};
use super::{CompileError, IntegrationError, InvocationContext};

/// A header value known when compiling (a literal) or read per request.
#[derive(Debug, Clone)]
pub(crate) enum HeaderSource {
    Fixed(HeaderValue),
    Read(Source),
}

impl HeaderSource {
    /// Prepares `source` for `header`: literals become header values now.
    pub(crate) fn new(source: Source, header: &str) -> Result<HeaderSource, String> {
        match source {
            Source::Static(text) => HeaderValue::from_str(&text)
                .map(HeaderSource::Fixed)
                .map_err(|_| format!("'{text}' is not a valid value for header {header}")),
            other => Ok(HeaderSource::Read(other)),
        }
    }

    /// The value for this request; `Ok(None)` when the source is absent,
    /// `Err` when the value cannot be a header value.
    pub(crate) fn value(&self, view: &ValueView<'_>) -> Result<Option<HeaderValue>, String> {
        match self {
            HeaderSource::Fixed(value) => Ok(Some(value.clone())),
            HeaderSource::Read(source) => match source.value(view) {
                None => Ok(None),
                Some(text) => HeaderValue::from_str(&text)
                    .map(Some)
                    .map_err(|_| text.into_owned()),
            },
        }
    }
}

/// Where the backend request goes and which headers it carries.
#[derive(Debug)]
pub(crate) struct HttpTarget {
    uri: UriTemplate,
    /// `None`: the client's method (`ANY` or not set).
    method: Option<Method>,
    headers: Vec<(HeaderName, HeaderSource)>,
    paths: Vec<(String, Source)>,
    queries: Vec<(String, Source)>,
    /// HTTP_PROXY: forward the client's headers and query string.
    proxy: bool,
}

impl HttpTarget {
    /// Compiles the URI, method and `requestParameters` of an HTTP or
    /// HTTP_PROXY integration.
    pub(crate) fn compile(
        uri: &str,
        method: Option<&str>,
        parameters: &BTreeMap<String, String>,
        proxy: bool,
    ) -> Result<HttpTarget, CompileError> {
        let uri = UriTemplate::compile(uri)?;
        let method = match method.map(str::trim) {
            None | Some("") => None,
            Some(m) if m.eq_ignore_ascii_case("ANY") => None,
            Some(m) => Some(
                Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                    .map_err(|_| CompileError(format!("invalid integration httpMethod '{m}'")))?,
            ),
        };
        let mut target = HttpTarget {
            uri,
            method,
            headers: Vec::new(),
            paths: Vec::new(),
            queries: Vec::new(),
            proxy,
        };
        for (to, from) in parameters {
            let (to_parsed, source) = compile_mapping(to, from)?;
            match to_parsed {
                RequestTarget::Header(name) => {
                    let source = HeaderSource::new(source, name.as_str()).map_err(CompileError)?;
                    target.headers.push((name, source));
                }
                RequestTarget::Path(name) => target.paths.push((name, source)),
                RequestTarget::Query(name) => target.queries.push((name, source)),
            }
        }
        Ok(target)
    }

    /// The method, URI and headers of the backend request for this method
    /// request. Takes the client's headers out of `parts` when they are
    /// forwarded.
    pub(crate) fn build(
        &self,
        ctx: &InvocationContext<'_>,
        parts: &mut Parts,
    ) -> Result<(Method, Destination, HeaderMap), IntegrationError> {
        let client_headers = std::mem::take(&mut parts.headers);
        let raw_query = parts.uri.query();
        let view = ValueView::request(ctx, &client_headers, raw_query);

        let mut mapped_headers = Vec::with_capacity(self.headers.len());
        for (name, source) in &self.headers {
            match source.value(&view) {
                Ok(Some(value)) => mapped_headers.push((name.clone(), value)),
                Ok(None) => {}
                Err(text) => {
                    return Err(IntegrationError::BadRequestParameters(format!(
                        "the value '{text}' mapped to header {name} is not a valid header value"
                    )))
                }
            }
        }
        let mapped_query: Vec<(&str, Cow<'_, str>)> = self
            .queries
            .iter()
            .filter_map(|(name, source)| source.value(&view).map(|v| (name.as_str(), v)))
            .collect();

        let client_query = if self.proxy { raw_query } else { None };
        let destination = self.uri.destination(
            &mut |name| self.path_value(name, &view),
            ctx.stage_variables,
            |uri, has_query| append_query(uri, has_query, client_query, &mapped_query),
        )?;
        drop(mapped_query);
        drop(view);

        let mut headers = if self.proxy {
            let mut headers = client_headers;
            strip_hop_by_hop(&mut headers);
            // The backend's host in place of the client's (one lookup).
            headers.insert(HOST, destination.origin.host.clone());
            strip_not_forwarded(&mut headers);
            headers
        } else {
            let mut headers = HeaderMap::new();
            if let Some(content_type) = client_headers.get(CONTENT_TYPE) {
                headers.insert(CONTENT_TYPE, content_type.clone());
            }
            headers
        };
        append_forwarded_for(&mut headers, ctx.source_ip, ctx.forwarded_for);
        for (name, value) in mapped_headers {
            headers.insert(name, value);
        }
        let method = self.method.clone().unwrap_or_else(|| parts.method.clone());
        Ok((method, destination, headers))
    }

    /// The value of URI placeholder `name`: its `integration.request.path`
    /// mapping, or else the method path parameter of the same name. Values
    /// from a greedy (`{name+}`) path parameter keep their `/`.
    fn path_value<'v>(&'v self, name: &str, view: &'v ValueView<'v>) -> ParamValue<'v> {
        let ctx = view.ctx;
        let missing = || {
            IntegrationError::BadRequestParameters(format!(
                "the integration URI needs path parameter '{name}', which has no value"
            ))
        };
        match self.paths.iter().find(|(n, _)| n == name) {
            Some((_, source)) => {
                let value = source.value(view).ok_or_else(missing)?;
                let greedy = source
                    .path_param()
                    .is_some_and(|p| is_greedy(ctx.resource_path, p));
                Ok((value, greedy))
            }
            None => {
                let (_, value) = ctx
                    .path_params
                    .iter()
                    .find(|(n, _)| n == name)
                    .ok_or_else(missing)?;
                Ok((
                    Cow::Borrowed(value.as_str()),
                    is_greedy(ctx.resource_path, name),
                ))
            }
        }
    }
}

/// Whether `resource_path` declares `{name+}`.
fn is_greedy(resource_path: &str, name: &str) -> bool {
    resource_path.match_indices('{').any(|(i, _)| {
        resource_path[i + 1..]
            .strip_prefix(name)
            .is_some_and(|t| t.starts_with("+}"))
    })
}

fn compile_mapping(to: &str, from: &str) -> Result<(RequestTarget, Source), CompileError> {
    let target = RequestTarget::parse(to).ok_or_else(|| {
        CompileError(format!(
            "invalid mapping target '{to}' in requestParameters"
        ))
    })?;
    let source = Source::parse(from, Scope::Request)
        .ok_or_else(|| CompileError(format!("invalid mapping expression '{from}' for {to}")))?;
    Ok((target, source))
}

/// What happens to a payload whose content type has no template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Passthrough {
    /// Pass it through untouched (the default).
    WhenNoMatch,
    /// Pass it through only when no template is defined at all.
    WhenNoTemplates,
    /// Refuse it (415).
    Never,
}

impl Passthrough {
    pub(crate) fn parse(value: Option<&str>) -> Result<Passthrough, CompileError> {
        match value.map(str::trim) {
            None | Some("") => Ok(Passthrough::WhenNoMatch),
            Some(v) if v.eq_ignore_ascii_case("WHEN_NO_MATCH") => Ok(Passthrough::WhenNoMatch),
            Some(v) if v.eq_ignore_ascii_case("WHEN_NO_TEMPLATES") => {
                Ok(Passthrough::WhenNoTemplates)
            }
            Some(v) if v.eq_ignore_ascii_case("NEVER") => Ok(Passthrough::Never),
            Some(v) => Err(CompileError(format!("invalid passthroughBehavior '{v}'"))),
        }
    }
}

/// The request templates by content type, with the passthrough behaviour.
#[derive(Debug)]
pub(crate) struct RequestTemplates {
    /// Content type (lowercase), its header value, the template.
    templates: Vec<(String, HeaderValue, Template)>,
    passthrough: Passthrough,
}

/// What to do with the payload of one request.
pub(crate) enum Payload<'t> {
    /// Send it as it came.
    Pass,
    /// Render this template (and send it as this content type).
    Render(&'t HeaderValue, &'t Template),
    /// Refuse the request with 415.
    Unsupported,
}

impl RequestTemplates {
    pub(crate) fn compile(
        templates: &BTreeMap<String, String>,
        passthrough: Option<&str>,
    ) -> Result<RequestTemplates, CompileError> {
        let mut compiled = Vec::with_capacity(templates.len());
        for (content_type, text) in templates {
            let content_type = content_type.trim();
            let template = Template::compile(text, TemplateScope::Request)
                .map_err(|e| CompileError(format!("request template for {content_type}: {e}")))?;
            let value = HeaderValue::from_str(content_type)
                .map_err(|_| CompileError(format!("invalid content type '{content_type}'")))?;
            compiled.push((content_type.to_ascii_lowercase(), value, template));
        }
        Ok(RequestTemplates {
            templates: compiled,
            passthrough: Passthrough::parse(passthrough)?,
        })
    }

    /// Chooses by the request's content type (`application/json` when it
    /// has none).
    pub(crate) fn choose(&self, headers: &HeaderMap) -> Payload<'_> {
        let media_type = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim())
            .filter(|v| !v.is_empty())
            .unwrap_or("application/json");
        let found = self
            .templates
            .iter()
            .find(|(ct, _, _)| ct.eq_ignore_ascii_case(media_type));
        match (found, self.passthrough) {
            (Some((_, value, template)), _) => Payload::Render(value, template),
            (None, Passthrough::WhenNoMatch) => Payload::Pass,
            (None, Passthrough::WhenNoTemplates) if self.templates.is_empty() => Payload::Pass,
            (None, _) => Payload::Unsupported,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_parameters_are_found_in_the_resource_path() {
        assert!(is_greedy("/files/{proxy+}", "proxy"));
        assert!(is_greedy("/{path+}", "path"));
        assert!(!is_greedy("/files/{proxy}", "proxy"));
        assert!(!is_greedy("/files/{proxyx+}", "proxy"));
    }

    #[test]
    fn passthrough_behaviour_decides_untemplated_payloads() {
        let templates = BTreeMap::from([("application/xml".to_string(), "<x/>".to_string())]);
        let mut json = HeaderMap::new();
        json.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        let mut xml = HeaderMap::new();
        xml.insert(CONTENT_TYPE, HeaderValue::from_static("Application/XML"));
        let compiled = |p: &str, t: &BTreeMap<String, String>| {
            RequestTemplates::compile(t, Some(p)).unwrap_or_else(|e| panic!("{e}"))
        };
        assert!(matches!(
            compiled("WHEN_NO_MATCH", &templates).choose(&json),
            Payload::Pass
        ));
        assert!(matches!(
            compiled("WHEN_NO_MATCH", &templates).choose(&xml),
            Payload::Render(ct, _) if ct == "application/xml"
        ));
        assert!(matches!(
            compiled("WHEN_NO_TEMPLATES", &templates).choose(&json),
            Payload::Unsupported
        ));
        assert!(matches!(
            compiled("WHEN_NO_TEMPLATES", &BTreeMap::new()).choose(&json),
            Payload::Pass
        ));
        assert!(matches!(
            compiled("NEVER", &BTreeMap::new()).choose(&json),
            Payload::Unsupported
        ));
        assert!(RequestTemplates::compile(&templates, Some("SOMETIMES")).is_err());
    }

    #[test]
    fn requests_without_content_type_use_the_json_template() {
        let templates = BTreeMap::from([(
            "application/json".to_string(),
            "{\"statusCode\": 200}".to_string(),
        )]);
        let compiled =
            RequestTemplates::compile(&templates, None).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            compiled.choose(&HeaderMap::new()),
            Payload::Render(ct, _) if ct == "application/json"
        ));
    }
}
