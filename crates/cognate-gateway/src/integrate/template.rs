//! Mapping templates (`requestTemplates`, `responseTemplates`): text with
//! Velocity-style references that are filled per request.
//!
//! The references understood are `$context.*` (the fields of
//! [`ContextField`], claims in dot or bracket form), `$stageVariables.x`,
//! `$input.body`, `$input.json('$')` and, in request templates,
//! `$input.params('name')`; each may be written formally (`${context.stage}`)
//! or quietly (`$!context.stage`, absent values render as nothing either
//! way). `##` and `#* *#` comments are dropped. A `$` that starts no
//! reference is text, as is a reference outside these roots (Velocity
//! prints unknown references as written). Directives (`#set`, `#if`,
//! `#foreach`, …) and `$util` functions are not evaluated, so a template
//! using them is refused when the integration is compiled rather than sent
//! half-rendered.

use bytes::Bytes;

use super::mapping::{quoted, ContextField, Source, ValueView};

/// Which side a template renders: request templates may read the method
/// request's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TemplateScope {
    Request,
    Response,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Context(ContextField),
    StageVariable(String),
    /// `$input.body`: the payload as it is.
    Body,
    /// `$input.json('$')`: the payload as JSON (`{}` when empty).
    Json,
    /// `$input.params('x')`: the first of path parameter, query parameter
    /// and header `x` that is present.
    Param(Vec<Source>),
}

/// A parsed template.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    pieces: Vec<Piece>,
    /// The whole output when the template holds no references.
    fixed: Option<Bytes>,
}

const DIRECTIVES: [&str; 13] = [
    "set", "if", "elseif", "else", "end", "foreach", "macro", "break", "stop", "include", "parse",
    "evaluate", "define",
];

impl Template {
    /// Parses `text`; the error says what is not supported, and where.
    pub(crate) fn compile(text: &str, scope: TemplateScope) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut buf = String::new();
        let mut rest = text;
        while let Some(i) = rest.find(['$', '#']) {
            buf.push_str(&rest[..i]);
            let at = &rest[i..];
            if let Some(after) = at.strip_prefix("##") {
                rest = after.find('\n').map_or("", |n| &after[n + 1..]);
            } else if let Some(after) = at.strip_prefix("#*") {
                let end = after.find("*#").ok_or("unclosed '#*' comment")?;
                rest = &after[end + 2..];
            } else if let Some(after) = at.strip_prefix('#') {
                if let Some(word) = directive(after) {
                    return Err(format!("the directive #{word} is not supported"));
                }
                buf.push('#');
                rest = after;
            } else {
                match reference(&at[1..]) {
                    Some((expr, consumed)) => {
                        match classify(expr, scope)? {
                            Some(piece) => {
                                if !buf.is_empty() {
                                    pieces.push(Piece::Text(std::mem::take(&mut buf)));
                                }
                                pieces.push(piece);
                            }
                            None => buf.push_str(&at[..1 + consumed]),
                        }
                        rest = &at[1 + consumed..];
                    }
                    None => {
                        buf.push('$');
                        rest = &at[1..];
                    }
                }
            }
        }
        buf.push_str(rest);
        if !buf.is_empty() {
            pieces.push(Piece::Text(buf));
        }
        let fixed = match pieces.as_slice() {
            [] => Some(Bytes::new()),
            [Piece::Text(t)] => Some(Bytes::from(t.clone())),
            _ => None,
        };
        Ok(Template { pieces, fixed })
    }

    /// Whether rendering reads the payload (which then has to be read
    /// whole first).
    pub(crate) fn reads_body(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::Body | Piece::Json))
    }

    /// Whether the template is exactly `$input.body`, so the payload can be
    /// streamed through untouched.
    pub(crate) fn is_body(&self) -> bool {
        matches!(self.pieces.as_slice(), [Piece::Body])
    }

    /// Whether the template is empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Fills the template in. `body` is the payload (empty when the
    /// template does not read it).
    pub(crate) fn render(&self, view: &ValueView<'_>, body: &[u8]) -> Bytes {
        if let Some(fixed) = &self.fixed {
            return fixed.clone();
        }
        let mut out = Vec::with_capacity(256);
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.extend_from_slice(t.as_bytes()),
                Piece::Context(field) => {
                    if let Some(v) = field.value(view.ctx) {
                        out.extend_from_slice(v.as_bytes());
                    }
                }
                Piece::StageVariable(name) => {
                    if let Some(v) = view.ctx.stage_variables.get(name) {
                        out.extend_from_slice(v.as_bytes());
                    }
                }
                Piece::Body => out.extend_from_slice(body),
                Piece::Json => {
                    if body.iter().all(u8::is_ascii_whitespace) {
                        out.extend_from_slice(b"{}");
                    } else {
                        out.extend_from_slice(body);
                    }
                }
                Piece::Param(sources) => {
                    if let Some(v) = sources.iter().find_map(|s| s.value(view)) {
                        out.extend_from_slice(v.as_bytes());
                    }
                }
            }
        }
        Bytes::from(out)
    }
}

