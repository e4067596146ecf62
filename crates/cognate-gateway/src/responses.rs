//! Gateway responses: the answers the gateway itself gives when a request
//! does not reach (or does not come back from) the backend — unknown route,
//! failed authorization, missing API key, throttling, integration failure.
//!
//! Every type has a default (status, message, `x-amzn-ErrorType`); an API
//! customises them per deployment with `gatewayResponses` (status code,
//! `gatewayresponse.header.X` parameters, `application/json` templates), and
//! `DEFAULT_4XX` / `DEFAULT_5XX` stand in for the types it did not customise.
//! Customisations are compiled when a deployment is installed; rendering only
//! fills values in.

use std::collections::BTreeMap;

use axum::body::Body;
use cognate_apigw::model::GatewayResponse;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use http::{HeaderMap, Response, StatusCode};

/// The `x-amzn-RequestId` header every response carries.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-amzn-requestid");
/// The `x-amzn-ErrorType` header every gateway response carries.
pub const ERROR_TYPE_HEADER: &str = "x-amzn-errortype";

const JSON: &str = "application/json";

macro_rules! response_types {
    ($( $variant:ident = $name:literal, $status:literal, $error:literal, $message:literal; )*) => {
        /// The gateway response types of the `apigateway` model.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ResponseType {
            $( $variant, )*
        }

        impl ResponseType {
            /// Every type, in the model's order.
            pub const ALL: &'static [ResponseType] = &[$( ResponseType::$variant, )*];

            /// The name the API uses (`UNAUTHORIZED`, `DEFAULT_4XX`, …).
            pub fn name(self) -> &'static str {
                match self { $( ResponseType::$variant => $name, )* }
            }

            /// The type with this API name.
            pub fn parse(name: &str) -> Option<ResponseType> {
                match name { $( $name => Some(ResponseType::$variant), )* _ => None }
            }

            /// The status the type answers with unless customised.
            pub fn default_status(self) -> StatusCode {
                let code: u16 = match self { $( ResponseType::$variant => $status, )* };
                StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }

            /// The `x-amzn-ErrorType` of the type.
            pub fn error_type(self) -> &'static str {
                match self { $( ResponseType::$variant => $error, )* }
            }

            /// The message in the body unless the cause gives a more precise one.
            pub fn default_message(self) -> &'static str {
                match self { $( ResponseType::$variant => $message, )* }
            }
        }
    };
}

response_types! {
    Default4xx = "DEFAULT_4XX", 400, "BadRequestException", "Bad Request";
    Default5xx = "DEFAULT_5XX", 500, "InternalServerErrorException", "Internal server error";
    ResourceNotFound = "RESOURCE_NOT_FOUND", 404, "NotFoundException", "Not Found";
    Unauthorized = "UNAUTHORIZED", 401, "UnauthorizedException", "Unauthorized";
    InvalidApiKey = "INVALID_API_KEY", 403, "ForbiddenException", "Forbidden";
    AccessDenied = "ACCESS_DENIED", 403, "AccessDeniedException", "User is not authorized to access this resource";
    AuthorizerFailure = "AUTHORIZER_FAILURE", 500, "AuthorizerFailureException", "Internal server error";
    AuthorizerConfigurationError = "AUTHORIZER_CONFIGURATION_ERROR", 500, "AuthorizerConfigurationException", "Internal server error";
    InvalidSignature = "INVALID_SIGNATURE", 403, "InvalidSignatureException", "Invalid request signature";
    ExpiredToken = "EXPIRED_TOKEN", 403, "ExpiredTokenException", "The security token included in the request is expired";
    MissingAuthenticationToken = "MISSING_AUTHENTICATION_TOKEN", 403, "MissingAuthenticationTokenException", "Missing Authentication Token";
    IntegrationFailure = "INTEGRATION_FAILURE", 502, "InternalServerErrorException", "Internal server error";
    IntegrationTimeout = "INTEGRATION_TIMEOUT", 504, "InternalServerErrorException", "Endpoint request timed out";
    ApiConfigurationError = "API_CONFIGURATION_ERROR", 500, "InternalServerErrorException", "Internal server error";
    UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE", 415, "UnsupportedMediaTypeException", "Unsupported Media Type";
    BadRequestParameters = "BAD_REQUEST_PARAMETERS", 400, "BadRequestException", "Missing required request parameters";
    BadRequestBody = "BAD_REQUEST_BODY", 400, "BadRequestException", "Invalid request body";
    RequestTooLarge = "REQUEST_TOO_LARGE", 413, "RequestTooLargeException", "Request Too Long";
    Throttled = "THROTTLED", 429, "TooManyRequestsException", "Too Many Requests";
    QuotaExceeded = "QUOTA_EXCEEDED", 429, "LimitExceededException", "Limit Exceeded";
    WafFiltered = "WAF_FILTERED", 403, "ForbiddenException", "Forbidden";
}

