//! Header handling shared by both directions of a proxied exchange.

use std::net::IpAddr;

use http::header::{
    HeaderName, HeaderValue, CONNECTION, PROXY_AUTHENTICATE, PROXY_AUTHORIZATION, TE, TRAILER,
    TRANSFER_ENCODING, UPGRADE,
};
use http::HeaderMap;

/// The hop-by-hop headers of RFC 9110 §7.6.1 (plus `Keep-Alive`), which
/// belong to one connection and are never forwarded.
const HOP_BY_HOP: [HeaderName; 7] = [
    CONNECTION,
    HeaderName::from_static("keep-alive"),
    PROXY_AUTHENTICATE,
    PROXY_AUTHORIZATION,
    TE,
    TRAILER,
    TRANSFER_ENCODING,
];

/// The header carrying the chain of client addresses.
pub(crate) const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// Removes hop-by-hop headers: `Connection` and every header it names,
/// `Keep-Alive`, `Proxy-*`, `TE`, `Trailer`, `Transfer-Encoding` and
/// `Upgrade`.
pub(crate) fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Most messages carry none: one pass over the names settles that.
    if !headers.keys().any(is_hop_by_hop) {
        return;
    }
    let mut named: Vec<HeaderName> = Vec::new();
    for value in headers.get_all(CONNECTION) {
        let Ok(text) = value.to_str() else { continue };
        named.extend(
            text.split(',')
                .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok()),
        );
    }
    named.extend(
        headers
            .keys()
            .filter(|k| k.as_str().starts_with("proxy-"))
            .cloned(),
    );
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    headers.remove(UPGRADE);
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

/// Appends the client's address to `X-Forwarded-For` (joining any values
/// the client sent).
pub(crate) fn append_forwarded_for(headers: &mut HeaderMap, client: IpAddr) {
    let mut chain = String::new();
    for value in headers.get_all(&X_FORWARDED_FOR) {
        if let Ok(text) = value.to_str() {
            chain.push_str(text.trim());
            chain.push_str(", ");
        }
    }
    chain.push_str(&client.to_string());
    if let Ok(value) = HeaderValue::from_str(&chain) {
        headers.insert(X_FORWARDED_FOR, value);
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

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
    fn forwarded_for_is_appended() {
        let mut headers = HeaderMap::new();
        append_forwarded_for(&mut headers, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(headers[&X_FORWARDED_FOR], "10.0.0.1");
        headers.append(X_FORWARDED_FOR, HeaderValue::from_static("1.1.1.1"));
        append_forwarded_for(&mut headers, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));
        assert_eq!(headers[&X_FORWARDED_FOR], "10.0.0.1, 1.1.1.1, 10.0.0.2");
    }
}
