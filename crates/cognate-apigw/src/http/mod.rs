//! The `apigateway` rest-json routes.