impl ResponseType {
    fn index(self) -> usize {
        self as usize
    }

    /// `DEFAULT_4XX` or `DEFAULT_5XX`, whichever covers this type.
    fn family(self) -> ResponseType {
        if self.default_status().is_server_error() {
            ResponseType::Default5xx
        } else {
            ResponseType::Default4xx
        }
    }
}

/// Why the gateway answers instead of the backend: a response type and, when
/// the cause is more precise than the type's default, the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub kind: ResponseType,
    pub message: Option<String>,
}

impl Reject {
    pub fn new(kind: ResponseType) -> Self {
        Reject {
            kind,
            message: None,
        }
    }

    pub fn with_message(kind: ResponseType, message: impl Into<String>) -> Self {
        Reject {
            kind,
            message: Some(message.into()),
        }
    }

    /// The message the response carries.
    pub fn message(&self) -> &str {
        self.message
            .as_deref()
            .unwrap_or_else(|| self.kind.default_message())
    }
}

/// What a gateway response may refer to: the request and where it was going.
#[derive(Debug, Clone, Copy)]
pub struct ErrorContext<'a> {
    pub request_id: &'a str,
    pub api_id: &'a str,
    pub stage: &'a str,
    /// The request's headers (for `method.request.header.X`).
    pub headers: &'a HeaderMap,
    /// The raw query string, if any.
    pub query: Option<&'a str>,
    /// Path parameters, when a route matched.
    pub path_params: &'a [(String, String)],
}

/// A context value a template or header may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContextVar {
    /// The message as a JSON string literal, quotes included.
    MessageString,
    Message,
    ResponseType,
    RequestId,
    ApiId,
    Stage,
}

impl ContextVar {
    fn parse(name: &str) -> Option<ContextVar> {
        Some(match name {
            "context.error.messageString" => ContextVar::MessageString,
            "context.error.message" => ContextVar::Message,
            "context.error.responseType" => ContextVar::ResponseType,
            "context.requestId" | "context.extendedRequestId" => ContextVar::RequestId,
            "context.apiId" => ContextVar::ApiId,
            "context.stage" => ContextVar::Stage,
            _ => return None,
        })
    }

    fn write(self, out: &mut String, reject: &Reject, ctx: &ErrorContext<'_>) {
        match self {
            ContextVar::MessageString => {
                out.push_str(&serde_json::Value::from(reject.message()).to_string())
            }
            ContextVar::Message => out.push_str(reject.message()),
            ContextVar::ResponseType => out.push_str(reject.kind.name()),
            ContextVar::RequestId => out.push_str(ctx.request_id),
            ContextVar::ApiId => out.push_str(ctx.api_id),
            ContextVar::Stage => out.push_str(ctx.stage),
        }
    }
}

/// A response template split into text and `$context…` references.
#[derive(Debug, Clone, PartialEq)]
struct Template(Vec<Piece>);

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Var(ContextVar),
}

impl Template {
    /// Splits `source` at every `$context.x` / `${context.x}` it knows;
    /// anything else is kept as text.
    fn compile(source: &str) -> Template {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut rest = source;
        while let Some(at) = rest.find('$') {
            text.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let (braced, body) = match after.strip_prefix('{') {
                Some(b) => (true, b),
                None => (false, after),
            };
            let name_len = reference_len(body);
            let name = &body[..name_len];
            let closed = !braced || body[name_len..].starts_with('}');
            match ContextVar::parse(name).filter(|_| closed) {
                Some(var) => {
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(Piece::Var(var));
                    let consumed = 1 + usize::from(braced) * 2 + name_len;
                    rest = &rest[at + consumed..];
                }
                None => {
                    text.push('$');
                    rest = after;
                }
            }
        }
        text.push_str(rest);
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Template(pieces)
    }

    fn render(&self, reject: &Reject, ctx: &ErrorContext<'_>) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Var(v) => v.write(&mut out, reject, ctx),
            }
        }
        out
    }
}

/// Length of a dotted reference (`context.error.message`) at the start of `s`.
fn reference_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut end = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphanumeric() || b == b'_' {
            i += 1;
            end = i;
        } else if b == b'.' && i > 0 && bytes.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) {
            i += 1;
        } else {
            break;
        }
    }
    end
}

/// Where a customised response header takes its value from.
#[derive(Debug, Clone)]
enum HeaderSource {
    Static(HeaderValue),
    RequestHeader(HeaderName),
    Query(String),
    Path(String),
    Context(ContextVar),
}

