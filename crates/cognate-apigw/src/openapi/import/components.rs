//! The API-wide objects a document defines: authorizers (from security
//! schemes), request validators, models and gateway responses. Each
//! replaces the API's object of the same name (keeping its id) and, on a
//! merge, leaves the others alone.

use std::collections::BTreeMap;

use serde_json::Value;

use super::super::names::{
    is_status_code, model_of_local_ref, stored_model_ref, GATEWAY_RESPONSES,
    GATEWAY_RESPONSE_TYPES, REQUEST_VALIDATORS,
};
use super::super::node::Node;
use super::super::source::Dialect;
use super::super::IdKind;
use super::security::{self, Scheme};
use super::Importer;
use crate::model::{GatewayResponse, Model, RequestValidator};
use crate::ApiError;

impl Importer<'_, '_> {
    /// Security schemes: authorizers go into the API; the schemes are
    /// returned for the methods to refer to.
    pub(super) fn authorizers(&mut self) -> Result<BTreeMap<String, Scheme>, ApiError> {
        let (schemes, authorizers) = security::schemes(&self.root, self.dialect)?;
        for mut authorizer in authorizers {
            let existing = self
                .doc
                .authorizers
                .values()
                .chain(self.previous.iter().flat_map(|p| p.authorizers.values()))
                .find(|a| a.name == authorizer.name)
                .map(|a| a.id.clone());
            authorizer.id = match existing {
                Some(id) => id,
                None => Self::unique_id(self.ids, IdKind::Authorizer, |id| {
                    self.doc.authorizers.contains_key(id)
                })?,
            };
            self.doc
                .authorizers
                .retain(|_, a| a.name != authorizer.name);
            self.doc
                .authorizers
                .insert(authorizer.id.clone(), authorizer);
        }
        Ok(schemes)
    }

    /// `x-amazon-apigateway-request-validators`: name -> which parts to validate.
    pub(super) fn request_validators(&mut self) -> Result<(), ApiError> {
        let Some(validators) = self.root.get(REQUEST_VALIDATORS) else {
            return Ok(());
        };
        for (name, v) in validators.entries()? {
            v.object()?;
            let existing = self
                .doc
                .request_validators
                .values()
                .chain(
                    self.previous
                        .iter()
                        .flat_map(|p| p.request_validators.values()),
                )
                .find(|r| r.name == name)
                .map(|r| r.id.clone());
            let id = match existing {
                Some(id) => id,
                None => Self::unique_id(self.ids, IdKind::RequestValidator, |id| {
                    self.doc.request_validators.contains_key(id)
                })?,
            };
            let validator = RequestValidator {
                id: id.clone(),
                name: name.to_string(),
                validate_request_body: v.opt_bool("validateRequestBody")?.unwrap_or(false),
                validate_request_parameters: v
                    .opt_bool("validateRequestParameters")?
                    .unwrap_or(false),
            };
            self.doc.request_validators.retain(|_, r| r.name != name);
            self.doc.request_validators.insert(id, validator);
        }
        Ok(())
    }

    /// `components.schemas` / `definitions` -> JSON models. References
    /// between models are stored in API Gateway's own form, so the stored
    /// schema does not depend on the document's dialect.
    pub(super) fn models(&mut self) -> Result<(), ApiError> {
        let container = match self.dialect {
            Dialect::Oas3 => self.root.get("components").and_then(|c| c.get("schemas")),
            Dialect::Swagger2 => self.root.get("definitions"),
        };
        let Some(container) = container else {
            return Ok(());
        };
        let entries = container.entries()?;
        let names: Vec<&str> = entries.iter().map(|(n, _)| *n).collect();
        for (name, schema) in &entries {
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(schema.err("model names must be alphanumeric"));
            }
            schema.object()?;
        }
        for (name, schema) in entries {
            let mut stored = schema.value.clone();
            self.rewrite_model_refs(&schema, &mut stored, &names)?;
            let id = match self
                .doc
                .models
                .get(name)
                .or_else(|| self.previous.and_then(|p| p.models.get(name)))
            {
                Some(m) => m.id.clone(),
                None => Self::unique_id(self.ids, IdKind::Model, |id| {
                    self.doc.models.values().any(|m| m.id == id)
                })?,
            };
            self.doc.models.insert(
                name.to_string(),
                Model {
                    id,
                    name: name.to_string(),
                    description: None,
                    schema: Some(stored.to_string()),
                    content_type: "application/json".to_string(),
                },
            );
        }
        Ok(())
    }

    /// Rewrites every local model `$ref` in `value` to the stored form;
    /// `names` are the document's models (the API's count too on a merge).
    fn rewrite_model_refs(
        &self,
        at: &Node<'_>,
        value: &mut Value,
        names: &[&str],
    ) -> Result<(), ApiError> {
        match value {
            Value::Object(map) => {
                for (key, member) in map.iter_mut() {
                    if key == "$ref" {
                        let Value::String(reference) = member else {
                            return Err(at.err("$ref must be a string"));
                        };
                        let Some(model) = model_of_local_ref(reference) else {
                            continue;
                        };
                        let known = names.contains(&model)
                            || (self.merge && self.doc.models.contains_key(model));
                        if !known {
                            return Err(at.err(format!("$ref to unknown model '{model}'")));
                        }
                        *member = Value::String(stored_model_ref(&self.doc.api.id, model));
                    } else {
                        self.rewrite_model_refs(at, member, names)?;
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.rewrite_model_refs(at, item, names)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// `x-amazon-apigateway-gateway-responses`: response type -> status,
    /// headers and templates.
    pub(super) fn gateway_responses(&mut self) -> Result<(), ApiError> {
        let Some(responses) = self.root.get(GATEWAY_RESPONSES) else {
            return Ok(());
        };
        for (kind, r) in responses.entries()? {
            if !GATEWAY_RESPONSE_TYPES.contains(&kind) {
                return Err(r.err(format!("unknown gateway response type '{kind}'")));
            }
            r.object()?;
            let status_code = match r.get("statusCode") {
                Some(s) => {
                    let code = s.scalar_text()?;
                    if !is_status_code(&code) {
                        return Err(s.err(format!("'{code}' is not an HTTP status code")));
                    }
                    Some(code)
                }
                None => None,
            };
            let response_parameters = r.string_map("responseParameters")?;
            if let Some(bad) = response_parameters
                .keys()
                .find(|k| !k.starts_with("gatewayresponse.header."))
            {
                return Err(r.err(format!(
                    "responseParameters: '{bad}' is not gatewayresponse.header.NAME"
                )));
            }
            self.doc.gateway_responses.insert(
                kind.to_string(),
                GatewayResponse {
                    response_type: kind.to_string(),
                    status_code,
                    response_parameters,
                    response_templates: r.string_map("responseTemplates")?,
                    default_response: false,
                },
            );
        }
        Ok(())
    }
}
