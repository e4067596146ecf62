//! The request body as a JSON value: JSON or YAML text, OpenAPI 3.x or
//! Swagger 2.0. YAML is converted to JSON (mapping keys become strings, so
//! `200:` and `"200":` mean the same; tags are dropped; `<<` merge keys are
//! applied).

use serde_json::Value;

use super::node::{invalid, Node};
use crate::ApiError;

/// Which specification the document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// OpenAPI 3.x: `components.schemas`, `components.securitySchemes`,
    /// `requestBody`, `content`.
    Oas3,
    /// Swagger 2.0: `definitions`, `securityDefinitions`, `in: body`,
    /// `consumes`/`produces`.
    Swagger2,
}

/// Parses the body and tells which dialect it is written in.
pub(crate) fn parse(body: &[u8]) -> Result<(Value, Dialect), ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| invalid("the document is not UTF-8 text"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(invalid("the document is empty"));
    }
    let value = if trimmed.starts_with('{') {
        serde_json::from_str(text).map_err(|e| {
            invalid(format!(
                "JSON syntax error at line {}, column {}: {}",
                e.line(),
                e.column(),
                json_reason(&e)
            ))
        })?
    } else {
        parse_yaml(text)?
    };
    if !value.is_object() {
        return Err(invalid("the document must be an object"));
    }
    let dialect = dialect(&Node::root(&value))?;
    Ok((value, dialect))
}

/// serde_json's message without its trailing " at line L column C".
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn parse_yaml(text: &str) -> Result<Value, ApiError> {
    let mut yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|e| {
        let reason = e.to_string();
        let reason = reason
            .rfind(" at line ")
            .map_or(reason.as_str(), |i| &reason[..i])
            .to_string();
        match e.location() {
            Some(at) => invalid(format!(
                "YAML syntax error at line {}, column {}: {reason}",
                at.line(),
                at.column()
            )),
            None => invalid(format!("YAML syntax error: {reason}")),
        }
    })?;
    yaml.apply_merge()
        .map_err(|e| invalid(format!("YAML merge key error: {e}")))?;
    yaml_to_json(yaml, "")
}

/// Converts a YAML value; `at` is the JSON path for complaints.
fn yaml_to_json(v: serde_yaml_ng::Value, at: &str) -> Result<Value, ApiError> {
    use serde_yaml_ng::Value as Y;
    let here = |what: &str| {
        if at.is_empty() {
            invalid(what)
        } else {
            invalid(format!("{at}: {what}"))
        }
    };
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .ok_or_else(|| here("numbers must be finite"))?
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| yaml_to_json(item, &format!("{at}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_string(),
                    Y::Sequence(_) | Y::Mapping(_) | Y::Tagged(_) => {
                        return Err(here("mapping keys must be scalars"))
                    }
                };
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                let value = yaml_to_json(v, &path)?;
                if out.insert(key, value).is_some() {
                    return Err(invalid(format!("{path}: duplicate key")));
                }
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value, at)?,
    })
}

fn dialect(root: &Node<'_>) -> Result<Dialect, ApiError> {
    if let Some(version) = root.get("openapi") {
        let text = version.scalar_text()?;
        return if text.starts_with("3.") {
            Ok(Dialect::Oas3)
        } else {
            Err(version.err(format!(
                "unsupported OpenAPI version '{text}'; OpenAPI 3.x and Swagger 2.0 are supported"
            )))
        };
    }
    if let Some(version) = root.get("swagger") {
        let text = version.scalar_text()?;
        return if text == "2.0" || text == "2" {
            Ok(Dialect::Swagger2)
        } else {
            Err(version.err(format!(
                "unsupported Swagger version '{text}'; OpenAPI 3.x and Swagger 2.0 are supported"
            )))
        };
    }
    Err(invalid(
        "the document declares neither 'openapi: 3.x' nor 'swagger: \"2.0\"'",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_give_the_same_value() {
        let (from_yaml, d1) = parse(b"openapi: 3.0.1\ninfo:\n  title: T\n").unwrap();
        let (from_json, d2) = parse(br#"{"openapi": "3.0.1", "info": {"title": "T"}}"#).unwrap();
        assert_eq!(from_yaml, from_json);
        assert_eq!((d1, d2), (Dialect::Oas3, Dialect::Oas3));
    }

    #[test]
    fn yaml_number_keys_become_strings() {
        let (v, _) = parse(b"swagger: '2.0'\nresponses:\n  200:\n    description: ok\n").unwrap();
        assert_eq!(v["responses"]["200"]["description"], "ok");
    }

    #[test]
    fn unquoted_swagger_version_is_accepted() {
        let (_, d) = parse(b"swagger: 2.0\n").unwrap();
        assert_eq!(d, Dialect::Swagger2);
    }

    #[test]
    fn yaml_merge_keys_are_applied() {
        let (v, _) =
            parse(b"openapi: 3.0.0\nbase: &b\n  type: http\nx:\n  <<: *b\n  uri: http://h\n")
                .unwrap();
        assert_eq!(v["x"]["type"], "http");
    }

    #[test]
    fn json_syntax_errors_give_line_and_column() {
        let err = parse(b"{\n  \"openapi\": \"3.0.1\",\n  oops\n}").unwrap_err();
        assert!(
            err.message
                .starts_with("Invalid OpenAPI input: JSON syntax error at line 3, column 3"),
            "{}",
            err.message
        );
    }

    #[test]
    fn other_versions_and_unknown_documents_are_refused() {
        let err = parse(b"openapi: 2.5.0\n").unwrap_err();
        assert!(
            err.message
                .contains("openapi: unsupported OpenAPI version '2.5.0'"),
            "{}",
            err.message
        );
        let err = parse(b"swagger: '1.2'\n").unwrap_err();
        assert!(
            err.message
                .contains("swagger: unsupported Swagger version '1.2'"),
            "{}",
            err.message
        );
        let err = parse(b"title: x\n").unwrap_err();
        assert!(
            err.message.contains("neither 'openapi: 3.x' nor 'swagger"),
            "{}",
            err.message
        );
        let err = parse(b"- a\n- b\n").unwrap_err();
        assert!(err.message.contains("must be an object"), "{}", err.message);
        let err = parse(b"  \n").unwrap_err();
        assert!(err.message.contains("empty"), "{}", err.message);
        let err = parse(&[0xff, 0xfe, 0x00]).unwrap_err();
        assert!(err.message.contains("UTF-8"), "{}", err.message);
    }

    #[test]
    fn duplicate_keys_after_conversion_are_refused() {
        let err = parse(b"openapi: 3.0.0\nr:\n  200: a\n  '200': b\n").unwrap_err();
        assert!(err.message.contains("duplicate"), "{}", err.message);
    }
}
