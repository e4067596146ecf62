//! The upstream HTTP(S) client: one pool of HTTP/1.1 keep-alive
//! connections for plain and TLS backends ([`super::pool`]). Certificates
//! are checked against the system's trust store; a second TLS configuration
//! that skips the check serves the integrations whose
//! `tlsConfig.insecureSkipVerification` is set (their connections are pooled
//! apart). Proxy environment variables are not read.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use http::{Request, Response};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio_rustls::TlsConnector;

use super::h1::Fields;
use super::pool::{Connect, Pool};
use super::uri::Origin;
use super::{IntegrationError, IntegratorConfig};

/// How long an idle pooled connection is kept.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The upstream client: the connection pool, whose TLS connections verify
/// certificates unless the integration says not to.
pub(crate) struct Upstream {
    pool: Arc<Pool>,
}

impl Upstream {
    pub(crate) fn new(config: &IntegratorConfig) -> Upstream {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier: Arc<dyn ServerCertVerifier> = match rustls_platform_verifier::Verifier::new(
            provider.clone(),
        ) {
            Ok(verifier) => Arc::new(verifier),
            Err(e) => {
                tracing::warn!(error = %e, "no trusted CA certificates; https integrations will fail verification");
                Arc::new(FixedVerdict {
                    provider: provider.clone(),
                    accept: false,
                })
            }
        };
        let unverified = Arc::new(FixedVerdict {
            provider: provider.clone(),
            accept: true,
        });
        Upstream {
            pool: Pool::new(
                Connect {
                    timeout: config.connect_timeout,
                    verified: tls_connector(&provider, verifier),
                    unverified: tls_connector(&provider, unverified),
                },
                config.max_idle_per_host,
                IDLE_TIMEOUT,
            ),
        }
    }

    /// Sends `req` (its URI in origin form) to `origin` and waits for the
    /// response head for at most `timeout`, its fields kept under the names
    /// `fields` says.
    pub(crate) async fn send(
        &self,
        origin: Origin,
        req: Request<Body>,
        insecure: bool,
        timeout: Duration,
        fields: Fields,
    ) -> Result<Response<Body>, IntegrationError> {
        self.pool.send(origin, req, insecure, timeout, fields).await
    }
}

fn tls_connector(
    provider: &Arc<CryptoProvider>,
    verifier: Arc<dyn ServerCertVerifier>,
) -> TlsConnector {
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        // aws-lc-rs's default provider supports the default protocol versions.
        .expect("the aws-lc-rs provider supports TLS 1.2 and 1.3")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// A verifier that does not consult a trust store: it accepts every
/// certificate chain (`insecureSkipVerification`) or refuses every one (no
/// CA certificates on the system). Handshake signatures are still checked.
#[derive(Debug)]
struct FixedVerdict {
    provider: Arc<CryptoProvider>,
    accept: bool,
}

impl ServerCertVerifier for FixedVerdict {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.accept {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "no CA certificates were found on this system".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
