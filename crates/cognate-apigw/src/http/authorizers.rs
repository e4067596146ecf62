//! `/restapis/{id}/authorizers` and `/restapis/{id}/gatewayresponses`.

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

use super::{created, empty, items, ok, AppRouter, Body, Ids, Params, Reply, Svc};
use crate::patch::PatchRequest;
use crate::service::authorizers::{CreateAuthorizer, TestInvokeAuthorizer};
use crate::service::gateway_responses::PutGatewayResponse;

pub(super) fn routes() -> AppRouter {
    Router::new()
        .route(
            "/restapis/{restapi_id}/authorizers",
            get(get_authorizers).post(create_authorizer),
        )
        .route(
            "/restapis/{restapi_id}/authorizers/{authorizer_id}",
            get(get_authorizer)
                .patch(update_authorizer)
                .delete(delete_authorizer)
                .post(test_invoke_authorizer),
        )
        .route(
            "/restapis/{restapi_id}/gatewayresponses",
            get(get_gateway_responses),
        )
        .route(
            "/restapis/{restapi_id}/gatewayresponses/{response_type}",
            get(get_gateway_response)
                .put(put_gateway_response)
                .patch(update_gateway_response)
                .delete(delete_gateway_response),
        )
}

type Two = Ids<(String, String)>;

// === authorizers ===

async fn create_authorizer(
    svc: Svc,
    Ids(api): Ids<String>,
    Body(req): Body<CreateAuthorizer>,
) -> Reply {
    created(&svc.create_authorizer(&api, req).await?)
}

async fn get_authorizers(svc: Svc, Ids(api): Ids<String>, params: Params) -> Reply {
    items(svc.get_authorizers(&api, &params.page()?).await?)
}

async fn get_authorizer(svc: Svc, Ids((api, id)): Two) -> Reply {
    ok(&svc.get_authorizer(&api, &id).await?)
}

async fn update_authorizer(svc: Svc, Ids((api, id)): Two, Body(req): Body<PatchRequest>) -> Reply {
    ok(&svc
        .update_authorizer(&api, &id, &req.patch_operations)
        .await?)
}

async fn delete_authorizer(svc: Svc, Ids((api, id)): Two) -> Reply {
    svc.delete_authorizer(&api, &id).await?;
    empty(StatusCode::ACCEPTED)
}

async fn test_invoke_authorizer(
    svc: Svc,
    Ids((api, id)): Two,
    Body(req): Body<TestInvokeAuthorizer>,
) -> Reply {
    ok(&svc.test_invoke_authorizer(&api, &id, req).await?)
}

// === gateway responses ===

async fn get_gateway_responses(svc: Svc, Ids(api): Ids<String>, params: Params) -> Reply {
    items(svc.get_gateway_responses(&api, &params.page()?).await?)
}

async fn get_gateway_response(svc: Svc, Ids((api, t)): Two) -> Reply {
    ok(&svc.get_gateway_response(&api, &t).await?)
}

async fn put_gateway_response(
    svc: Svc,
    Ids((api, t)): Two,
    Body(req): Body<PutGatewayResponse>,
) -> Reply {
    created(&svc.put_gateway_response(&api, &t, req).await?)
}

async fn update_gateway_response(
    svc: Svc,
    Ids((api, t)): Two,
    Body(req): Body<PatchRequest>,
) -> Reply {
    ok(&svc
        .update_gateway_response(&api, &t, &req.patch_operations)
        .await?)
}

async fn delete_gateway_response(svc: Svc, Ids((api, t)): Two) -> Reply {
    svc.delete_gateway_response(&api, &t).await?;
    empty(StatusCode::ACCEPTED)
}
