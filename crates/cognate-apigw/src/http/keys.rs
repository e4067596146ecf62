//! `/apikeys` and `/usageplans` (with `/usageplans/{id}/keys`).

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde_json::Value;

use super::{created, empty, items, ok, parse_body, AppRouter, Body, Ids, Params, Reply, Svc};
use crate::model::ApiKey;
use crate::patch::PatchRequest;
use crate::service::api_keys::ApiKeyFilter;
use crate::service::usage_plans::{CreateUsagePlan, CreateUsagePlanKey};
use crate::{ApiError, ApiResult};

pub(super) fn routes() -> AppRouter {
    Router::new()
        .route("/apikeys", get(get_api_keys).post(create_api_key))
        .route(
            "/apikeys/{api_key}",
            get(get_api_key)
                .patch(update_api_key)
                .delete(delete_api_key),
        )
        .route("/usageplans", get(get_usage_plans).post(create_usage_plan))
        .route(
            "/usageplans/{usageplan_id}",
            get(get_usage_plan)
                .patch(update_usage_plan)
                .delete(delete_usage_plan),
        )
        .route(
            "/usageplans/{usageplan_id}/keys",
            get(get_usage_plan_keys).post(create_usage_plan_key),
        )
        .route(
            "/usageplans/{usageplan_id}/keys/{key_id}",
            get(get_usage_plan_key).delete(delete_usage_plan_key),
        )
}

type Two = Ids<(String, String)>;

// === API keys ===

/// A key as shown: its value only when asked for (`includeValue(s)=true`).
fn key_json(key: &ApiKey, include_value: bool) -> ApiResult<Value> {
    let mut v = serde_json::to_value(key).map_err(|e| {
        ApiError::new(
            crate::error::ErrorKind::ServiceUnavailable,
            format!("cannot encode the API key: {e}"),
        )
    })?;
    if !include_value {
        if let Value::Object(map) = &mut v {
            map.remove("value");
        }
    }
    Ok(v)
}

/// `POST /apikeys` creates a key; `?mode=import` (CSV import) is refused.
async fn create_api_key(svc: Svc, params: Params, body: Bytes) -> Reply {
    if params.get("mode") == Some("import") {
        return Err(ApiError::bad_request(
            "ImportApiKeys is not supported: create keys one at a time",
        ));
    }
    let key = svc.create_api_key(parse_body(&body)?).await?;
    created(&key_json(&key, true)?)
}

async fn get_api_keys(svc: Svc, params: Params) -> Reply {
    let filter = ApiKeyFilter {
        name: params.get("name").map(String::from),
        customer_id: params.get("customerId").map(String::from),
    };
    let page = svc.get_api_keys(&filter, &params.page()?).await?;
    let include = params.flag("includeValues");
    let rendered = page
        .items
        .iter()
        .map(|k| key_json(k, include))
        .collect::<ApiResult<Vec<_>>>()?;
    items(crate::service::paging::Page {
        items: rendered,
        position: page.position,
    })
}

async fn get_api_key(svc: Svc, Ids(id): Ids<String>, params: Params) -> Reply {
    let key = svc.get_api_key(&id).await?;
    ok(&key_json(&key, params.flag("includeValue"))?)
}

async fn update_api_key(svc: Svc, Ids(id): Ids<String>, Body(req): Body<PatchRequest>) -> Reply {
    let key = svc.update_api_key(&id, &req.patch_operations).await?;
    ok(&key_json(&key, false)?)
}

async fn delete_api_key(svc: Svc, Ids(id): Ids<String>) -> Reply {
    svc.delete_api_key(&id).await?;
    empty(StatusCode::ACCEPTED)
}

// === usage plans ===

async fn create_usage_plan(svc: Svc, Body(req): Body<CreateUsagePlan>) -> Reply {
    created(&svc.create_usage_plan(req).await?)
}

async fn get_usage_plans(svc: Svc, params: Params) -> Reply {
    items(
        svc.get_usage_plans(params.get("keyId"), &params.page()?)
            .await?,
    )
}

async fn get_usage_plan(svc: Svc, Ids(id): Ids<String>) -> Reply {
    ok(&svc.get_usage_plan(&id).await?)
}

async fn update_usage_plan(svc: Svc, Ids(id): Ids<String>, Body(req): Body<PatchRequest>) -> Reply {
    ok(&svc.update_usage_plan(&id, &req.patch_operations).await?)
}

async fn delete_usage_plan(svc: Svc, Ids(id): Ids<String>) -> Reply {
    svc.delete_usage_plan(&id).await?;
    empty(StatusCode::ACCEPTED)
}

async fn create_usage_plan_key(
    svc: Svc,
    Ids(plan): Ids<String>,
    Body(req): Body<CreateUsagePlanKey>,
) -> Reply {
    created(&svc.create_usage_plan_key(&plan, req).await?)
}

async fn get_usage_plan_keys(svc: Svc, Ids(plan): Ids<String>, params: Params) -> Reply {
    items(
        svc.get_usage_plan_keys(&plan, params.get("name"), &params.page()?)
            .await?,
    )
}

async fn get_usage_plan_key(svc: Svc, Ids((plan, key)): Two) -> Reply {
    ok(&svc.get_usage_plan_key(&plan, &key).await?)
}

async fn delete_usage_plan_key(svc: Svc, Ids((plan, key)): Two) -> Reply {
    svc.delete_usage_plan_key(&plan, &key).await?;
    empty(StatusCode::ACCEPTED)
}
