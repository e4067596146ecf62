//! Integration URI templates: `http://backend/pets/{petId}`,
//! `http://${stageVariables.host}/{proxy}`.
//!
//! A template is split into parts once; filling it writes literal parts as
//! they were written (characters a URI cannot hold, such as spaces, are
//! percent-encoded), `${stageVariables.x}` as the stage's value, and each
//! `{name}` as its value percent-encoded for where it stands (a path
//! segment or a query component). A greedy value (one from a `{proxy+}`
//! path parameter, or a placeholder written `{name+}`) keeps its `/`
//! separators.

use std::borrow::Cow;
use std::collections::BTreeMap;

use http::header::HeaderValue;
use http::uri::{Authority, PathAndQuery};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};

use super::{CompileError, IntegrationError};

/// Characters written literally in a template that still need escaping.
const LITERAL: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'|');

/// Everything but unreserved characters and the sub-delimiters a path
/// segment may hold.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// Everything but unreserved characters (query names and values).
pub(crate) const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A placeholder's value and whether it is greedy (keeps its `/`).
pub(crate) type ParamValue<'a> = Result<(Cow<'a, str>, bool), IntegrationError>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    StageVariable(String),
    Param {
        name: String,
        greedy: bool,
        in_query: bool,
    },
}

/// A compiled integration URI.
#[derive(Debug, Clone)]
pub(crate) struct UriTemplate {
    parts: Vec<Part>,
    has_query: bool,
    /// When the scheme and authority are written literally: them, and
    /// where the path starts in the first part.
    fixed: Option<(Origin, usize)>,
}

/// Where a backend request goes: scheme and authority, and the `Host`
/// header they make.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    pub https: bool,
    pub authority: Authority,
    pub host: HeaderValue,
    /// The connection pool's hash of `https` and `authority`.
    pub hash: u64,
}

impl Origin {
    /// The origin of an absolute http or https URI.
    fn of(uri: &http::Uri) -> Result<Origin, IntegrationError> {
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => {
                return Err(IntegrationError::Failure(
                    "the integration URI is not an http or https URL".into(),
                ))
            }
        };
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| IntegrationError::Failure("the integration URI names no host".into()))?;
        let host = host_header(&authority, https)?;
        Ok(Origin {
            https,
            hash: super::pool::origin_hash(https, &authority),
            authority,
            host,
        })
    }
}

/// The filled integration URI: its origin and the request target.
pub(crate) struct Destination {
    pub origin: Origin,
    pub target: PathAndQuery,
}