/// The directive a `#` starts, if any (`#set(`, `#end`, `#{else}`).
fn directive(after_hash: &str) -> Option<&'static str> {
    let word = after_hash.strip_prefix('{').unwrap_or(after_hash);
    DIRECTIVES.into_iter().find(|d| {
        word.strip_prefix(d)
            .is_some_and(|tail| !tail.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
    })
}

/// Reads the reference after a `$`: the expression (without `{}` or `!`)
/// and how many bytes it took. `None` when the `$` starts no reference.
fn reference(s: &str) -> Option<(&str, usize)> {
    let quiet = usize::from(s.starts_with('!'));
    let body = &s[quiet..];
    if let Some(inner) = body.strip_prefix('{') {
        let end = inner.find('}')?;
        return Some((&inner[..end], quiet + end + 2));
    }
    let bytes = body.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let ident = |from: usize| {
        from + bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count()
    };
    let mut end = ident(0);
    loop {
        match bytes.get(end) {
            Some(b'.') if bytes.get(end + 1).is_some_and(u8::is_ascii_alphabetic) => {
                end = ident(end + 1)
            }
            Some(open @ (b'[' | b'(')) => {
                let close = if *open == b'[' { b']' } else { b')' };
                match closing(&bytes[end..], close) {
                    Some(len) => end += len,
                    None => break,
                }
            }
            _ => break,
        }
    }
    Some((&body[..end], quiet + end))
}

/// The length of a bracketed argument (`['x:y']`, `('$')`) up to and with
/// its closing byte, skipping quoted text.
fn closing(s: &[u8], close: u8) -> Option<usize> {
    let mut quote = None;
    for (i, b) in s.iter().enumerate().skip(1) {
        match quote {
            Some(q) if *b == q => quote = None,
            Some(_) => {}
            None if *b == b'\'' || *b == b'"' => quote = Some(*b),
            None if *b == close => return Some(i + 1),
            None => {}
        }
    }
    None
}

