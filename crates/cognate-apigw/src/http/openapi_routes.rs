//! The OpenAPI operations: `ImportRestApi` (`POST /restapis?mode=import`,
//! dispatched from the `/restapis` route), `PutRestApi`
//! (`PUT /restapis/{id}?mode=merge|overwrite`) and `GetExport`
//! (`GET /restapis/{id}/stages/{stage}/exports/{type}`).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use super::{created, ok, AppRouter, Ids, Params, Reply, Svc};
use crate::service::import::put_mode;

pub(super) fn routes() -> AppRouter {
    Router::new().route(
        "/restapis/{restapi_id}/stages/{stage_name}/exports/{export_type}",
        get(get_export),
    )
}

pub(super) async fn import_rest_api(svc: Svc, params: Params, body: Bytes) -> Reply {
    created(
        &svc.import_rest_api(&body, params.flag("failonwarnings"))
            .await?,
    )
}

pub(super) async fn put_rest_api(
    svc: Svc,
    Ids(api): Ids<String>,
    params: Params,
    body: Bytes,
) -> Reply {
    let mode = put_mode(params.get("mode"))?;
    ok(&svc
        .put_rest_api(&api, &body, mode, params.flag("failonwarnings"))
        .await?)
}

/// The invocation base URL of the API on this server: the `Host` the
/// client used, with the API id as `execute-api` subdomain.
fn base_url(api_id: &str, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{api_id}.execute-api.{host}")
}

async fn get_export(
    svc: Svc,
    Ids((api, stage, export_type)): Ids<(String, String, String)>,
    params: Params,
    headers: HeaderMap,
) -> Reply {
    let query: BTreeMap<String, String> = params.0.into_iter().collect();
    let accept = headers.get(header::ACCEPT).and_then(|a| a.to_str().ok());
    let export = svc
        .get_export(
            &api,
            &stage,
            &export_type,
            &query,
            accept,
            &base_url(&api, &headers),
        )
        .await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, export.content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", export.file_name),
            ),
        ],
        export.body,
    )
        .into_response())
}
