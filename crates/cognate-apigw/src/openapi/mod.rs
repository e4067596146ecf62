//! OpenAPI 3 / Swagger 2 import and export.
