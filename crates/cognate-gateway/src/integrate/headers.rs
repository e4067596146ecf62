//! Header handling shared by both directions of a proxied exchange.

use std::net::IpAddr;

use http::header::{
    HeaderName, HeaderValue, CONNECTION, EXPECT, MAX_FORWARDS, SERVER, VIA, WWW_AUTHENTICATE,
};
use http::HeaderMap;

/// The header carrying the chain of client addresses.
pub(crate) const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

// A backend's fields that API Gateway renames before a client sees them
// (the gateway sends its own `Date`, `Content-Length` and `Connection`).
pub(crate) const REMAPPED_CONNECTION: HeaderName =
    HeaderName::from_static("x-amzn-remapped-connection");
pub(crate) const REMAPPED_CONTENT_LENGTH: HeaderName =
    HeaderName::from_static("x-amzn-remapped-content-length");
pub(crate) const REMAPPED_DATE: HeaderName = HeaderName::from_static("x-amzn-remapped-date");
pub(crate) const REMAPPED_SERVER: HeaderName = HeaderName::from_static("x-amzn-remapped-server");

/// Method response headers that reach the client as `x-amzn-Remapped-<name>`
/// when a MOCK integration's response mappings set them: the four the
/// gateway always sends itself, which lead [`REMAPPED_AFTER_HTTP`].
pub(crate) const REMAPPED_AFTER_MOCK: &[&str] = REMAPPED_AFTER_HTTP.split_at(4).0;

/// The same for an HTTP (not proxy) integration's response mappings.
pub(crate) const REMAPPED_AFTER_HTTP: &[&str] = &[
    "connection",
    "content-length",
    "date",
    "server",
    "authorization",
    "content-md5",
    "expect",
    "host",
    "max-forwards",
    "proxy-authenticate",
    "trailer",
    "upgrade",
    "user-agent",
    "www-authenticate",
];

/// `name`, or `x-amzn-remapped-<name>` when it is one of `remapped`.
pub(crate) fn remapped_name(name: HeaderName, remapped: &[&str]) -> HeaderName {
    if !remapped.contains(&name.as_str()) {
        return name;
    }
    HeaderName::from_bytes(format!("x-amzn-remapped-{}", name.as_str()).as_bytes()).unwrap_or(name)
}

/// Removes hop-by-hop headers (RFC 9110 §7.6.1): `Connection` and every
/// header it names, `Keep-Alive`, `Proxy-*`, `TE`, `Trailer`,
/// `Transfer-Encoding` and `Upgrade`.
pub(crate) fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Most messages carry none, or only `Connection: keep-alive` (or
    // `close`), which names no other header: one pass settles that.
    let mut hop = headers.keys().filter(|k| is_hop_by_hop(k));
    let (first, more) = (hop.next(), hop.next().is_some());
    match first {
        None => return,
        Some(name) if *name == CONNECTION && !more => {
            let names_none = headers.get_all(CONNECTION).iter().all(|v| {
                let v = v.as_bytes();
                v.eq_ignore_ascii_case(b"keep-alive") || v.eq_ignore_ascii_case(b"close")
            });
            if names_none {
                headers.remove(CONNECTION);
                return;
            }
        }
        Some(_) => {}
    }
    // The values of `Connection` (shared, not copied) name more of them.
    let connection: Vec<HeaderValue> = headers.get_all(CONNECTION).iter().cloned().collect();
    remove_where(headers, is_hop_by_hop);
    for value in &connection {
        let Ok(text) = value.to_str() else { continue };
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            // Parsed in place, any case; a name that cannot be a header
            // names nothing.
            headers.remove(name);
        }
    }
}

/// Whether `name` is one of the hop-by-hop headers or `Connection`, which
/// may name others.
fn is_hop_by_hop(name: &HeaderName) -> bool {
    let name = name.as_str();
    name.starts_with("proxy-")
        || matches!(
            name,
            "connection" | "keep-alive" | "te" | "trailer" | "transfer-encoding" | "upgrade"
        )
}

/// Removes the end-to-end headers API Gateway does not forward from a
/// client's request to an HTTP backend: `Content-MD5`, `Expect`,
/// `Max-Forwards`, `Server`, `Via` and `WWW-Authenticate`.
pub(crate) fn strip_not_forwarded(headers: &mut HeaderMap) {
    // Rarely sent: a look at the names spares lookups by hash.
    if headers.keys().any(not_forwarded) {
        remove_where(headers, not_forwarded);
    }
}

/// Removes every field whose name `unwanted` picks (all its values).
fn remove_where(headers: &mut HeaderMap, unwanted: fn(&HeaderName) -> bool) {
    let present: Vec<HeaderName> = headers.keys().filter(|k| unwanted(k)).cloned().collect();
    for name in present {
        headers.remove(name);
    }
}

fn not_forwarded(name: &HeaderName) -> bool {
    *name == EXPECT
        || *name == MAX_FORWARDS
        || *name == SERVER
        || *name == VIA
        || *name == WWW_AUTHENTICATE
        || name.as_str() == "content-md5"
}

/// `client` as an `X-Forwarded-For` value.
pub fn forwarded_value(client: IpAddr) -> Option<HeaderValue> {
    match client {
        IpAddr::V4(v4) => {
            let mut text = [0u8; MAX_V4_LEN];
            let len = write_v4(&mut text, v4);
            HeaderValue::from_bytes(&text[..len]).ok()
        }
        IpAddr::V6(v6) => HeaderValue::from_str(&v6.to_string()).ok(),
    }
}

