//! The two public APIs as apply calls them: cognito-idp (AWS JSON 1.1,
//! `POST /` with `X-Amz-Target`) and apigateway (rest-json under
//! `/restapis`). An error answer keeps the AWS error code and message.

use std::fmt;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{Method, Request};
use serde_json::{json, Value};

use super::transport::Transport;

const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
const JSON_1_1: &str = "application/x-amz-json-1.1";

/// Why a call failed.
#[derive(Debug)]
pub enum CallError {
    /// The server answered with an AWS error.
    Aws {
        operation: String,
        status: u16,
        code: String,
        message: String,
    },
    /// The server could not be reached, or its answer was not understood.
    Transport(anyhow::Error),
}

impl CallError {
    /// The AWS error code, if the server gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            CallError::Aws { code, .. } => Some(code),
            CallError::Transport(_) => None,
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Aws {
                operation,
                status,
                code,
                message,
            } => write!(f, "{operation} failed: {code} (HTTP {status}): {message}"),
            CallError::Transport(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for CallError {}

pub type CallResult = Result<Value, CallError>;

/// Calls on one server.
#[derive(Clone, Copy)]
pub struct Calls<'a> {
    transport: &'a dyn Transport,
}

impl<'a> Calls<'a> {
    pub fn new(transport: &'a dyn Transport) -> Self {
        Calls { transport }
    }

    /// One cognito-idp operation.
    pub async fn idp(&self, operation: &str, input: Value) -> CallResult {
        let req = Request::post("/")
            .header(CONTENT_TYPE, JSON_1_1)
            .header("x-amz-target", format!("{TARGET_PREFIX}{operation}"))
            .body(Bytes::from(input.to_string()))
            .map_err(|e| CallError::Transport(e.into()))?;
        self.exchange(operation, req).await
    }

    /// One apigateway operation: `method` on `path` (with its query), with
    /// a JSON body or none.
    pub async fn apigw(
        &self,
        operation: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> CallResult {
        let body = body.map(|b| Bytes::from(b.to_string()));
        self.apigw_raw(operation, method, path, body).await
    }

    /// An apigateway operation whose body is a document (ImportRestApi,
    /// PutRestApi).
    pub async fn apigw_raw(
        &self,
        operation: &str,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> CallResult {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::ACCEPT, "application/json");
        if body.is_some() {
            req = req.header(CONTENT_TYPE, "application/json");
        }
        let req = req
            .body(body.unwrap_or_default())
            .map_err(|e| CallError::Transport(e.into()))?;
        self.exchange(operation, req).await
    }

    async fn exchange(&self, operation: &str, req: Request<Bytes>) -> CallResult {
        let response = self
            .transport
            .send(req)
            .await
            .map_err(|e| CallError::Transport(e.context(operation.to_string())))?;
        let status = response.status();
        let header_code = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(':').next().unwrap_or(v).to_string());
        let body = response.into_body();
        let parsed: Option<Value> = if body.iter().all(u8::is_ascii_whitespace) {
            Some(json!({}))
        } else {
            serde_json::from_slice(&body).ok()
        };
        if status.is_success() {
            return parsed.ok_or_else(|| {
                CallError::Transport(anyhow::anyhow!(
                    "{operation}: the answer is not JSON: {}",
                    String::from_utf8_lossy(&body[..body.len().min(200)])
                ))
            });
        }
        let parsed = parsed.unwrap_or_default();
        let body_code = parsed
            .get("__type")
            .and_then(Value::as_str)
            .map(|t| t.rsplit('#').next().unwrap_or(t).to_string());
        let message = ["message", "Message"]
            .iter()
            .find_map(|k| parsed.get(*k).and_then(Value::as_str))
            .map(str::to_string)
            .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned());
        Err(CallError::Aws {
            operation: operation.to_string(),
            status: status.as_u16(),
            code: header_code
                .or(body_code)
                .unwrap_or_else(|| "UnknownError".to_string()),
            message,
        })
    }
}