impl HeaderSource {
    /// Parses a `responseParameters` value; stage variables are resolved now.
    fn compile(expr: &str, stage_variables: &BTreeMap<String, String>) -> Result<Self, String> {
        let expr = expr.trim();
        if let Some(inner) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
            return HeaderValue::from_str(inner)
                .map(HeaderSource::Static)
                .map_err(|_| format!("{expr} is not a valid header value"));
        }
        if let Some(name) = expr.strip_prefix("method.request.header.") {
            return HeaderName::from_bytes(name.as_bytes())
                .map(HeaderSource::RequestHeader)
                .map_err(|_| format!("{name} is not a valid header name"));
        }
        if let Some(name) = expr.strip_prefix("method.request.querystring.") {
            return Ok(HeaderSource::Query(name.to_string()));
        }
        if let Some(name) = expr.strip_prefix("method.request.path.") {
            return Ok(HeaderSource::Path(name.to_string()));
        }
        if let Some(name) = expr.strip_prefix("stageVariables.") {
            let value = stage_variables.get(name).map(String::as_str).unwrap_or("");
            return HeaderValue::from_str(value)
                .map(HeaderSource::Static)
                .map_err(|_| format!("stage variable {name} is not a valid header value"));
        }
        if let Some(var) = ContextVar::parse(expr) {
            return Ok(HeaderSource::Context(var));
        }
        Err(format!("unsupported mapping expression {expr}"))
    }

    fn value(&self, reject: &Reject, ctx: &ErrorContext<'_>) -> Option<HeaderValue> {
        match self {
            HeaderSource::Static(v) => Some(v.clone()),
            HeaderSource::RequestHeader(name) => ctx.headers.get(name).cloned(),
            HeaderSource::Query(name) => {
                query_value(ctx.query?, name).and_then(|v| HeaderValue::from_str(&v).ok())
            }
            HeaderSource::Path(name) => ctx
                .path_params
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| HeaderValue::from_str(v).ok()),
            HeaderSource::Context(var) => {
                let mut out = String::new();
                var.write(&mut out, reject, ctx);
                HeaderValue::from_str(&out).ok()
            }
        }
    }
}

