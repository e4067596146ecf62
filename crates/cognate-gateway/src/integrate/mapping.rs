//! Mapping expressions: where a value of the backend request (or of the
//! method response) comes from, parsed once when the integration is compiled.
//!
//! Sources are the right-hand side of `requestParameters` and
//! `responseParameters` (`method.request.header.X`,
//! `context.authorizer.claims['custom:role']`, `stageVariables.x`,
//! `'static'`, …); targets are the left-hand side
//! (`integration.request.header.X`, `method.response.header.X`, …).

use std::borrow::Cow;
use std::cell::OnceCell;

use http::header::HeaderName;
use http::HeaderMap;
use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::InvocationContext;

/// Which side of the integration an expression is read on: request mappings
/// see the method request, response mappings see the backend's response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Request,
    Response,
}

/// A field of `$context` that mappings and templates may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ContextField {
    RequestId,
    ApiId,
    Stage,
    ResourcePath,
    HttpMethod,
    SourceIp,
    ApiKeyId,
    Claim(String),
}

impl ContextField {
    /// Parses the part after `context.`; `None` when it names no known field.
    pub(crate) fn parse(rest: &str) -> Option<ContextField> {
        let field = match rest {
            "requestId" => ContextField::RequestId,
            "apiId" => ContextField::ApiId,
            "stage" => ContextField::Stage,
            "resourcePath" => ContextField::ResourcePath,
            "httpMethod" => ContextField::HttpMethod,
            "identity.sourceIp" => ContextField::SourceIp,
            "identity.apiKeyId" => ContextField::ApiKeyId,
            _ => {
                return claim_name(rest.strip_prefix("authorizer.claims")?).map(ContextField::Claim)
            }
        };
        Some(field)
    }

    /// The field's value for this request; `None` when it is absent (no
    /// authorizer ran, no API key, claim not in the token).
    pub(crate) fn value<'v>(&self, ctx: &'v InvocationContext<'_>) -> Option<Cow<'v, str>> {
        match self {
            ContextField::RequestId => Some(Cow::Borrowed(ctx.request_id)),
            ContextField::ApiId => Some(Cow::Borrowed(ctx.api_id)),
            ContextField::Stage => Some(Cow::Borrowed(ctx.stage)),
            ContextField::ResourcePath => Some(Cow::Borrowed(ctx.resource_path)),
            ContextField::HttpMethod => Some(Cow::Borrowed(ctx.http_method)),
            ContextField::SourceIp => Some(Cow::Owned(ctx.source_ip.to_string())),
            ContextField::ApiKeyId => ctx.api_key_id.map(Cow::Borrowed),
            ContextField::Claim(name) => claim_value(ctx.claims?.get(name)?, name),
        }
    }
}

/// Reads the claim name after `claims`: `.sub`, `['custom:role']` or
/// `["custom:role"]`.
fn claim_name(rest: &str) -> Option<String> {
    if let Some(name) = rest.strip_prefix('.') {
        return (!name.is_empty()).then(|| name.to_string());
    }
    let inner = rest.strip_prefix('[')?.strip_suffix(']')?;
    let name = quoted(inner)?;
    (!name.is_empty()).then(|| name.to_string())
}

/// The text between matching single or double quotes.
pub(crate) fn quoted(s: &str) -> Option<&str> {
    let q = s.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    s.strip_prefix(q)?.strip_suffix(q)
}

/// A claim as API Gateway hands it on: every value a string, arrays joined
/// with commas, `exp` and `iat` as `Tue Apr 04 18:39:39 UTC 2023`.
fn claim_value<'v>(value: &'v Value, name: &str) -> Option<Cow<'v, str>> {
    Some(match value {
        Value::String(s) => Cow::Borrowed(s.as_str()),
        Value::Number(n) if name == "exp" || name == "iat" => match n.as_i64() {
            Some(secs) => Cow::Owned(aws_date(secs)),
            None => Cow::Owned(n.to_string()),
        },
        Value::Number(n) => Cow::Owned(n.to_string()),
        Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Value::Array(items) => Cow::Owned(
            items
                .iter()
                .map(|item| match item {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
        ),
        Value::Object(_) => Cow::Owned(value.to_string()),
        Value::Null => return None,
    })
}

/// Formats epoch seconds the way API Gateway renders token times
/// (`Fri Jul 29 18:52:53 UTC 2016`).
pub(crate) fn aws_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        day,
        tod / 3600,
        tod % 3600 / 60,
        tod % 60,
        year
    )
}