impl UriTemplate {
    /// Splits `uri` into parts. A template without stage variables must
    /// already be an absolute http(s) URL (with placeholders standing for
    /// any value).
    pub(crate) fn compile(uri: &str) -> Result<UriTemplate, CompileError> {
        let bad = |why: &str| CompileError(format!("invalid integration URI '{uri}': {why}"));
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut in_query = false;
        let mut rest = uri;
        while let Some(i) = rest.find(['{', '$', '}']) {
            let (before, at) = rest.split_at(i);
            in_query |= before.contains('?');
            literal.push_str(before);
            if at.starts_with("${") {
                let end = at.find('}').ok_or_else(|| bad("unclosed '${'"))?;
                let name = at[2..end]
                    .strip_prefix("stageVariables.")
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| bad("only ${stageVariables.name} may be used"))?;
                flush(&mut parts, &mut literal);
                parts.push(Part::StageVariable(name.to_string()));
                rest = &at[end + 1..];
            } else if at.starts_with('{') {
                let end = at.find('}').ok_or_else(|| bad("unclosed '{'"))?;
                let inner = &at[1..end];
                let (name, greedy) = match inner.strip_suffix('+') {
                    Some(name) => (name, true),
                    None => (inner, false),
                };
                if name.is_empty() || name.contains(['{', '$', '/']) {
                    return Err(bad("empty or malformed path parameter"));
                }
                flush(&mut parts, &mut literal);
                parts.push(Part::Param {
                    name: name.to_string(),
                    greedy,
                    in_query,
                });
                rest = &at[end + 1..];
            } else if at.starts_with('}') {
                return Err(bad("unmatched '}'"));
            } else {
                literal.push('$');
                rest = &at[1..];
            }
        }
        in_query |= rest.contains('?');
        literal.push_str(rest);
        flush(&mut parts, &mut literal);
        let mut template = UriTemplate {
            parts,
            has_query: in_query,
            fixed: None,
        };
        if !template
            .parts
            .iter()
            .any(|p| matches!(p, Part::StageVariable(_)))
        {
            let sample = template
                .fill(&mut |_| Ok((Cow::Borrowed("x"), false)), &BTreeMap::new())
                .map_err(|e| bad(&e.to_string()))?;
            check_absolute(&sample).map_err(|e| bad(&e.to_string()))?;
        }
        template.fixed = template.fixed_origin();
        Ok(template)
    }

    /// The origin, when the first part writes it whole (up to the path's
    /// `/` or the query's `?`).
    fn fixed_origin(&self) -> Option<(Origin, usize)> {
        let Some(Part::Literal(first)) = self.parts.first() else {
            return None;
        };
        let after_scheme = first.find("://")? + 3;
        let path_at = match first[after_scheme..].find(['/', '?', '#']) {
            Some(i) => after_scheme + i,
            None if self.parts.len() == 1 => first.len(),
            None => return None,
        };
        let uri = check_absolute(&first[..path_at]).ok()?;
        Some((Origin::of(&uri).ok()?, path_at))
    }

    /// Fills the template: the origin and the request target, whose query
    /// `query` completes (see [`append_query`]).
    pub(crate) fn destination<'a>(
        &self,
        param: &mut dyn FnMut(&str) -> ParamValue<'a>,
        stage_variables: &BTreeMap<String, String>,
        query: impl FnOnce(&mut String, bool),
    ) -> Result<Destination, IntegrationError> {
        if let Some((origin, path_at)) = &self.fixed {
            let mut target = self.write(*path_at, param, stage_variables)?;
            if !target.starts_with('/') {
                target.insert(0, '/');
            }
            query(&mut target, self.has_query);
            let target = PathAndQuery::try_from(target).map_err(|e| {
                IntegrationError::Failure(format!(
                    "the integration URI is not an absolute http or https URL ({e})"
                ))
            })?;
            return Ok(Destination {
                origin: origin.clone(),
                target,
            });
        }
        let mut uri = self.fill(param, stage_variables)?;
        query(&mut uri, self.has_query);
        let uri = check_absolute(&uri)?;
        let origin = Origin::of(&uri)?;
        let target = uri
            .into_parts()
            .path_and_query
            .unwrap_or_else(|| PathAndQuery::from_static("/"));
        Ok(Destination { origin, target })
    }

    /// Writes the URI with every placeholder filled. `param` gives a
    /// placeholder's value and whether it is greedy (keeps its `/`).
    pub(crate) fn fill<'a>(
        &self,
        param: &mut dyn FnMut(&str) -> ParamValue<'a>,
        stage_variables: &BTreeMap<String, String>,
    ) -> Result<String, IntegrationError> {
        self.write(0, param, stage_variables)
    }

    /// Writes the template from byte `from` of its first part on.
    fn write<'a>(
        &self,
        from: usize,
        param: &mut dyn FnMut(&str) -> ParamValue<'a>,
        stage_variables: &BTreeMap<String, String>,
    ) -> Result<String, IntegrationError> {
        let mut out = String::with_capacity(128);
        for (i, part) in self.parts.iter().enumerate() {
            match part {
                Part::Literal(text) if i == 0 => out.push_str(&text[from..]),
                Part::Literal(text) => out.push_str(text),
                Part::StageVariable(name) => {
                    let value = stage_variables.get(name).ok_or_else(|| {
                        IntegrationError::Failure(format!(
                            "the integration URI uses stage variable '{name}', which the stage does not set"
                        ))
                    })?;
                    out.push_str(value);
                }
                Part::Param {
                    name,
                    greedy,
                    in_query,
                } => {
                    let (value, value_greedy) = param(name)?;
                    if *in_query {
                        out.extend(utf8_percent_encode(&value, COMPONENT));
                    } else if *greedy || value_greedy {
                        for (i, segment) in value.split('/').enumerate() {
                            if i > 0 {
                                out.push('/');
                            }
                            out.extend(utf8_percent_encode(segment, PATH_SEGMENT));
                        }
                    } else {
                        out.extend(utf8_percent_encode(&value, PATH_SEGMENT));
                    }
                }
            }
        }
        Ok(out)
    }
}

