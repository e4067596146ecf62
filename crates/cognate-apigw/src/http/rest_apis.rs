//! `/restapis` and `/restapis/{id}/resources`.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    created, empty, items, ok, openapi_routes, parse_body, AppRouter, Body, Ids, Params, Reply, Svc,
};
use crate::model::Resource;
use crate::patch::PatchRequest;
use crate::service::paging::Page;
use crate::ApiResult;

pub(super) fn routes() -> AppRouter {
    Router::new()
        .route("/restapis", get(get_rest_apis).post(create_rest_api))
        .route(
            "/restapis/{restapi_id}",
            get(get_rest_api)
                .patch(update_rest_api)
                .delete(delete_rest_api)
                .put(openapi_routes::put_rest_api),
        )
        .route("/restapis/{restapi_id}/resources", get(get_resources))
        .route(
            "/restapis/{restapi_id}/resources/{resource_id}",
            get(get_resource)
                .post(create_resource)
                .patch(update_resource)
                .delete(delete_resource),
        )
}

/// `POST /restapis` creates an API; with `?mode=import` it imports one
/// from an OpenAPI document.
async fn create_rest_api(svc: Svc, params: Params, body: Bytes) -> Reply {
    if params.get("mode") == Some("import") {
        return openapi_routes::import_rest_api(svc, params, body).await;
    }
    created(&svc.create_rest_api(parse_body(&body)?).await?)
}

async fn get_rest_apis(svc: Svc, params: Params) -> Reply {
    items(svc.get_rest_apis(&params.page()?).await?)
}

async fn get_rest_api(svc: Svc, Ids(api): Ids<String>) -> Reply {
    ok(&svc.get_rest_api(&api).await?)
}

async fn update_rest_api(svc: Svc, Ids(api): Ids<String>, Body(req): Body<PatchRequest>) -> Reply {
    ok(&svc.update_rest_api(&api, &req.patch_operations).await?)
}

async fn delete_rest_api(svc: Svc, Ids(api): Ids<String>) -> Reply {
    svc.delete_rest_api(&api).await?;
    empty(StatusCode::ACCEPTED)
}

// === resources ===

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct CreateResource {
    path_part: String,
}

/// A resource as AWS renders it: without `embed=methods`, each method is
/// an empty object.
fn resource_json(r: &Resource, embed_methods: bool) -> ApiResult<Value> {
    let mut v = serde_json::to_value(r).map_err(|e| {
        crate::ApiError::new(
            crate::error::ErrorKind::ServiceUnavailable,
            format!("cannot encode the resource: {e}"),
        )
    })?;
    if !embed_methods {
        if let Some(Value::Object(methods)) = v.get_mut("resourceMethods") {
            for m in methods.values_mut() {
                *m = json!({});
            }
        }
    }
    Ok(v)
}

async fn get_resources(svc: Svc, Ids(api): Ids<String>, params: Params) -> Reply {
    let page = svc.get_resources(&api, &params.page()?).await?;
    let embed = params.embeds("methods");
    let rendered = page
        .items
        .iter()
        .map(|r| resource_json(r, embed))
        .collect::<ApiResult<Vec<_>>>()?;
    items(Page {
        items: rendered,
        position: page.position,
    })
}

async fn get_resource(svc: Svc, Ids((api, id)): Ids<(String, String)>, params: Params) -> Reply {
    let r = svc.get_resource(&api, &id).await?;
    ok(&resource_json(&r, params.embeds("methods"))?)
}

async fn create_resource(
    svc: Svc,
    Ids((api, parent)): Ids<(String, String)>,
    Body(req): Body<CreateResource>,
) -> Reply {
    created(&svc.create_resource(&api, &parent, &req.path_part).await?)
}

async fn update_resource(
    svc: Svc,
    Ids((api, id)): Ids<(String, String)>,
    Body(req): Body<PatchRequest>,
) -> Reply {
    ok(&svc
        .update_resource(&api, &id, &req.patch_operations)
        .await?)
}

async fn delete_resource(svc: Svc, Ids((api, id)): Ids<(String, String)>) -> Reply {
    svc.delete_resource(&api, &id).await?;
    empty(StatusCode::ACCEPTED)
}
