//! Invocation URLs: which API and stage a request is for, in the three
//! styles clients use —
//!
//! - host `{apiId}.execute-api.<any domain>` and path `/{stage}/{path}` (as on AWS);
//! - path `/_aws/execute-api/{apiId}/{stage}/{path}`;
//! - path `/restapis/{apiId}/{stage}/_user_request_/{path}` (the older local style).

/// A request for a deployed stage: its API id, stage and path, held in one
/// string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The API id, the stage and the path, one after the other.
    text: String,
    api_end: usize,
    stage_end: usize,
}

impl Invocation {
    fn new(api_id: &str, stage: &str, path_after_slash: &str) -> Invocation {
        let mut text =
            String::with_capacity(api_id.len() + stage.len() + 1 + path_after_slash.len());
        text.push_str(api_id);
        text.push_str(stage);
        text.push('/');
        text.push_str(path_after_slash);
        Invocation {
            text,
            api_end: api_id.len(),
            stage_end: api_id.len() + stage.len(),
        }
    }

    /// The API id (lower case).
    pub fn api_id(&self) -> &str {
        &self.text[..self.api_end]
    }

    /// The stage; empty when the URL names none (the gateway then answers 403).
    pub fn stage(&self) -> &str {
        &self.text[self.api_end..self.stage_end]
    }

    /// The path after the stage, as sent (percent-encoded), starting with `/`.
    pub fn path(&self) -> &str {
        &self.text[self.stage_end..]
    }
}

const PATH_STYLE: &str = "/_aws/execute-api/";
const LEGACY_STYLE: &str = "/restapis/";
const LEGACY_MARKER: &str = "_user_request_";

/// Recognises an invocation from the `Host` header and the request path
/// (without the query string); `None` when the request is not for the gateway.
pub fn recognise(host: Option<&str>, path: &str) -> Option<Invocation> {
    if let Some(api_id) = host.and_then(host_api_id) {
        let (stage, rest) = split_segment(path.strip_prefix('/').unwrap_or(path));
        let mut inv = Invocation::new(api_id, stage, rest);
        // Host names are case-insensitive.
        inv.text[..inv.api_end].make_ascii_lowercase();
        return Some(inv);
    }
    if let Some(tail) = path.strip_prefix(PATH_STYLE) {
        let (api_id, tail) = split_segment(tail);
        let (stage, rest) = split_segment(tail);
        return Some(Invocation::new(api_id, stage, rest));
    }
    let tail = path.strip_prefix(LEGACY_STYLE)?;
    let mut parts = tail.splitn(4, '/');
    let (api_id, stage, marker) = (parts.next()?, parts.next()?, parts.next()?);
    if marker != LEGACY_MARKER || api_id.is_empty() {
        return None;
    }
    Some(Invocation::new(api_id, stage, parts.next().unwrap_or("")))
}

/// The API id of a host `{apiId}.execute-api.…` (port ignored). Bytes are
/// scanned directly: every request's host is checked, most are no match.
fn host_api_id(host: &str) -> Option<&str> {
    const LABEL: &[u8] = b"execute-api.";
    let dot = host.bytes().position(|b| b == b'.')?;
    let (api_id, domain) = (&host[..dot], &host.as_bytes()[dot + 1..]);
    let valid = domain
        .get(..LABEL.len())
        .is_some_and(|label| label.eq_ignore_ascii_case(LABEL))
        && !api_id.is_empty()
        && api_id.bytes().all(|b| b.is_ascii_alphanumeric());
    valid.then_some(api_id)
}

/// The first segment of `s` and what follows its `/` (empty when none does).
fn split_segment(s: &str) -> (&str, &str) {
    match s.bytes().position(|b| b == b'/') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(api: &str, stage: &str, path: &str) -> Option<Invocation> {
        let inv = Invocation::new(api, stage, path.strip_prefix('/').unwrap());
        assert_eq!((inv.api_id(), inv.stage(), inv.path()), (api, stage, path));
        Some(inv)
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
        assert_eq!(recognise(Some("127.0.0.1:4566"), "/prod/pets"), None);
        assert_eq!(recognise(Some("abc.execute-apis.x"), "/prod/pets"), None);
        assert_eq!(recognise(Some("a-b.execute-api.x"), "/prod/pets"), None);
        assert_eq!(recognise(Some("abc.execute-api:4566"), "/prod/pets"), None);
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
            recognise(None, "/restapis/abc/dev/_user_request_/pets/1"),
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