/// Appends the client's address to `X-Forwarded-For` (joining any values
/// the client sent). `written`: the address already written as a value
/// ([`forwarded_value`]), used as it is when the client sent none.
pub(crate) fn append_forwarded_for(
    headers: &mut HeaderMap,
    client: IpAddr,
    written: Option<&HeaderValue>,
) {
    // Most requests carry none: a look at the few names they have settles
    // that without hashing one.
    if !headers.keys().any(|name| *name == X_FORWARDED_FOR) {
        if let Some(value) = written.cloned().or_else(|| forwarded_value(client)) {
            headers.insert(X_FORWARDED_FOR, value);
        }
        return;
    }
    let mut chain = String::with_capacity(64);
    for value in headers.get_all(&X_FORWARDED_FOR) {
        if let Ok(text) = value.to_str() {
            chain.push_str(text.trim());
            chain.push_str(", ");
        }
    }
    push_ip(&mut chain, client);
    if let Ok(value) = HeaderValue::from_str(&chain) {
        headers.insert(X_FORWARDED_FOR, value);
    }
}

/// The longest IPv4 address in dotted decimal.
const MAX_V4_LEN: usize = 15;

/// Writes `ip` in dotted decimal to the start of `out`; its length.
fn write_v4(out: &mut [u8; MAX_V4_LEN], ip: std::net::Ipv4Addr) -> usize {
    let mut len = 0;
    for (i, octet) in ip.octets().into_iter().enumerate() {
        let mut put = |b: u8| {
            out[len] = b;
            len += 1;
        };
        if i > 0 {
            put(b'.');
        }
        if octet >= 100 {
            put(b'0' + octet / 100);
        }
        if octet >= 10 {
            put(b'0' + octet / 10 % 10);
        }
        put(b'0' + octet % 10);
    }
    len
}

/// Writes an address as `Display` does; IPv4 without the formatter.
fn push_ip(out: &mut String, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => {
            let mut text = [0u8; MAX_V4_LEN];
            let len = write_v4(&mut text, v4);
            out.extend(text[..len].iter().map(|&b| char::from(b)));
        }
        IpAddr::V6(v6) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{v6}");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    #[test]
    fn a_mock_remaps_only_the_four_fields_the_gateway_always_sends() {
        assert_eq!(
            REMAPPED_AFTER_MOCK,
            ["connection", "content-length", "date", "server"]
        );
        assert_eq!(
            remapped_name(HeaderName::from_static("date"), REMAPPED_AFTER_MOCK),
            "x-amzn-remapped-date"
        );
        assert_eq!(
            remapped_name(WWW_AUTHENTICATE, REMAPPED_AFTER_MOCK),
            "www-authenticate"
        );
    }

    #[test]
    fn hop_by_hop_headers_and_the_ones_connection_names_are_removed() {
        let mut headers = HeaderMap::new();
        for (k, v) in [
            ("connection", "keep-alive, X-Private"),
            ("x-private", "1"),
            ("keep-alive", "timeout=5"),
            ("proxy-authorization", "Basic x"),
            ("proxy-foo", "1"),
            ("te", "trailers"),
            ("trailer", "x-sum"),
            ("transfer-encoding", "chunked"),
            ("upgrade", "websocket"),
            ("authorization", "Bearer t"),
            ("x-kept", "yes"),
        ] {
            headers.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        strip_hop_by_hop(&mut headers);
        let mut left: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["authorization", "x-kept"]);
    }

    #[test]
    fn a_lone_connection_keep_alive_or_close_is_removed() {
        for value in ["keep-alive", "Close"] {
            let mut headers = HeaderMap::new();
            headers.insert(CONNECTION, HeaderValue::from_static(value));
            headers.insert("x-kept", HeaderValue::from_static("1"));
            strip_hop_by_hop(&mut headers);
            let left: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
            assert_eq!(left, ["x-kept"], "{value}");
        }
    }

    #[test]
    fn a_header_only_proxy_prefixed_or_named_by_connection_alone_is_removed() {
        for (name, removed) in [("proxy-x", true), ("upgrade", true), ("x-te", false)] {
            let mut headers = HeaderMap::new();
            headers.insert(HeaderName::from_static(name), HeaderValue::from_static("1"));
            headers.insert(
                HeaderName::from_static("x-kept"),
                HeaderValue::from_static("1"),
            );
            strip_hop_by_hop(&mut headers);
            assert_eq!(!headers.contains_key(name), removed, "{name}");
            assert!(headers.contains_key("x-kept"));
        }
    }

    #[test]
    fn addresses_are_written_as_display_writes_them() {
        for ip in [
            "0.0.0.0",
            "10.0.0.1",
            "127.0.0.1",
            "192.168.100.255",
            "::1",
            "2001:db8::7",
        ] {
            let parsed: IpAddr = ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
            let mut out = String::new();
            push_ip(&mut out, parsed);
            assert_eq!(out, ip);
        }
    }

    #[test]
    fn forwarded_for_is_appended() {
        let mut headers = HeaderMap::new();
        append_forwarded_for(&mut headers, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), None);
        assert_eq!(headers[&X_FORWARDED_FOR], "10.0.0.1");
        let mut first = HeaderMap::new();
        append_forwarded_for(&mut first, "2001:db8::7".parse().expect("v6"), None);
        assert_eq!(first[&X_FORWARDED_FOR], "2001:db8::7");
        headers.append(X_FORWARDED_FOR, HeaderValue::from_static("1.1.1.1"));
        let client = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        let written = forwarded_value(client);
        append_forwarded_for(&mut headers, client, written.as_ref());
        assert_eq!(headers[&X_FORWARDED_FOR], "10.0.0.1, 1.1.1.1, 10.0.0.2");
        let mut again = HeaderMap::new();
        append_forwarded_for(&mut again, client, written.as_ref());
        assert_eq!(again[&X_FORWARDED_FOR], "10.0.0.2");
    }
}