/// Turns a reference into a piece; `Ok(None)` for references outside the
/// known roots (printed as written).
fn classify(expr: &str, scope: TemplateScope) -> Result<Option<Piece>, String> {
    let unsupported = || format!("the reference ${expr} is not supported");
    let root_len = expr.find(['.', '[', '(']).unwrap_or(expr.len());
    let (root, rest) = expr.split_at(root_len);
    let piece = match root {
        "context" => {
            let field = rest
                .strip_prefix('.')
                .and_then(ContextField::parse)
                .ok_or_else(unsupported)?;
            Piece::Context(field)
        }
        "stageVariables" => {
            let name = match rest.strip_prefix('.') {
                Some(name) => Some(name),
                None => rest
                    .strip_prefix('[')
                    .and_then(|r| r.strip_suffix(']'))
                    .and_then(quoted),
            };
            Piece::StageVariable(
                name.filter(|n| !n.is_empty())
                    .ok_or_else(unsupported)?
                    .to_string(),
            )
        }
        "input" => match rest {
            ".body" => Piece::Body,
            _ => {
                let (method, arg) = rest
                    .strip_prefix('.')
                    .and_then(|r| r.strip_suffix(')'))
                    .and_then(|r| r.split_once('('))
                    .ok_or_else(unsupported)?;
                let arg = quoted(arg.trim()).ok_or_else(unsupported)?;
                match method {
                    "json" if arg == "$" => Piece::Json,
                    "params" if scope == TemplateScope::Request && !arg.is_empty() => {
                        let mut sources = vec![
                            Source::Path(arg.to_string()),
                            Source::Query(arg.to_string()),
                        ];
                        sources.extend(
                            http::HeaderName::from_bytes(arg.as_bytes())
                                .ok()
                                .map(Source::Header),
                        );
                        Piece::Param(sources)
                    }
                    _ => return Err(unsupported()),
                }
            }
        },
        "util" => return Err(unsupported()),
        _ => return Ok(None),
    };
    Ok(Some(piece))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::net::{IpAddr, Ipv4Addr};

    use http::{HeaderMap, HeaderValue};
    use serde_json::json;

    use super::*;
    use crate::integrate::InvocationContext;

    fn render(text: &str, body: &str) -> String {
        let template = Template::compile(text, TemplateScope::Request)
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        let vars = BTreeMap::from([("env".to_string(), "prod".to_string())]);
        let claims = json!({"sub": "u-1", "custom:role": "admin"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let params = vec![("id".to_string(), "42".to_string())];
        let ctx = InvocationContext {
            request_id: "rid",
            api_id: "api",
            stage: "v1",
            resource_path: "/things/{id}",
            http_method: "POST",
            path_params: &params,
            stage_variables: &vars,
            claims: Some(&claims),
            source_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            forwarded_for: None,
            api_key_id: None,
        };
        let mut headers = HeaderMap::new();
        headers.insert("x-h", HeaderValue::from_static("hv"));
        let view = ValueView::request(&ctx, &headers, Some("q=qv"));
        String::from_utf8(template.render(&view, body.as_bytes()).to_vec()).unwrap_or_default()
    }

    #[test]
    fn static_text_is_returned_as_is() {
        assert_eq!(
            render("{\"ok\": true, \"price\": \"$5\"}", ""),
            "{\"ok\": true, \"price\": \"$5\"}"
        );
        assert_eq!(render("", "ignored"), "");
    }

    #[test]
    fn context_and_stage_references_are_substituted() {
        assert_eq!(
            render("$context.requestId ${context.stage} $context.authorizer.claims.sub $context.authorizer.claims['custom:role'] $stageVariables.env.", ""),
            "rid v1 u-1 admin prod."
        );
        assert_eq!(render("[$!context.authorizer.claims.none]", ""), "[]");
    }

    #[test]
    fn input_references_read_the_payload_and_parameters() {
        assert_eq!(
            render("{\"wrapped\": $input.json('$')}", "{\"a\":1}"),
            "{\"wrapped\": {\"a\":1}}"
        );
        assert_eq!(render("$input.json(\"$\")", ""), "{}");
        assert_eq!(render("<$input.body>", "raw"), "<raw>");
        assert_eq!(
            render(
                "$input.params('id') $input.params('q') $input.params('x-h')",
                ""
            ),
            "42 qv hv"
        );
    }

    #[test]
    fn comments_are_dropped_and_unknown_references_printed() {
        assert_eq!(
            render("## note\na#* block *#b $other.thing #x", ""),
            "ab $other.thing #x"
        );
    }

    #[test]
    fn directives_and_unsupported_references_are_refused() {
        for text in [
            "#set($a = 1)",
            "#if($x)y#end",
            "#foreach($x in $y)#end",
            "#{else}",
            "$util.escapeJavaScript($input.body)",
            "$input.path('$.a')",
            "$input.json('$.a')",
            "$context.nope",
            "#* open",
        ] {
            assert!(
                Template::compile(text, TemplateScope::Request).is_err(),
                "{text}"
            );
        }
        assert!(Template::compile("$input.params('a')", TemplateScope::Response).is_err());
    }

    #[test]
    fn body_passthrough_is_recognised() {
        let t = Template::compile("$input.body", TemplateScope::Response)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(t.is_body() && t.reads_body());
        let t = Template::compile("{}", TemplateScope::Response).unwrap_or_else(|e| panic!("{e}"));
        assert!(!t.is_body() && !t.reads_body());
    }
}
