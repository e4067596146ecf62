//! The gateway data plane: serves the stages of deployed REST APIs.
//!
//! A request passes through phases that read top to bottom:
//! route -> authorize -> API key and throttling -> map -> integrate -> respond.
//! The route table is compiled from the control plane's
//! [`LiveConfig`](cognate_apigw::model::LiveConfig) off the request path and
//! swapped in atomically; requests in flight finish on the table they started
//! with. Nothing on the request path touches the database.
#![forbid(unsafe_code)]

pub mod integrate;