/// A failed call as an error that names the declaration it was for
/// (`pools[0].users[2]: AdminCreateUser failed: ...`).
pub fn failed(at: &str) -> impl Fn(CallError) -> anyhow::Error + '_ {
    move |e| anyhow::anyhow!("{at}: {e}")
}

/// The string at `key` of `v`, or an error naming what was read.
pub fn text<'v>(v: &'v Value, key: &str, what: &str) -> Result<&'v str, CallError> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| CallError::Transport(anyhow::anyhow!("{what}: the answer has no {key:?}")))
}

/// Percent-encodes one path segment or query value.
pub fn encode(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for b in part.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use http::{Response, StatusCode};

    use super::*;

    /// Answers every request with one canned response and keeps the request.
    struct Canned {
        status: StatusCode,
        headers: Vec<(&'static str, &'static str)>,
        body: &'static str,
        seen: Mutex<Vec<Request<Bytes>>>,
    }

    #[async_trait]
    impl Transport for Canned {
        async fn send(&self, req: Request<Bytes>) -> anyhow::Result<Response<Bytes>> {
            self.seen.lock().unwrap().push(req);
            let mut r = Response::builder().status(self.status);
            for (k, v) in &self.headers {
                r = r.header(*k, *v);
            }
            Ok(r.body(Bytes::from_static(self.body.as_bytes()))?)
        }
    }

    fn canned(
        status: u16,
        headers: Vec<(&'static str, &'static str)>,
        body: &'static str,
    ) -> Canned {
        Canned {
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body,
            seen: Mutex::new(Vec::new()),
        }
    }

    #[tokio::test]
    async fn idp_calls_carry_the_target_and_json_1_1() {
        let t = canned(200, vec![], r#"{"UserPool":{"Id":"p"}}"#);
        let out = Calls::new(&t)
            .idp("DescribeUserPool", json!({"UserPoolId": "p"}))
            .await
            .unwrap();
        assert_eq!(out["UserPool"]["Id"], "p");
        let seen = t.seen.lock().unwrap();
        assert_eq!(seen[0].method(), Method::POST);
        assert_eq!(seen[0].uri(), "/");
        assert_eq!(
            seen[0].headers()["x-amz-target"],
            "AWSCognitoIdentityProviderService.DescribeUserPool"
        );
        assert_eq!(seen[0].headers()[CONTENT_TYPE], JSON_1_1);
    }

    #[tokio::test]
    async fn idp_errors_keep_code_and_message() {
        let t = canned(
            400,
            vec![("x-amzn-ErrorType", "UserNotFoundException:")],
            r#"{"__type":"UserNotFoundException","message":"User does not exist."}"#,
        );
        let err = Calls::new(&t)
            .idp("AdminGetUser", json!({}))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("UserNotFoundException"));
        assert_eq!(
            err.to_string(),
            "AdminGetUser failed: UserNotFoundException (HTTP 400): User does not exist."
        );
    }

    #[tokio::test]
    async fn apigw_errors_take_the_code_from_the_header() {
        let t = canned(
            404,
            vec![("x-amzn-ErrorType", "NotFoundException")],
            r#"{"message":"Invalid Stage identifier specified"}"#,
        );
        let err = Calls::new(&t)
            .apigw("GetStage", Method::GET, "/restapis/a/stages/test", None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("NotFoundException"));
        assert!(err
            .to_string()
            .contains("Invalid Stage identifier specified"));
    }

    #[tokio::test]
    async fn empty_success_bodies_read_as_an_empty_object() {
        let t = canned(202, vec![], "");
        let out = Calls::new(&t)
            .apigw("DeleteRestApi", Method::DELETE, "/restapis/a", None)
            .await
            .unwrap();
        assert_eq!(out, json!({}));
    }

    #[test]
    fn path_parts_are_percent_encoded() {
        assert_eq!(encode("arn:aws:x/y z"), "arn%3Aaws%3Ax%2Fy%20z");
        assert_eq!(encode("test-1_a.b~"), "test-1_a.b~");
    }
}