/// The right-hand side of a mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// `method.request.header.X`: the header's last value.
    Header(HeaderName),
    /// `method.request.multivalueheader.X`: every value, comma-joined.
    MultiHeader(HeaderName),
    /// `method.request.path.X`.
    Path(String),
    /// `method.request.querystring.X`: the parameter's last value, decoded.
    Query(String),
    /// `method.request.multivaluequerystring.X`: every value, comma-joined.
    MultiQuery(String),
    /// `context.*`.
    Context(ContextField),
    /// `stageVariables.X`.
    StageVariable(String),
    /// `'literal'`.
    Static(String),
    /// `integration.response.header.X` (response mappings only).
    ResponseHeader(HeaderName),
    /// `integration.response.multivalueheader.X` (response mappings only).
    ResponseMultiHeader(HeaderName),
}

impl Source {
    /// Parses a mapping expression; `None` when it is not one this scope
    /// accepts.
    pub(crate) fn parse(expr: &str, scope: Scope) -> Option<Source> {
        let expr = expr.trim();
        if expr.len() >= 2 && expr.starts_with('\'') && expr.ends_with('\'') {
            return Some(Source::Static(expr[1..expr.len() - 1].to_string()));
        }
        if let Some(name) = expr.strip_prefix("stageVariables.") {
            return is_name(name).then(|| Source::StageVariable(name.to_string()));
        }
        if let Some(rest) = expr.strip_prefix("context.") {
            return ContextField::parse(rest).map(Source::Context);
        }
        match scope {
            Scope::Request => {
                let (kind, name) = expr.strip_prefix("method.request.")?.split_once('.')?;
                if name.is_empty() {
                    return None;
                }
                match kind {
                    "header" => header_name(name).map(Source::Header),
                    "multivalueheader" => header_name(name).map(Source::MultiHeader),
                    "path" => Some(Source::Path(name.to_string())),
                    "querystring" => Some(Source::Query(name.to_string())),
                    "multivaluequerystring" => Some(Source::MultiQuery(name.to_string())),
                    _ => None,
                }
            }
            Scope::Response => {
                let (kind, name) = expr
                    .strip_prefix("integration.response.")?
                    .split_once('.')?;
                match kind {
                    "header" => header_name(name).map(Source::ResponseHeader),
                    "multivalueheader" => header_name(name).map(Source::ResponseMultiHeader),
                    _ => None,
                }
            }
        }
    }

    /// The value for this request; `None` when it is absent.
    pub(crate) fn value<'v>(&'v self, view: &'v ValueView<'v>) -> Option<Cow<'v, str>> {
        match self {
            Source::Static(s) => Some(Cow::Borrowed(s)),
            Source::StageVariable(name) => view
                .ctx
                .stage_variables
                .get(name)
                .map(|v| Cow::Borrowed(v.as_str())),
            Source::Context(field) => field.value(view.ctx),
            Source::Header(name) => last_header(view.request_headers?, name),
            Source::MultiHeader(name) => joined_header(view.request_headers?, name),
            Source::Path(name) => view
                .ctx
                .path_params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| Cow::Borrowed(v.as_str())),
            Source::Query(name) => {
                let pairs = view.query_pairs();
                pairs
                    .iter()
                    .rev()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| Cow::Borrowed(v.as_str()))
            }
            Source::MultiQuery(name) => {
                let values: Vec<&str> = view
                    .query_pairs()
                    .iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
                    .collect();
                (!values.is_empty()).then(|| Cow::Owned(values.join(",")))
            }
            Source::ResponseHeader(name) => last_header(view.response_headers?, name),
            Source::ResponseMultiHeader(name) => joined_header(view.response_headers?, name),
        }
    }

    /// The method path parameter this source reads, if any.
    pub(crate) fn path_param(&self) -> Option<&str> {
        match self {
            Source::Path(name) => Some(name),
            _ => None,
        }
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

fn header_name(name: &str) -> Option<HeaderName> {
    HeaderName::from_bytes(name.as_bytes()).ok()
}

fn last_header<'v>(headers: &'v HeaderMap, name: &HeaderName) -> Option<Cow<'v, str>> {
    let value = headers.get_all(name).iter().next_back()?;
    Some(String::from_utf8_lossy(value.as_bytes()))
}

fn joined_header<'v>(headers: &'v HeaderMap, name: &HeaderName) -> Option<Cow<'v, str>> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    let mut joined = String::from_utf8_lossy(first.as_bytes()).into_owned();
    for value in values {
        joined.push(',');
        joined.push_str(&String::from_utf8_lossy(value.as_bytes()));
    }
    Some(Cow::Owned(joined))
}

/// Splits a raw query string into decoded `(name, value)` pairs (`+` is a
/// space, as in forms).
pub(crate) fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