/// The decoded value of the first `name` parameter of a query string.
fn query_value(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_encoding::percent_decode_str(k).decode_utf8_lossy();
        (k == name).then(|| {
            let v = v.replace('+', " ");
            percent_encoding::percent_decode_str(&v)
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

/// One customised gateway response, ready to render.
#[derive(Debug, Clone)]
struct Custom {
    status: Option<StatusCode>,
    headers: Vec<(HeaderName, HeaderSource)>,
    /// The content type and template of the body.
    template: Option<(HeaderValue, Template)>,
}

impl Custom {
    fn compile(
        response: &GatewayResponse,
        stage_variables: &BTreeMap<String, String>,
    ) -> Result<Custom, String> {
        let status = match &response.status_code {
            None => None,
            Some(code) => Some(
                code.parse::<u16>()
                    .ok()
                    .and_then(|c| StatusCode::from_u16(c).ok())
                    .ok_or_else(|| format!("status code {code} is not valid"))?,
            ),
        };
        let mut headers = Vec::new();
        for (key, expr) in &response.response_parameters {
            let Some(name) = key.strip_prefix("gatewayresponse.header.") else {
                return Err(format!("{key} is not a gatewayresponse.header parameter"));
            };
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("{name} is not a valid header name"))?;
            headers.push((name, HeaderSource::compile(expr, stage_variables)?));
        }
        let template = response
            .response_templates
            .get_key_value(JSON)
            .or_else(|| response.response_templates.iter().next())
            .map(|(content_type, source)| {
                HeaderValue::from_str(content_type)
                    .map(|ct| (ct, Template::compile(source)))
                    .map_err(|_| format!("{content_type} is not a valid content type"))
            })
            .transpose()?;
        Ok(Custom {
            status,
            headers,
            template,
        })
    }
}

/// An API's gateway responses as deployed: its customisations, by type.
#[derive(Debug, Clone, Default)]
pub struct GatewayResponses {
    custom: Vec<Option<Custom>>,
}

impl GatewayResponses {
    /// Compiles a deployment's customisations. A customisation that does not
    /// compile is left out (the type keeps its default) and reported.
    pub fn compile(
        responses: &BTreeMap<String, GatewayResponse>,
        stage_variables: &BTreeMap<String, String>,
    ) -> (GatewayResponses, Vec<String>) {
        let mut custom = vec![None; ResponseType::ALL.len()];
        let mut problems = Vec::new();
        for (name, response) in responses {
            let Some(kind) = ResponseType::parse(name) else {
                problems.push(format!("unknown gateway response type {name}"));
                continue;
            };
            match Custom::compile(response, stage_variables) {
                Ok(c) => custom[kind.index()] = Some(c),
                Err(e) => problems.push(format!("gateway response {name}: {e}")),
            }
        }
        (GatewayResponses { custom }, problems)
    }

    /// Whether a customisation reads the request's headers or query string.
    pub fn reads_request(&self) -> bool {
        self.custom.iter().flatten().any(|c| {
            c.headers.iter().any(|(_, source)| {
                matches!(
                    source,
                    HeaderSource::RequestHeader(_) | HeaderSource::Query(_)
                )
            })
        })
    }

    fn get(&self, kind: ResponseType) -> Option<&Custom> {
        self.custom.get(kind.index()).and_then(Option::as_ref)
    }

    /// Renders the response for `reject`: the type's customisation, else its
    /// family's (`DEFAULT_4XX`/`DEFAULT_5XX`, status kept), else the default.
    pub fn render(&self, reject: &Reject, ctx: &ErrorContext<'_>) -> Response<Body> {
        let own = self.get(reject.kind);
        let custom = own.or_else(|| self.get(reject.kind.family()));
        let status = own
            .and_then(|c| c.status)
            .unwrap_or_else(|| reject.kind.default_status());
        let (content_type, body) = match custom.and_then(|c| c.template.as_ref()) {
            Some((ct, template)) => (ct.clone(), template.render(reject, ctx)),
            None => (HeaderValue::from_static(JSON), default_body(reject)),
        };
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, content_type);
        headers.insert(
            HeaderName::from_static(ERROR_TYPE_HEADER),
            HeaderValue::from_static(reject.kind.error_type()),
        );
        if let Ok(id) = HeaderValue::from_str(ctx.request_id) {
            headers.insert(REQUEST_ID_HEADER, id);
        }
        for (name, source) in custom.map(|c| c.headers.as_slice()).unwrap_or_default() {
            if let Some(value) = source.value(reject, ctx) {
                headers.insert(name.clone(), value);
            }
        }
        response
    }
}

/// `{"message":"…"}`, the body of every default gateway response.
fn default_body(reject: &Reject) -> String {
    serde_json::json!({ "message": reject.message() }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(headers: &HeaderMap) -> ErrorContext<'_> {
        ErrorContext {
            request_id: "req-1",
            api_id: "abc",
            stage: "prod",
            headers,
            query: Some("lang=en%20GB&x"),
            path_params: &[],
        }
    }

    #[test]
    fn model_enum_has_twenty_one_types_that_round_trip() {
        assert_eq!(ResponseType::ALL.len(), 21);
        for t in ResponseType::ALL {
            assert_eq!(ResponseType::parse(t.name()), Some(*t));
        }
    }

    #[test]
    fn template_substitutes_known_context_references_only() {
        let t = Template::compile(
            r#"{"m":$context.error.messageString,"raw":"$context.error.message","id":"${context.requestId}","cost":"$5 $context.unknown"}"#,
        );
        let reject = Reject::with_message(ResponseType::Unauthorized, "say \"hi\"");
        let headers = HeaderMap::new();
        assert_eq!(
            t.render(&reject, &ctx(&headers)),
            r#"{"m":"say \"hi\"","raw":"say "hi"","id":"req-1","cost":"$5 $context.unknown"}"#
        );
    }

    #[test]
    fn header_sources_read_request_query_and_static_values() {
        let vars = BTreeMap::from([("origin".to_string(), "https://app".to_string())]);
        let mut headers = HeaderMap::new();
        headers.insert("x-trace", HeaderValue::from_static("t-9"));
        let reject = Reject::new(ResponseType::Unauthorized);
        let c = ctx(&headers);
        let value = |expr: &str| {
            HeaderSource::compile(expr, &vars)
                .unwrap()
                .value(&reject, &c)
                .map(|v| v.to_str().unwrap().to_string())
        };
        assert_eq!(value("'*'").as_deref(), Some("*"));
        assert_eq!(
            value("method.request.header.X-Trace").as_deref(),
            Some("t-9")
        );
        assert_eq!(
            value("method.request.querystring.lang").as_deref(),
            Some("en GB")
        );
        assert_eq!(
            value("stageVariables.origin").as_deref(),
            Some("https://app")
        );
        assert_eq!(value("context.requestId").as_deref(), Some("req-1"));
        assert!(HeaderSource::compile("integration.response.header.x", &vars).is_err());
    }
}
