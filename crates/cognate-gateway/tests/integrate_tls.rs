//! HTTPS backends: certificates are verified unless the integration sets
//! `tlsConfig.insecureSkipVerification`.

mod common_integrate;

use std::sync::Arc;

use axum::body::Body;
use cognate_apigw::model::TlsConfig;
use cognate_gateway::integrate::IntegrationError;
use common_integrate::*;
use http::StatusCode;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsAcceptor;

/// An HTTPS server on 127.0.0.1 with a self-signed certificate that answers
/// every request with `200 ok`; returns its port.
async fn self_signed_backend() -> u16 {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("certificate");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
                let _ = tls.write_all(reply).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_failure() {
    let port = self_signed_backend().await;
    let i = integration("HTTP_PROXY", &format!("https://127.0.0.1:{port}/secure"));
    let ctx = Ctx::new("/secure", "GET");
    let err = invoke(
        &i,
        &ctx,
        request("GET", "/secure").body(Body::empty()).expect("r"),
    )
    .await
    .expect_err("fails");
    assert!(
        matches!(&err, IntegrationError::Failure(m) if m.to_lowercase().contains("certificate")),
        "{err:?}"
    );
}

#[tokio::test]
async fn insecure_skip_verification_accepts_the_certificate() {
    let port = self_signed_backend().await;
    let mut i = integration("HTTP_PROXY", &format!("https://127.0.0.1:{port}/secure"));
    i.tls_config = Some(TlsConfig {
        insecure_skip_verification: true,
    });
    let ctx = Ctx::new("/secure", "GET");
    let response = invoke(
        &i,
        &ctx,
        request("GET", "/secure").body(Body::empty()).expect("r"),
    )
    .await
    .expect("invoke");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(bytes(response).await.as_ref(), b"ok");
}
