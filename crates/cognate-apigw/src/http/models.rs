//! `/restapis/{id}/models`, `/restapis/{id}/requestvalidators` and
//! `/tags/{arn}`.

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};

use super::{created, empty, items, ok, AppRouter, Body, Ids, Params, Reply, Svc};
use crate::model::StringMap;
use crate::patch::PatchRequest;
use crate::service::models::{CreateModel, CreateRequestValidator};

pub(super) fn routes() -> AppRouter {
    Router::new()
        .route(
            "/restapis/{restapi_id}/models",
            get(get_models).post(create_model),
        )
        .route(
            "/restapis/{restapi_id}/models/{model_name}",
            get(get_model).patch(update_model).delete(delete_model),
        )
        .route(
            "/restapis/{restapi_id}/requestvalidators",
            get(get_request_validators).post(create_request_validator),
        )
        .route(
            "/restapis/{restapi_id}/requestvalidators/{requestvalidator_id}",
            get(get_request_validator)
                .patch(update_request_validator)
                .delete(delete_request_validator),
        )
        .route(
            "/tags/{resource_arn}",
            get(get_tags).put(tag_resource).delete(untag_resource),
        )
}

type Two = Ids<(String, String)>;

// === models ===

async fn create_model(svc: Svc, Ids(api): Ids<String>, Body(req): Body<CreateModel>) -> Reply {
    created(&svc.create_model(&api, req).await?)
}

async fn get_models(svc: Svc, Ids(api): Ids<String>, params: Params) -> Reply {
    items(svc.get_models(&api, &params.page()?).await?)
}

async fn get_model(svc: Svc, Ids((api, name)): Two) -> Reply {
    ok(&svc.get_model(&api, &name).await?)
}

async fn update_model(svc: Svc, Ids((api, name)): Two, Body(req): Body<PatchRequest>) -> Reply {
    ok(&svc.update_model(&api, &name, &req.patch_operations).await?)
}

async fn delete_model(svc: Svc, Ids((api, name)): Two) -> Reply {
    svc.delete_model(&api, &name).await?;
    empty(StatusCode::ACCEPTED)
}

// === request validators ===

async fn create_request_validator(
    svc: Svc,
    Ids(api): Ids<String>,
    Body(req): Body<CreateRequestValidator>,
) -> Reply {
    created(&svc.create_request_validator(&api, req).await?)
}

async fn get_request_validators(svc: Svc, Ids(api): Ids<String>, params: Params) -> Reply {
    items(svc.get_request_validators(&api, &params.page()?).await?)
}

async fn get_request_validator(svc: Svc, Ids((api, id)): Two) -> Reply {
    ok(&svc.get_request_validator(&api, &id).await?)
}

async fn update_request_validator(
    svc: Svc,
    Ids((api, id)): Two,
    Body(req): Body<PatchRequest>,
) -> Reply {
    ok(&svc
        .update_request_validator(&api, &id, &req.patch_operations)
        .await?)
}

async fn delete_request_validator(svc: Svc, Ids((api, id)): Two) -> Reply {
    svc.delete_request_validator(&api, &id).await?;
    empty(StatusCode::ACCEPTED)
}

// === tags ===

#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct Tags {
    tags: StringMap,
}

async fn get_tags(svc: Svc, Ids(arn): Ids<String>) -> Reply {
    ok(&Tags {
        tags: svc.get_tags(&arn).await?,
    })
}

async fn tag_resource(svc: Svc, Ids(arn): Ids<String>, Body(req): Body<Tags>) -> Reply {
    svc.tag_resource(&arn, &req.tags).await?;
    empty(StatusCode::NO_CONTENT)
}

/// `DELETE /tags/{arn}?tagKeys=a&tagKeys=b`.
async fn untag_resource(svc: Svc, Ids(arn): Ids<String>, params: Params) -> Reply {
    let keys: Vec<String> = params
        .0
        .iter()
        .filter(|(k, _)| k == "tagKeys")
        .flat_map(|(_, v)| v.split(','))
        .map(|v| v.trim().to_string())
        .collect();
    svc.untag_resource(&arn, &keys).await?;
    empty(StatusCode::NO_CONTENT)
}