/// Decodes one query component.
pub(crate) fn decode_component(s: &str) -> String {
    if s.contains('+') {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    } else {
        percent_decode_str(s).decode_utf8_lossy().into_owned()
    }
}

/// What mapping expressions are evaluated against: the method request's
/// headers and query (request mappings), the backend's headers (response
/// mappings) and the invocation context. The query is decoded only when an
/// expression asks for it.
pub(crate) struct ValueView<'v> {
    pub(crate) ctx: &'v InvocationContext<'v>,
    pub(crate) request_headers: Option<&'v HeaderMap>,
    pub(crate) raw_query: Option<&'v str>,
    pub(crate) response_headers: Option<&'v HeaderMap>,
    query: OnceCell<Vec<(String, String)>>,
}

impl<'v> ValueView<'v> {
    /// A view of the method request.
    pub(crate) fn request(
        ctx: &'v InvocationContext<'v>,
        headers: &'v HeaderMap,
        raw_query: Option<&'v str>,
    ) -> Self {
        ValueView {
            ctx,
            request_headers: Some(headers),
            raw_query,
            response_headers: None,
            query: OnceCell::new(),
        }
    }

    /// A view of the backend's response (no method request values).
    pub(crate) fn response(ctx: &'v InvocationContext<'v>, headers: Option<&'v HeaderMap>) -> Self {
        ValueView {
            ctx,
            request_headers: None,
            raw_query: None,
            response_headers: headers,
            query: OnceCell::new(),
        }
    }

    fn query_pairs(&self) -> &[(String, String)] {
        self.query
            .get_or_init(|| self.raw_query.map(parse_query).unwrap_or_default())
    }
}

/// The left-hand side of a request mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RequestTarget {
    Header(HeaderName),
    Path(String),
    Query(String),
}

impl RequestTarget {
    /// Parses `integration.request.{header|path|querystring}.X`.
    pub(crate) fn parse(target: &str) -> Option<RequestTarget> {
        let (kind, name) = target
            .trim()
            .strip_prefix("integration.request.")?
            .split_once('.')?;
        if name.is_empty() {
            return None;
        }
        match kind {
            "header" => header_name(name).map(RequestTarget::Header),
            "path" => Some(RequestTarget::Path(name.to_string())),
            "querystring" => Some(RequestTarget::Query(name.to_string())),
            _ => None,
        }
    }
}

