//! OpenAPI 3 / Swagger 2 import and export, with API Gateway's
//! `x-amazon-apigateway-*` extensions.
//!
//! [`import`] turns a document (JSON or YAML) into the [`ApiDoc`] that
//! `ImportRestApi` creates or `PutRestApi` (merge / overwrite) leaves
//! behind; [`export`] writes a deployed API back out as a stage serves it.
//!
//! What a document becomes:
//! - `info.title` / `description` / `version` -> the API's name,
//!   description and version; `servers` and `basePath` are ignored (API
//!   Gateway's default `basepath=ignore`).
//! - `paths` -> resources (intermediate ones created; `{param}` and greedy
//!   `{proxy+}` parts) and their methods. `x-amazon-apigateway-any-method`
//!   is `ANY`. As a cognate extension, a path item key that is neither an
//!   OpenAPI field nor an extension but a method token (`purchase`) defines
//!   that method (`PURCHASE`); API Gateway itself only knows the seven
//!   OpenAPI methods and `ANY`.
//! - Operation `parameters` -> `method.request.{path|querystring|header}.X`
//!   (required or not); `security` (or the document's) -> the authorizer,
//!   its scopes, and `apiKeyRequired` for the `x-api-key` scheme;
//!   `responses` -> method responses with their headers;
//!   `x-amazon-apigateway-integration` -> the integration (HTTP,
//!   HTTP_PROXY, MOCK).
//! - Security schemes with `x-amazon-apigateway-authorizer` -> authorizers
//!   (Cognito user pools; token and request authorizers are stored).
//! - `components.schemas` / `definitions` -> JSON models; gateway
//!   responses, binary media types, API key source, request validators,
//!   minimum compression size and policy from their extensions.
//!
//! What is not supported but harmless (cookie parameters, inline schemas,
//! unknown `x-amazon-apigateway-*` keys) is skipped and listed in the API's
//! `warnings`; everything else that is wrong is a BadRequestException
//! naming the JSON path of the offending value.

mod export;
mod import;
mod names;
mod node;
mod source;

use serde_json::Value;

use crate::model::{ApiDoc, Stage};
use crate::ApiError;

/// How an import treats the API it is applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// `ImportRestApi`: a new API.
    Create,
    /// `PutRestApi?mode=merge`: the document's resources, methods,
    /// authorizers, models, validators and gateway responses are added to
    /// the API, replacing those at the same path and method or of the same
    /// name (whose ids are kept); everything else stays.
    Merge,
    /// `PutRestApi?mode=overwrite`: the API keeps its id, name (unless the
    /// document has a title), root resource id, creation date, tags and
    /// endpoint configuration; everything else is the document's. Objects
    /// at the same path or of the same name keep their ids.
    Overwrite,
}

/// What a new id is for: the REST API and its root resource get 10
/// characters, everything else 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    RestApi,
    Resource,
    Authorizer,
    Model,
    RequestValidator,
}

/// The export formats of `GetExport`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// `oas30`: OpenAPI 3.0.1.
    Oas30,
    /// `swagger`: Swagger 2.0.
    Swagger,
}

/// Builds the ApiDoc an ImportRestApi (Create, base None) or PutRestApi
/// (Merge/Overwrite on base) produces. New ids come from `ids` (10 chars for
/// RestApi and the root resource: ask IdKind::RestApi twice; 6 for the
/// rest); ids of things that already exist in `base` are kept.
///
/// `Create` ignores `base`; `Merge` or `Overwrite` without a base creates a
/// new API like `Create`. `now_secs` is the creation date of a new API.
pub fn import(
    body: &[u8],
    base: Option<&ApiDoc>,
    mode: ImportMode,
    ids: &mut dyn FnMut(IdKind) -> String,
    now_secs: i64,
) -> Result<ApiDoc, ApiError> {
    import::run(body, base, mode, ids, now_secs)
}

/// The stage's view of a deployed API as OpenAPI 3.0.1 or Swagger 2.0 JSON.
///
/// `base_url` is where the API is invoked, without the stage
/// (`http://abc123defg.execute-api.localhost:4566`). With `extensions`
/// the document carries the integrations, authorizer definitions, `ANY`
/// and other non-OpenAPI methods, request validators, gateway responses and
/// the API's settings, so that importing it rebuilds the same API.
pub fn export(
    doc: &ApiDoc,
    stage: &Stage,
    format: ExportFormat,
    extensions: bool,
    base_url: &str,
) -> Value {
    export::run(doc, stage, format, extensions, base_url)
}
