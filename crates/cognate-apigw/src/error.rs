//! Errors as the `apigateway` API returns them: a status, the exception name
//! in `x-amzn-ErrorType` and a body `{"message": "..."}`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cognate_core::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    Conflict,
    LimitExceeded,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
}

impl ErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "BadRequestException",
            ErrorKind::Conflict => "ConflictException",
            ErrorKind::LimitExceeded => "LimitExceededException",
            ErrorKind::NotFound => "NotFoundException",
            ErrorKind::ServiceUnavailable => "ServiceUnavailableException",
            ErrorKind::TooManyRequests => "TooManyRequestsException",
            ErrorKind::Unauthorized => "UnauthorizedException",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::LimitExceeded | ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", kind.code())]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    /// AWS's wording for every unknown id.
    pub fn not_found() -> Self {
        Self::new(ErrorKind::NotFound, "Invalid Resource identifier specified")
    }

    pub fn not_found_msg(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => ApiError::conflict(format!(
                "Another request changed {what} at the same time; retry"
            )),
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Backend(msg) => {
                tracing::error!(error = %msg, "storage backend failed");
                ApiError::new(
                    ErrorKind::ServiceUnavailable,
                    "The storage backend failed; retry",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "message": self.message }).to_string();
        let mut resp = (self.kind.status(), body).into_response();
        let h = resp.headers_mut();
        h.insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h.insert(
            "x-amzn-errortype",
            HeaderValue::from_static(self.kind.code()),
        );
        resp
    }
}