/// Parses the left-hand side of a response mapping:
/// `method.response.header.X`.
pub(crate) fn response_target(target: &str) -> Option<HeaderName> {
    header_name(target.trim().strip_prefix("method.response.header.")?)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::net::{IpAddr, Ipv4Addr};

    use http::HeaderValue;
    use serde_json::json;

    use super::*;

    fn claims() -> serde_json::Map<String, Value> {
        json!({
            "sub": "u-1",
            "custom:role": "admin",
            "cognito:groups": ["a", "b"],
            "exp": 1_469_818_373,
            "email_verified": true,
            "auth_time": 1_469_814_773
        })
        .as_object()
        .cloned()
        .unwrap_or_default()
    }

    fn with_ctx<R>(f: impl FnOnce(&InvocationContext<'_>) -> R) -> R {
        let vars = BTreeMap::from([("host".to_string(), "b.example".to_string())]);
        let claims = claims();
        let params = vec![("petId".to_string(), "7".to_string())];
        let ctx = InvocationContext {
            request_id: "req-1",
            api_id: "abc123defg",
            stage: "prod",
            resource_path: "/pets/{petId}",
            http_method: "GET",
            path_params: &params,
            stage_variables: &vars,
            claims: Some(&claims),
            source_ip: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9)),
            forwarded_for: None,
            api_key_id: None,
        };
        f(&ctx)
    }

    fn eval(expr: &str) -> Option<String> {
        let source =
            Source::parse(expr, Scope::Request).unwrap_or_else(|| panic!("{expr} should parse"));
        let mut headers = HeaderMap::new();
        headers.append("x-a", HeaderValue::from_static("one"));
        headers.append("x-a", HeaderValue::from_static("two"));
        with_ctx(|ctx| {
            let view = ValueView::request(ctx, &headers, Some("q=1&q=2&name=a+b%21"));
            source.value(&view).map(Cow::into_owned)
        })
    }

    #[test]
    fn request_sources_read_their_values() {
        assert_eq!(eval("method.request.header.X-A").as_deref(), Some("two"));
        assert_eq!(
            eval("method.request.multivalueheader.x-a").as_deref(),
            Some("one,two")
        );
        assert_eq!(eval("method.request.path.petId").as_deref(), Some("7"));
        assert_eq!(eval("method.request.querystring.q").as_deref(), Some("2"));
        assert_eq!(
            eval("method.request.querystring.name").as_deref(),
            Some("a b!")
        );
        assert_eq!(
            eval("method.request.multivaluequerystring.q").as_deref(),
            Some("1,2")
        );
        assert_eq!(eval("stageVariables.host").as_deref(), Some("b.example"));
        assert_eq!(eval("'fixed value'").as_deref(), Some("fixed value"));
        assert_eq!(eval("context.requestId").as_deref(), Some("req-1"));
        assert_eq!(
            eval("context.identity.sourceIp").as_deref(),
            Some("10.0.0.9")
        );
        assert_eq!(eval("context.stage").as_deref(), Some("prod"));
        assert_eq!(eval("context.apiId").as_deref(), Some("abc123defg"));
    }

    #[test]
    fn claims_are_read_in_dot_and_bracket_form_as_strings() {
        assert_eq!(
            eval("context.authorizer.claims.sub").as_deref(),
            Some("u-1")
        );
        assert_eq!(
            eval("context.authorizer.claims['custom:role']").as_deref(),
            Some("admin")
        );
        assert_eq!(
            eval("context.authorizer.claims[\"custom:role\"]").as_deref(),
            Some("admin")
        );
        assert_eq!(
            eval("context.authorizer.claims.cognito:groups").as_deref(),
            Some("a,b")
        );
        assert_eq!(
            eval("context.authorizer.claims.exp").as_deref(),
            Some("Fri Jul 29 18:52:53 UTC 2016")
        );
        assert_eq!(
            eval("context.authorizer.claims.auth_time").as_deref(),
            Some("1469814773")
        );
        assert_eq!(
            eval("context.authorizer.claims.email_verified").as_deref(),
            Some("true")
        );
    }

    #[test]
    fn absent_values_are_none() {
        assert_eq!(eval("method.request.header.missing"), None);
        assert_eq!(eval("method.request.path.other"), None);
        assert_eq!(eval("method.request.querystring.none"), None);
        assert_eq!(eval("stageVariables.nope"), None);
        assert_eq!(eval("context.authorizer.claims.nope"), None);
        assert_eq!(eval("context.identity.apiKeyId"), None);
    }

    #[test]
    fn malformed_expressions_do_not_parse() {
        for expr in [
            "method.request.header.",
            "method.request.body",
            "method.request.cookie.x",
            "context.nope",
            "context.authorizer.claims",
            "context.authorizer.claims['x'",
            "stageVariables.",
            "integration.response.header.x",
            "'unterminated",
            "plain",
            "method.request.header.bad header",
        ] {
            assert_eq!(Source::parse(expr, Scope::Request), None, "{expr}");
        }
        assert_eq!(
            Source::parse("method.request.header.x", Scope::Response),
            None
        );
    }

    #[test]
    fn response_sources_read_backend_headers() {
        let source = Source::parse("integration.response.header.X-Up", Scope::Response);
        let mut headers = HeaderMap::new();
        headers.insert("x-up", HeaderValue::from_static("v"));
        let value = with_ctx(|ctx| {
            let view = ValueView::response(ctx, Some(&headers));
            source
                .as_ref()
                .and_then(|s| s.value(&view))
                .map(Cow::into_owned)
        });
        assert_eq!(value.as_deref(), Some("v"));
    }

    #[test]
    fn targets_parse_by_kind() {
        assert_eq!(
            RequestTarget::parse("integration.request.header.X-User"),
            Some(RequestTarget::Header(HeaderName::from_static("x-user")))
        );
        assert_eq!(
            RequestTarget::parse("integration.request.path.id"),
            Some(RequestTarget::Path("id".into()))
        );
        assert_eq!(
            RequestTarget::parse("integration.request.querystring.q"),
            Some(RequestTarget::Query("q".into()))
        );
        assert_eq!(RequestTarget::parse("integration.request.body.x"), None);
        assert_eq!(RequestTarget::parse("method.request.header.x"), None);
        assert_eq!(
            response_target("method.response.header.Access-Control-Allow-Origin")
                .map(|h| h.to_string())
                .as_deref(),
            Some("access-control-allow-origin")
        );
        assert_eq!(response_target("method.response.body"), None);
    }

    #[test]
    fn dates_render_like_api_gateway() {
        assert_eq!(aws_date(0), "Thu Jan 01 00:00:00 UTC 1970");
        assert_eq!(aws_date(1_680_629_979), "Tue Apr 04 17:39:39 UTC 2023");
        assert_eq!(aws_date(951_782_400), "Tue Feb 29 00:00:00 UTC 2000");
    }
}