fn flush(parts: &mut Vec<Part>, literal: &mut String) {
    if !literal.is_empty() {
        parts.push(Part::Literal(
            utf8_percent_encode(literal, LITERAL).to_string(),
        ));
        literal.clear();
    }
}

/// `Host`: the host, and the port unless it is the scheme's default.
fn host_header(authority: &Authority, https: bool) -> Result<HeaderValue, IntegrationError> {
    let default_port = if https { 443 } else { 80 };
    let port = authority.port_u16();
    let value = if !authority.as_str().contains('@') && port != Some(default_port) {
        // As written: no user information, no default port to drop.
        HeaderValue::from_str(authority.as_str())
    } else {
        match port.filter(|p| *p != default_port) {
            Some(port) => HeaderValue::from_str(&format!("{}:{port}", authority.host())),
            None => HeaderValue::from_str(authority.host()),
        }
    };
    value.map_err(|_| IntegrationError::Failure(format!("invalid backend host '{authority}'")))
}

/// Parses a filled URI and insists on an absolute http or https URL.
pub(crate) fn check_absolute(uri: &str) -> Result<http::Uri, IntegrationError> {
    let parsed: http::Uri = uri.parse().map_err(|e| {
        IntegrationError::Failure(format!(
            "the integration URI '{uri}' is not an absolute http or https URL ({e})"
        ))
    })?;
    let scheme_ok = matches!(parsed.scheme_str(), Some("http") | Some("https"));
    if !scheme_ok || parsed.authority().is_none() {
        return Err(IntegrationError::Failure(format!(
            "the integration URI '{uri}' is not an absolute http or https URL"
        )));
    }
    Ok(parsed)
}

