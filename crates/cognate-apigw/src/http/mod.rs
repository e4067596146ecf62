//! The `apigateway` rest-json routes: paths, success codes and list shapes
//! as in the AWS API model. Handlers only translate: they extract ids, query
//! parameters and JSON bodies, call [`ApiGateway`], and render the result.
//!
//! - Bodies that are not the JSON the operation expects (wrong types,
//!   malformed text) are `BadRequestException` with the parser's message.
//! - Lists are `{"item": [...], "position": "..."}`, paged by `limit` and
//!   `position`.
//! - Every response carries an `x-amzn-RequestId`.

mod authorizers;
mod deployments;
mod keys;
mod methods;
mod models;
mod openapi_routes;
mod rest_apis;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::Router;
use cognate_core::rng::RngExt;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::service::paging::{Page, PageRequest};
use crate::{ApiError, ApiGateway, ApiResult};

/// The router's state: the service every handler calls.
pub(crate) type Svc = State<Arc<ApiGateway>>;
pub(crate) type AppRouter = Router<Arc<ApiGateway>>;
/// What every handler returns.
pub(crate) type Reply = ApiResult<Response>;

/// The management API's routes over `svc`.
pub fn routes(svc: Arc<ApiGateway>) -> Router {
    Router::new()
        .merge(rest_apis::routes())
        .merge(methods::routes())
        .merge(authorizers::routes())
        .merge(deployments::routes())
        .merge(keys::routes())
        .merge(models::routes())
        .merge(openapi_routes::routes())
        .layer(middleware::map_response_with_state(svc.clone(), request_id))
        .with_state(svc)
}

async fn request_id(State(svc): State<Arc<ApiGateway>>, mut resp: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&svc.rng.uuid()) {
        resp.headers_mut().insert("x-amzn-RequestId", v);
    }
    resp
}

// === extractors ===

/// A JSON request body decoded into `T`; an empty body is `{}`.
pub(crate) struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            ApiError::bad_request(format!(
                "Could not read the request body: {}",
                e.body_text()
            ))
        })?;
        parse_body(&bytes).map(Body)
    }
}

/// Decodes a JSON body; an empty body is `{}`.
pub(crate) fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(text)
        .map_err(|e| ApiError::bad_request(format!("Invalid request body: {e}")))
}

/// Path parameters, with AWS-shaped errors.
pub(crate) struct Ids<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Ids<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| Ids(t))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}

/// The query string as name/value pairs (names may repeat: `embed`).
pub(crate) struct Params(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map(|Query(q)| Params(q))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `true` for `name=true` (any case).
    pub fn flag(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// Whether `embed` names `what` (repeated or comma-separated).
    pub fn embeds(&self, what: &str) -> bool {
        self.0
            .iter()
            .filter(|(k, _)| k == "embed")
            .flat_map(|(_, v)| v.split(','))
            .any(|v| v.trim().eq_ignore_ascii_case(what))
    }

    /// `limit` and `position`.
    pub fn page(&self) -> ApiResult<PageRequest> {
        let limit = match self.get("limit") {
            None => None,
            Some(l) => Some(l.parse::<i64>().map_err(|_| {
                ApiError::bad_request(format!("Invalid limit '{l}': not an integer"))
            })?),
        };
        Ok(PageRequest {
            limit,
            position: self.get("position").map(String::from),
        })
    }
}

// === responses ===

/// `value` as JSON with `status`.
pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Reply {
    let body = serde_json::to_vec(value).map_err(|e| {
        ApiError::new(
            crate::error::ErrorKind::ServiceUnavailable,
            format!("cannot encode the response: {e}"),
        )
    })?;
    Ok((status, [(header::CONTENT_TYPE, "application/json")], body).into_response())
}

pub(crate) fn ok<T: Serialize>(value: &T) -> Reply {
    json(StatusCode::OK, value)
}

pub(crate) fn created<T: Serialize>(value: &T) -> Reply {
    json(StatusCode::CREATED, value)
}

/// A body-less answer (`202` for most deletes, `204` for some).
pub(crate) fn empty(status: StatusCode) -> Reply {
    Ok(status.into_response())
}

/// `{"item": [...], "position"?: "..."}`.
pub(crate) fn items<T: Serialize>(page: Page<T>) -> Reply {
    #[derive(Serialize)]
    struct Items<T> {
        item: Vec<T>,
        #[serde(skip_serializing_if = "Option::is_none")]
        position: Option<String>,
    }
    ok(&Items {
        item: page.items,
        position: page.position,
    })
}
