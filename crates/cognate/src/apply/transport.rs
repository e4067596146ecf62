//! How apply reaches a server: only through its public HTTP APIs. The same
//! requests go either straight into the server's own router (at `serve`
//! start-up) or over HTTP(S) to a running server (`cognate apply`).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use async_trait::async_trait;
use axum::Router;
use bytes::Bytes;
use cognate_gateway::integrate::describe_error as describe;
use http::uri::{PathAndQuery, Scheme};
use http::{Request, Response, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tower::ServiceExt;

/// The largest response body read (an exported API is the largest answer).
const MAX_RESPONSE: usize = 16 * 1024 * 1024;

/// How long one request to a remote server may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Sends one request and returns the whole response. The request's URI is
/// a path and query (`/restapis?limit=500`); the transport knows where the
/// server is.
#[async_trait]
pub trait Transport: Send + Sync {
    async fn send(&self, req: Request<Bytes>) -> anyhow::Result<Response<Bytes>>;
}

/// The server's own router, called in process.
#[derive(Clone)]
pub struct InProcess {
    router: Router,
}

impl InProcess {
    pub fn new(router: Router) -> Self {
        InProcess { router }
    }
}

#[async_trait]
impl Transport for InProcess {
    async fn send(&self, req: Request<Bytes>) -> anyhow::Result<Response<Bytes>> {
        let response = self
            .router
            .clone()
            .oneshot(req.map(axum::body::Body::from))
            .await
            .context("calling the server")?;
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, MAX_RESPONSE)
            .await
            .context("reading the server's response")?;
        Ok(Response::from_parts(parts, body))
    }
}

/// A server at an `http://` or `https://` endpoint (HTTP/1.1; https
/// certificates are checked against the system's trust store).
pub struct Http {
    scheme: Scheme,
    authority: http::uri::Authority,
    /// The endpoint's path without its trailing `/` (usually empty).
    prefix: String,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Http {
    /// A client for `endpoint`, e.g. `http://127.0.0.1:4566`.
    pub fn new(endpoint: &str) -> anyhow::Result<Self> {
        let uri: Uri = endpoint
            .trim()
            .parse()
            .with_context(|| format!("the endpoint {endpoint:?} is not a URL"))?;
        let scheme = match uri.scheme_str() {
            Some("http") => Scheme::HTTP,
            Some("https") => Scheme::HTTPS,
            _ => bail!("the endpoint {endpoint:?} must be an http:// or https:// URL"),
        };
        let Some(authority) = uri.authority().cloned() else {
            bail!("the endpoint {endpoint:?} names no host");
        };
        if uri.query().is_some() {
            bail!("the endpoint {endpoint:?} must not have a query string");
        }
        Ok(Http {
            scheme,
            authority,
            prefix: uri.path().trim_end_matches('/').to_string(),
            client: https_client()?,
        })
    }

    fn target(&self, path_and_query: Option<&PathAndQuery>) -> anyhow::Result<Uri> {
        let tail = path_and_query.map_or("/", PathAndQuery::as_str);
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(format!("{}{tail}", self.prefix))
            .build()
            .context("building the request URL")
    }
}

/// An HTTP(S) client that trusts the system's certificates.
pub fn https_client() -> anyhow::Result<Client<HttpsConnector<HttpConnector>, Full<Bytes>>> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
        .context("loading the system's trusted certificates")?;
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("configuring TLS")?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(TokioExecutor::new()).build(connector))
}

#[async_trait]
impl Transport for Http {
    async fn send(&self, req: Request<Bytes>) -> anyhow::Result<Response<Bytes>> {
        let (mut parts, body) = req.into_parts();
        parts.uri = self.target(parts.uri.path_and_query())?;
        let url = parts.uri.to_string();
        let exchange = async {
            let response = self
                .client
                .request(Request::from_parts(parts, Full::new(body)))
                .await
                .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_RESPONSE)
                .collect()
                .await
                .map_err(|e| anyhow::anyhow!("reading the response: {e}"))?
                .to_bytes();
            anyhow::Ok(Response::from_parts(parts, body))
        };
        match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
            Ok(result) => result.with_context(|| format!("calling {url}")),
            Err(_) => bail!("calling {url}: no answer within {REQUEST_TIMEOUT:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_http_urls_with_a_host() {
        assert!(Http::new("http://127.0.0.1:4566").is_ok());
        assert!(Http::new("https://cognate.example/base/").is_ok());
        let err = Http::new("ftp://x").err().unwrap().to_string();
        assert!(err.contains("must be an http:// or https:// URL"), "{err}");
        let err = Http::new("http://h/?a=b").err().unwrap().to_string();
        assert!(err.contains("query string"), "{err}");
        assert!(Http::new("not a url").is_err());
    }

    #[test]
    fn requests_go_under_the_endpoint_path() {
        let h = Http::new("https://cognate.example/base/").unwrap();
        let pq: PathAndQuery = "/restapis?limit=500".parse().unwrap();
        assert_eq!(
            h.target(Some(&pq)).unwrap().to_string(),
            "https://cognate.example/base/restapis?limit=500"
        );
        let h = Http::new("http://127.0.0.1:4566").unwrap();
        assert_eq!(
            h.target(None).unwrap().to_string(),
            "http://127.0.0.1:4566/"
        );
    }
}