/// Appends the query to `uri`: the client's raw query (when forwarded)
/// minus the parameters that mappings set, then the mapped parameters.
pub(crate) fn append_query(
    uri: &mut String,
    has_query: bool,
    client: Option<&str>,
    mapped: &[(&str, Cow<'_, str>)],
) {
    let mut sep = if has_query { '&' } else { '?' };
    let mut push = |uri: &mut String, piece: &str| {
        uri.push(sep);
        uri.push_str(piece);
        sep = '&';
    };
    if let Some(raw) = client.filter(|q| !q.is_empty()) {
        if mapped.is_empty() {
            push(uri, raw);
        } else {
            for pair in raw.split('&').filter(|p| !p.is_empty()) {
                let key =
                    super::mapping::decode_component(pair.split_once('=').map_or(pair, |(k, _)| k));
                if !mapped.iter().any(|(name, _)| *name == key) {
                    push(uri, pair);
                }
            }
        }
    }
    for (name, value) in mapped {
        let piece = format!(
            "{}={}",
            utf8_percent_encode(name, COMPONENT),
            utf8_percent_encode(value, COMPONENT)
        );
        push(uri, &piece);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(
        template: &str,
        values: &[(&str, &str, bool)],
        vars: &[(&str, &str)],
    ) -> Result<String, String> {
        let t = UriTemplate::compile(template).map_err(|e| e.0)?;
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        t.fill(
            &mut |name| {
                values
                    .iter()
                    .find(|(n, _, _)| *n == name)
                    .map(|(_, v, g)| (Cow::Borrowed(*v), *g))
                    .ok_or_else(|| IntegrationError::BadRequestParameters(name.to_string()))
            },
            &vars,
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn path_values_are_encoded_as_segments() {
        assert_eq!(
            fill("http://b/pets/{id}", &[("id", "a b/c?d#é", false)], &[]).as_deref(),
            Ok("http://b/pets/a%20b%2Fc%3Fd%23%C3%A9")
        );
    }

    #[test]
    fn greedy_values_keep_their_slashes() {
        assert_eq!(
            fill("http://b/{proxy}", &[("proxy", "x/y z/w", true)], &[]).as_deref(),
            Ok("http://b/x/y%20z/w")
        );
        assert_eq!(
            fill("http://b/{proxy+}", &[("proxy", "x/y", false)], &[]).as_deref(),
            Ok("http://b/x/y")
        );
    }

    #[test]
    fn query_placeholders_are_encoded_as_components() {
        assert_eq!(
            fill("http://b/s?q={q}", &[("q", "a&b=c d", false)], &[]).as_deref(),
            Ok("http://b/s?q=a%26b%3Dc%20d")
        );
    }

    #[test]
    fn stage_variables_are_inserted_verbatim() {
        assert_eq!(
            fill(
                "http://${stageVariables.host}/v1/{id}",
                &[("id", "1", false)],
                &[("host", "127.0.0.1:8080")]
            )
            .as_deref(),
            Ok("http://127.0.0.1:8080/v1/1")
        );
        assert!(
            fill("http://${stageVariables.host}/", &[], &[]).is_err_and(|e| e.contains("'host'"))
        );
    }

    #[test]
    fn literal_spaces_are_escaped_and_escapes_kept() {
        assert_eq!(
            fill("http://b/a b/%2F", &[], &[]).as_deref(),
            Ok("http://b/a%20b/%2F")
        );
    }

    #[test]
    fn malformed_templates_are_compile_errors() {
        for uri in [
            "http://b/{id",
            "http://b/id}",
            "http://b/{}",
            "http://${host}/",
            "http://${stageVariables.host/",
            "ftp://b/x",
            "/relative/path",
            "not a url at all",
        ] {
            assert!(UriTemplate::compile(uri).is_err(), "{uri}");
        }
    }

    #[test]
    fn mapped_query_parameters_replace_the_clients() {
        let mut uri = "http://b/x".to_string();
        append_query(
            &mut uri,
            false,
            Some("a=1&b=2&a=3"),
            &[("a", Cow::Borrowed("z z"))],
        );
        assert_eq!(uri, "http://b/x?b=2&a=z%20z");
        let mut uri = "http://b/x?fixed=1".to_string();
        append_query(&mut uri, true, Some("c=%20"), &[]);
        assert_eq!(uri, "http://b/x?fixed=1&c=%20");
    }

    fn host(authority: &str, https: bool) -> String {
        let authority: Authority = authority.parse().unwrap_or_else(|e| panic!("{e}"));
        host_header(&authority, https)
            .map(|v| v.to_str().unwrap_or_default().to_string())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn host_names_the_port_only_when_it_is_not_the_default() {
        assert_eq!(host("backend:8080", false), "backend:8080");
        assert_eq!(host("backend:80", false), "backend");
        assert_eq!(host("backend:443", true), "backend");
        assert_eq!(host("backend:443", false), "backend:443");
        assert_eq!(host("backend", true), "backend");
        assert_eq!(host("user:pw@backend:81", false), "backend:81");
        assert_eq!(host("user@backend", false), "backend");
    }

    /// The origin and target of `template` filled with `id` = "7" and
    /// stage variable `h` = "staged:81", and whether the origin was fixed
    /// when compiling.
    fn destination(template: &str) -> (String, String, String, bool) {
        let t = UriTemplate::compile(template).unwrap_or_else(|e| panic!("{e}"));
        let vars = BTreeMap::from([("h".to_string(), "staged:81".to_string())]);
        let d = t
            .destination(
                &mut |_| Ok((Cow::Borrowed("7"), false)),
                &vars,
                |uri, has_query| append_query(uri, has_query, Some("q=1"), &[]),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let host = d.origin.host.to_str().unwrap_or_default().to_string();
        (
            format!(
                "{}{}",
                if d.origin.https {
                    "https://"
                } else {
                    "http://"
                },
                d.origin.authority
            ),
            d.target.to_string(),
            host,
            t.fixed.is_some(),
        )
    }

    #[test]
    fn a_literal_origin_is_parsed_once_and_only_the_target_is_filled() {
        assert_eq!(
            destination("http://backend:8080/pets/{id}"),
            (
                "http://backend:8080".into(),
                "/pets/7?q=1".into(),
                "backend:8080".into(),
                true
            )
        );
        assert_eq!(
            destination("https://backend:443"),
            (
                "https://backend:443".into(),
                "/?q=1".into(),
                "backend".into(),
                true
            )
        );
        assert_eq!(
            destination("http://backend?a=b"),
            (
                "http://backend".into(),
                "/?a=b&q=1".into(),
                "backend".into(),
                true
            )
        );
    }

    #[test]
    fn an_origin_with_placeholders_is_parsed_per_request() {
        assert_eq!(
            destination("http://${stageVariables.h}/pets/{id}"),
            (
                "http://staged:81".into(),
                "/pets/7?q=1".into(),
                "staged:81".into(),
                false
            )
        );
        assert_eq!(
            destination("http://b{id}.example/x"),
            (
                "http://b7.example".into(),
                "/x?q=1".into(),
                "b7.example".into(),
                false
            )
        );
    }
}
