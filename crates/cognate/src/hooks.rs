//! The core's [`Hooks`] port over HTTP(S): a trigger's target is a URL, or
//! an ARN that `[triggers]` in `cognate.toml` maps to one. The event is
//! POSTed as JSON; a 2xx answer is the event as the hook changed it (as a
//! Lambda function returns it). Any other status is the hook's error, its
//! message taken from the JSON body's `errorMessage` (a Lambda error) or
//! `message`, else the body's text.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use cognate_core::service::{HookError, Hooks, HOOK_TIMEOUT_MS};
use cognate_gateway::integrate::describe_error;
use http::{header, Method, Request};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use serde_json::Value;

/// The largest answer a hook may send.
const MAX_ANSWER: usize = 1 << 20;
/// The longest error message kept from a hook's answer.
const MAX_MESSAGE: usize = 512;

pub struct HttpHooks {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    /// ARN -> URL, from `[triggers]`.
    urls: BTreeMap<String, String>,
    timeout: Duration,
}

impl HttpHooks {
    pub fn new(urls: BTreeMap<String, String>) -> anyhow::Result<Arc<Self>> {
        Ok(Arc::new(HttpHooks {
            client: crate::apply::transport::https_client()?,
            urls,
            timeout: Duration::from_millis(HOOK_TIMEOUT_MS),
        }))
    }

    /// The URL a target names: itself when it is one, else its mapping.
    fn url<'a>(&'a self, target: &'a str) -> Result<&'a str, HookError> {
        if target.starts_with("http://") || target.starts_with("https://") {
            return Ok(target);
        }
        self.urls.get(target).map(String::as_str).ok_or_else(|| {
            HookError::Unreachable(format!(
                "{target} is not a URL and [triggers] in the configuration file does not map it to one"
            ))
        })
    }

    async fn post(&self, url: &str, event: &Value) -> Result<Value, HookError> {
        let request = Request::builder()
            .method(Method::POST)
            .uri(url)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(event.to_string())))
            .map_err(|e| HookError::Unreachable(format!("{url}: {e}")))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| HookError::Unreachable(format!("{url}: {}", describe_error(&e))))?;
        let status = response.status();
        let body = Limited::new(response.into_body(), MAX_ANSWER)
            .collect()
            .await
            .map_err(|e| HookError::Unreachable(format!("{url}: reading the answer: {e}")))?
            .to_bytes();
        if !status.is_success() {
            return Err(HookError::Failed(error_message(&body, status.as_u16())));
        }
        match serde_json::from_slice::<Value>(&body) {
            Ok(v @ Value::Object(_)) => Ok(v),
            Ok(_) | Err(_) => Err(HookError::BadResponse(format!(
                "{url} answered {status} with a body that is not a JSON object"
            ))),
        }
    }
}

#[async_trait]
impl Hooks for HttpHooks {
    async fn invoke(&self, target: &str, event: &Value) -> Result<Value, HookError> {
        let url = self.url(target)?;
        match tokio::time::timeout(self.timeout, self.post(url, event)).await {
            Ok(answer) => answer,
            Err(_) => Err(HookError::Timeout),
        }
    }
}

/// What a failed hook said: `errorMessage` or `message` of a JSON body, or
/// the body's text, or its status.
fn error_message(body: &[u8], status: u16) -> String {
    let from_json = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
        ["errorMessage", "message"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_string))
    });
    let text = from_json.unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string());
    let text: String = text.chars().take(MAX_MESSAGE).collect();
    if text.is_empty() {
        format!("the hook answered HTTP {status}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_message_prefers_lambda_error_message_then_message_then_text() {
        assert_eq!(
            error_message(
                br#"{"errorMessage":"no such domain","errorType":"Error"}"#,
                400
            ),
            "no such domain"
        );
        assert_eq!(error_message(br#"{"message":"nope"}"#, 403), "nope");
        assert_eq!(error_message(b"  plain words \n", 500), "plain words");
        assert_eq!(error_message(b"", 502), "the hook answered HTTP 502");
    }

    #[test]
    fn targets_are_urls_or_mapped_arns() {
        let arn = "arn:aws:lambda:us-east-1:000000000000:function:pre";
        let hooks = HttpHooks::new(BTreeMap::from([(
            arn.to_string(),
            "http://127.0.0.1:9/pre".to_string(),
        )]))
        .unwrap();
        assert_eq!(
            hooks.url("https://hooks.test/x").unwrap(),
            "https://hooks.test/x"
        );
        assert_eq!(hooks.url(arn).unwrap(), "http://127.0.0.1:9/pre");
        assert!(matches!(
            hooks.url("arn:aws:lambda:us-east-1:000000000000:function:other"),
            Err(HookError::Unreachable(_))
        ));
    }
}
