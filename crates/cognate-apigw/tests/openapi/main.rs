//! OpenAPI 3 / Swagger 2 import and export, driven through the public
//! `cognate_apigw::openapi` API with the SecurePets fixtures.

mod errors;
mod export;
mod import;
mod modes;
mod support;
