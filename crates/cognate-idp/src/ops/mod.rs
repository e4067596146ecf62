//! One module per group of operations. Each module's `dispatch` answers the
//! operations it owns and returns `None` for the others.

mod auth;
mod clients;
mod groups;
mod mfa;
mod pools;
mod users;

use cognate_core::service::UserPools;
use serde_json::Value;

use crate::wire::OpResult;
use crate::{ApiError, Ctx};

pub async fn dispatch(svc: &UserPools, ctx: &Ctx, op: &str, input: Value) -> OpResult {
    if let Some(r) = pools::dispatch(svc, ctx, op, &input).await {
        return r;
    }
    if let Some(r) = clients::dispatch(svc, ctx, op, &input).await {
        return r;
    }
    if let Some(r) = groups::dispatch(svc, ctx, op, &input).await {
        return r;
    }
    if let Some(r) = users::dispatch(svc, ctx, op, &input).await {
        return r;
    }
    if let Some(r) = auth::dispatch(svc, ctx, op, &input).await {
        return r;
    }
    if let Some(r) = mfa::dispatch(svc, ctx, op, &input).await {
        return r;
    }
    Err(ApiError::unknown_operation(op))
}
