//! `/restapis/{id}/deployments` and `/restapis/{id}/stages`.

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::{created, empty, items, ok, AppRouter, Body, Ids, Params, Reply, Svc};
use crate::model::Stage;
use crate::patch::PatchRequest;
use crate::service::deployments::CreateDeployment;
use crate::service::stages::CreateStage;

pub(super) fn routes() -> AppRouter {
    Router::new()
        .route(
            "/restapis/{restapi_id}/deployments",
            get(get_deployments).post(create_deployment),
        )
        .route(
            "/restapis/{restapi_id}/deployments/{deployment_id}",
            get(get_deployment)
                .patch(update_deployment)
                .delete(delete_deployment),
        )
        .route(
            "/restapis/{restapi_id}/stages",
            get(get_stages).post(create_stage),
        )
        .route(
            "/restapis/{restapi_id}/stages/{stage_name}",
            get(get_stage).patch(update_stage).delete(delete_stage),
        )
}

type Two = Ids<(String, String)>;

// === deployments ===

async fn create_deployment(
    svc: Svc,
    Ids(api): Ids<String>,
    Body(req): Body<CreateDeployment>,
) -> Reply {
    created(&svc.create_deployment(&api, req).await?)
}

async fn get_deployments(svc: Svc, Ids(api): Ids<String>, params: Params) -> Reply {
    items(svc.get_deployments(&api, &params.page()?).await?)
}

/// The `apiSummary` only with `embed=apisummary`.
async fn get_deployment(svc: Svc, Ids((api, id)): Two, params: Params) -> Reply {
    let mut d = svc.get_deployment(&api, &id).await?;
    if !params.embeds("apisummary") {
        d.api_summary.clear();
    }
    ok(&d)
}

async fn update_deployment(svc: Svc, Ids((api, id)): Two, Body(req): Body<PatchRequest>) -> Reply {
    ok(&svc
        .update_deployment(&api, &id, &req.patch_operations)
        .await?)
}

async fn delete_deployment(svc: Svc, Ids((api, id)): Two) -> Reply {
    svc.delete_deployment(&api, &id).await?;
    empty(StatusCode::ACCEPTED)
}

// === stages ===

async fn create_stage(svc: Svc, Ids(api): Ids<String>, Body(req): Body<CreateStage>) -> Reply {
    created(&svc.create_stage(&api, req).await?)
}

/// `GetStages` is not paged: `{"item": [...]}`.
async fn get_stages(svc: Svc, Ids(api): Ids<String>, params: Params) -> Reply {
    #[derive(Serialize)]
    struct Stages {
        item: Vec<Stage>,
    }
    let stages = svc.get_stages(&api, params.get("deploymentId")).await?;
    ok(&Stages { item: stages })
}

async fn get_stage(svc: Svc, Ids((api, name)): Two) -> Reply {
    ok(&svc.get_stage(&api, &name).await?)
}

async fn update_stage(svc: Svc, Ids((api, name)): Two, Body(req): Body<PatchRequest>) -> Reply {
    ok(&svc.update_stage(&api, &name, &req.patch_operations).await?)
}

async fn delete_stage(svc: Svc, Ids((api, name)): Two) -> Reply {
    svc.delete_stage(&api, &name).await?;
    empty(StatusCode::ACCEPTED)
}
