//! What can go wrong in the user pool domain. Variants are the outcomes a
//! caller must tell apart; the protocol crate maps them to wire errors.

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{0}")]
    InvalidParameter(String),
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("{0}")]
    UserNotFound(String),
    #[error("{0}")]
    UsernameExists(String),
    #[error("{0}")]
    AliasExists(String),
    #[error("{0}")]
    GroupExists(String),
    #[error("{0}")]
    InvalidPassword(String),
    #[error("{0}")]
    NotAuthorized(String),
    #[error("{0}")]
    UserNotConfirmed(String),
    #[error("{0}")]
    PasswordResetRequired(String),
    #[error("{0}")]
    CodeMismatch(String),
    #[error("{0}")]
    ExpiredCode(String),
    #[error("{0}")]
    TooManyFailedAttempts(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    InvalidUserPoolConfiguration(String),
    #[error("{0}")]
    UnsupportedUserState(String),
    #[error("{0}")]
    UnsupportedOperation(String),
    #[error("{0}")]
    UnsupportedTokenType(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    CodeDeliveryFailure(String),
    /// VerifySoftwareToken was given a wrong code.
    #[error("{0}")]
    EnableSoftwareTokenMfa(String),
    /// VerifySoftwareToken before AssociateSoftwareToken.
    #[error("{0}")]
    SoftwareTokenMfaNotFound(String),
    /// A trigger's hook answered with an error.
    #[error("{0}")]
    UserLambdaValidation(String),
    /// A trigger's hook could not be reached or did not answer in time.
    #[error("{0}")]
    UnexpectedLambda(String),
    /// A trigger's hook answered something that is not a valid event.
    #[error("{0}")]
    InvalidLambdaResponse(String),
    #[error("{0}")]
    Internal(String),
}

pub type CoreResult<T> = Result<T, CoreError>;

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => CoreError::InvalidParameter(format!("conflict: {m}")),
            StoreError::NotFound => CoreError::ResourceNotFound("Resource not found".into()),
            StoreError::Backend(m) => CoreError::Internal(m),
        }
    }
}

impl From<cognate_tokens::TokenError> for CoreError {
    fn from(e: cognate_tokens::TokenError) -> Self {
        CoreError::Internal(e.to_string())
    }
}

impl CoreError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        CoreError::InvalidParameter(msg.into())
    }
    pub fn not_authorized(msg: impl Into<String>) -> Self {
        CoreError::NotAuthorized(msg.into())
    }
    pub fn pool_not_found(pool_id: &str) -> Self {
        CoreError::ResourceNotFound(format!("User pool {pool_id} does not exist."))
    }
    pub fn user_not_found() -> Self {
        CoreError::UserNotFound("User does not exist.".into())
    }
}
