//! `/restapis/{id}/resources/{rid}/methods/{httpMethod}` with its
//! integration, integration responses and method responses. The method in
//! the path may be any token (`PURCHASE`).

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

use super::{created, empty, ok, AppRouter, Body, Ids, Reply, Svc};
use crate::patch::PatchRequest;
use crate::service::integrations::{PutIntegration, PutIntegrationResponse, PutMethodResponse};
use crate::service::methods::PutMethod;

const METHOD: &str = "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}";

pub(super) fn routes() -> AppRouter {
    Router::new()
        .route(
            METHOD,
            get(get_method)
                .put(put_method)
                .patch(update_method)
                .delete(delete_method),
        )
        .route(
            &format!("{METHOD}/integration"),
            get(get_integration)
                .put(put_integration)
                .patch(update_integration)
                .delete(delete_integration),
        )
        .route(
            &format!("{METHOD}/integration/responses/{{status_code}}"),
            get(get_integration_response)
                .put(put_integration_response)
                .patch(update_integration_response)
                .delete(delete_integration_response),
        )
        .route(
            &format!("{METHOD}/responses/{{status_code}}"),
            get(get_method_response)
                .put(put_method_response)
                .patch(update_method_response)
                .delete(delete_method_response),
        )
}

/// api id, resource id, method.
type M = Ids<(String, String, String)>;
/// api id, resource id, method, status code.
type R = Ids<(String, String, String, String)>;

// === methods ===

async fn put_method(svc: Svc, Ids((a, r, m)): M, Body(req): Body<PutMethod>) -> Reply {
    created(&svc.put_method(&a, &r, &m, req).await?)
}

async fn get_method(svc: Svc, Ids((a, r, m)): M) -> Reply {
    ok(&svc.get_method(&a, &r, &m).await?)
}

async fn update_method(svc: Svc, Ids((a, r, m)): M, Body(req): Body<PatchRequest>) -> Reply {
    ok(&svc.update_method(&a, &r, &m, &req.patch_operations).await?)
}

async fn delete_method(svc: Svc, Ids((a, r, m)): M) -> Reply {
    svc.delete_method(&a, &r, &m).await?;
    empty(StatusCode::NO_CONTENT)
}

// === integrations ===

async fn put_integration(svc: Svc, Ids((a, r, m)): M, Body(req): Body<PutIntegration>) -> Reply {
    created(&svc.put_integration(&a, &r, &m, req).await?)
}

async fn get_integration(svc: Svc, Ids((a, r, m)): M) -> Reply {
    ok(&svc.get_integration(&a, &r, &m).await?)
}

async fn update_integration(svc: Svc, Ids((a, r, m)): M, Body(req): Body<PatchRequest>) -> Reply {
    ok(&svc
        .update_integration(&a, &r, &m, &req.patch_operations)
        .await?)
}

async fn delete_integration(svc: Svc, Ids((a, r, m)): M) -> Reply {
    svc.delete_integration(&a, &r, &m).await?;
    empty(StatusCode::NO_CONTENT)
}

// === integration responses ===

async fn put_integration_response(
    svc: Svc,
    Ids((a, r, m, code)): R,
    Body(req): Body<PutIntegrationResponse>,
) -> Reply {
    created(&svc.put_integration_response(&a, &r, &m, &code, req).await?)
}

async fn get_integration_response(svc: Svc, Ids((a, r, m, code)): R) -> Reply {
    ok(&svc.get_integration_response(&a, &r, &m, &code).await?)
}

async fn update_integration_response(
    svc: Svc,
    Ids((a, r, m, code)): R,
    Body(req): Body<PatchRequest>,
) -> Reply {
    ok(&svc
        .update_integration_response(&a, &r, &m, &code, &req.patch_operations)
        .await?)
}

async fn delete_integration_response(svc: Svc, Ids((a, r, m, code)): R) -> Reply {
    svc.delete_integration_response(&a, &r, &m, &code).await?;
    empty(StatusCode::NO_CONTENT)
}

// === method responses ===

async fn put_method_response(
    svc: Svc,
    Ids((a, r, m, code)): R,
    Body(req): Body<PutMethodResponse>,
) -> Reply {
    created(&svc.put_method_response(&a, &r, &m, &code, req).await?)
}

async fn get_method_response(svc: Svc, Ids((a, r, m, code)): R) -> Reply {
    ok(&svc.get_method_response(&a, &r, &m, &code).await?)
}

/// The API model gives `UpdateMethodResponse` status 201.
async fn update_method_response(
    svc: Svc,
    Ids((a, r, m, code)): R,
    Body(req): Body<PatchRequest>,
) -> Reply {
    created(
        &svc.update_method_response(&a, &r, &m, &code, &req.patch_operations)
            .await?,
    )
}

async fn delete_method_response(svc: Svc, Ids((a, r, m, code)): R) -> Reply {
    svc.delete_method_response(&a, &r, &m, &code).await?;
    empty(StatusCode::NO_CONTENT)
}
