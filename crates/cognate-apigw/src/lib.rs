//! The API Gateway control plane: the model of REST APIs, the `apigateway`
//! rest-json management API that boto3 and the AWS CLI speak, OpenAPI import
//! and export, and the deployment snapshots the data plane serves.
//!
//! - [`model`]: the objects, shaped as the API returns them; a REST API is one
//!   stored document, a deployment an immutable copy of it.
//! - [`service::ApiGateway`]: the rules (ids, the resource tree, validation,
//!   deployments and stages) over a [`DocStore`](cognate_core::store::DocStore);
//!   it tells subscribers when what the gateway serves has changed.
//! - [`http`]: the rest-json routes; they translate and call the service.
//! - [`patch`]: `patchOperations` applied to the model.
//! - [`openapi`]: OpenAPI 3 / Swagger 2 with the `x-amazon-apigateway-*`
//!   extensions, in and out.
//!
//! This crate never proxies traffic: that is `cognate-gateway`'s job.
#![forbid(unsafe_code)]

pub mod error;
pub mod http;
pub mod model;
pub mod openapi;
pub mod patch;
pub mod service;

pub use error::{ApiError, ApiResult};
pub use service::ApiGateway;
