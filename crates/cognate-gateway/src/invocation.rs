//! Invocation URLs: which API and stage a request is for, in the three
//! styles clients use —
//!
//! - host `{apiId}.execute-api.<any domain>` and path `/{stage}/{path}` (as on AWS);
//! - path `/_aws/execute-api/{apiId}/{stage}/{path}`;
//! - path `/restapis/{apiId}/{stage}/_user_request_/{path}` (the older local style).

/// A request for a deployed stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub api_id: String,
    /// Empty when the URL names no stage (the gateway then answers 403).
    pub stage: String,
    /// The path after the stage, as sent (percent-encoded), starting with `/`.
    pub path: String,
}

const PATH_STYLE: &str = "/_aws/execute-api/";
const LEGACY_STYLE: &str = "/restapis/";
const LEGACY_MARKER: &str = "_user_request_";

/// Recognises an invocation from the `Host` header and the request path
/// (without the query string); `None` when the request is not for the gateway.
pub fn recognise(host: Option<&str>, path: &str) -> Option<Invocation> {
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    if let Some(api_id) = host.and_then(host_api_id) {
        let (stage, rest) = split_segment(path.strip_prefix('/').unwrap_or(path));
        return Some(Invocation {
            api_id,
            stage: stage.to_string(),
            path: rest,
        });
    }
    if let Some(tail) = path.strip_prefix(PATH_STYLE) {
        let (api_id, tail) = split_segment(tail);
        let (stage, rest) = split_segment(tail.strip_prefix('/').unwrap_or(&tail));
        return Some(Invocation {
            api_id: api_id.to_string(),
            stage: stage.to_string(),
            path: rest,
        });
    }
    let tail = path.strip_prefix(LEGACY_STYLE)?;
    let mut parts = tail.splitn(4, '/');
    let (api_id, stage, marker) = (parts.next()?, parts.next()?, parts.next()?);
    if marker != LEGACY_MARKER || api_id.is_empty() {
        return None;
    }
    Some(Invocation {
        api_id: api_id.to_string(),
        stage: stage.to_string(),
        path: rooted(parts.next().unwrap_or("")),
    })
}

/// The API id of a host `{apiId}.execute-api.…` (port ignored).
fn host_api_id(host: &str) -> Option<String> {
    let host = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let (api_id, domain) = host.split_once('.')?;
    let (label, _) = domain.split_once('.')?;
    let valid = label.eq_ignore_ascii_case("execute-api")
        && !api_id.is_empty()
        && api_id.bytes().all(|b| b.is_ascii_alphanumeric());
    valid.then(|| api_id.to_ascii_lowercase())
}

/// The first segment of `s` and the rest as a path starting with `/`.
fn split_segment(s: &str) -> (&str, String) {
    match s.split_once('/') {
        Some((first, rest)) => (first, rooted(rest)),
        None => (s, "/".to_string()),
    }
}

/// `/{rest}`.
fn rooted(rest: &str) -> String {
    let mut path = String::with_capacity(rest.len() + 1);
    path.push('/');
    path.push_str(rest);
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(api: &str, stage: &str, path: &str) -> Option<Invocation> {
        Some(Invocation {
            api_id: api.into(),
            stage: stage.into(),
            path: path.into(),
        })
    }

    #[test]
    fn host_style_takes_api_from_host_and_stage_from_path() {
        assert_eq!(
            recognise(Some("abc123.execute-api.localhost:4566"), "/prod/pets/1"),
            inv("abc123", "prod", "/pets/1")
        );
        assert_eq!(
            recognise(Some("ABC123.Execute-Api.us-east-1.amazonaws.com"), "/prod"),
            inv("abc123", "prod", "/")
        );
        assert_eq!(
            recognise(Some("abc.execute-api.x"), "/"),
            inv("abc", "", "/")
        );
        assert_eq!(recognise(Some("localhost:4566"), "/prod/pets"), None);
        assert_eq!(recognise(Some("execute-api.localhost"), "/prod/pets"), None);
    }

    #[test]
    fn path_style_names_api_and_stage() {
        assert_eq!(
            recognise(Some("localhost:4566"), "/_aws/execute-api/abc/dev/pets/"),
            inv("abc", "dev", "/pets/")
        );
        assert_eq!(
            recognise(None, "/_aws/execute-api/abc/dev"),
            inv("abc", "dev", "/")
        );
        assert_eq!(
            recognise(None, "/_aws/execute-api/abc"),
            inv("abc", "", "/")
        );
    }

    #[test]
    fn legacy_style_needs_the_user_request_marker() {
        assert_eq!(
            recognise(None, "/restapis/abc/dev/_user_request_/pets/1?x=1"),
            inv("abc", "dev", "/pets/1")
        );
        assert_eq!(
            recognise(None, "/restapis/abc/dev/_user_request_"),
            inv("abc", "dev", "/")
        );
        assert_eq!(recognise(None, "/restapis/abc/resources"), None);
        assert_eq!(recognise(None, "/restapis/abc/deployments/x"), None);
    }
}
