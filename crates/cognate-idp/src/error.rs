//! Wire errors: `{"__type": ..., "message": ...}` with `x-amzn-ErrorType`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cognate_core::CoreError;
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub code: &'static str,
    pub message: String,
    pub status: StatusCode,
}

impl ApiError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            status: StatusCode::BAD_REQUEST,
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterException", message)
    }
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new("SerializationException", message)
    }
    pub fn unknown_operation(op: &str) -> Self {
        Self::new(
            "UnknownOperationException",
            format!("Operation {op} is not supported by this server."),
        )
    }
    pub fn too_large() -> Self {
        ApiError {
            code: "SerializationException",
            message: format!("Request body is larger than {} bytes", crate::MAX_BODY),
            status: StatusCode::PAYLOAD_TOO_LARGE,
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        let code = match &e {
            CoreError::InvalidParameter(_) => "InvalidParameterException",
            CoreError::ResourceNotFound(_) => "ResourceNotFoundException",
            CoreError::UserNotFound(_) => "UserNotFoundException",
            CoreError::UsernameExists(_) => "UsernameExistsException",
            CoreError::AliasExists(_) => "AliasExistsException",
            CoreError::GroupExists(_) => "GroupExistsException",
            CoreError::InvalidPassword(_) => "InvalidPasswordException",
            CoreError::NotAuthorized(_) => "NotAuthorizedException",
            CoreError::UserNotConfirmed(_) => "UserNotConfirmedException",
            CoreError::PasswordResetRequired(_) => "PasswordResetRequiredException",
            CoreError::CodeMismatch(_) => "CodeMismatchException",
            CoreError::ExpiredCode(_) => "ExpiredCodeException",
            CoreError::TooManyFailedAttempts(_) => "TooManyFailedAttemptsException",
            CoreError::LimitExceeded(_) => "LimitExceededException",
            CoreError::InvalidUserPoolConfiguration(_) => "InvalidUserPoolConfigurationException",
            CoreError::UnsupportedUserState(_) => "UnsupportedUserStateException",
            CoreError::UnsupportedOperation(_) => "UnsupportedOperationException",
            CoreError::UnsupportedTokenType(_) => "UnsupportedTokenTypeException",
            CoreError::Unauthorized(_) => "UnauthorizedException",
            CoreError::CodeDeliveryFailure(_) => "CodeDeliveryFailureException",
            CoreError::EnableSoftwareTokenMfa(_) => "EnableSoftwareTokenMFAException",
            CoreError::SoftwareTokenMfaNotFound(_) => "SoftwareTokenMFANotFoundException",
            CoreError::UserLambdaValidation(_) => "UserLambdaValidationException",
            CoreError::UnexpectedLambda(_) => "UnexpectedLambdaException",
            CoreError::InvalidLambdaResponse(_) => "InvalidLambdaResponseException",
            CoreError::Internal(_) => "InternalErrorException",
        };
        let status = if matches!(e, CoreError::Internal(_)) {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::BAD_REQUEST
        };
        let message = match e {
            CoreError::Internal(_) => "Internal server error".to_string(),
            other => other.to_string(),
        };
        ApiError {
            code,
            message,
            status,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "__type": self.code, "message": self.message }).to_string();
        let mut r = (self.status, body).into_response();
        let h = r.headers_mut();
        h.insert(
            "content-type",
            HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        if let Ok(v) = HeaderValue::from_str(&format!("{}:", self.code)) {
            h.insert("x-amzn-errortype", v);
        }
        // Header values must be visible ASCII; keep the message readable.
        let msg: String = self
            .message
            .chars()
            .map(|c| {
                if c.is_ascii() && !c.is_ascii_control() {
                    c
                } else {
                    ' '
                }
            })
            .collect();
        if let Ok(v) = HeaderValue::from_str(&msg) {
            h.insert("x-amzn-errormessage", v);
        }
        r
    }
}
