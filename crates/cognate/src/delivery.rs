//! Implementations of the core's [`Deliver`] port: the log (always, the
//! development default), SMTP for email (when `[smtp]` is configured) and an
//! HTTP webhook for SMS (when `[sms] webhook_url` is configured).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use cognate_core::service::{Deliver, Medium, Message};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use bytes::Bytes;
use http::{header, Method, Request};
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use serde_json::json;

use crate::config::{SmsConfig, SmtpConfig, SmtpTls};

/// Target of the delivery log lines.
pub const LOG_TARGET: &str = "cognate::delivery";

/// How long one SMTP command may take before the delivery fails.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// How long the SMS webhook may take to answer before the delivery fails.
const SMS_WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);

/// The delivery configured by `smtp` and `sms`: email over SMTP, SMS to the
/// webhook, and whichever is not configured to the log.
pub fn from_config(
    smtp: Option<&SmtpConfig>,
    sms: Option<&SmsConfig>,
) -> anyhow::Result<Arc<dyn Deliver>> {
    let email: Arc<dyn Deliver> = match smtp {
        Some(cfg) => Arc::new(SmtpDeliver::new(cfg)?),
        None => Arc::new(LogDeliver),
    };
    Ok(match sms {
        Some(cfg) => Arc::new(ByMedium {
            email,
            sms: Arc::new(SmsWebhook::new(cfg)?),
        }),
        None => email,
    })
}

// === impl ByMedium ===

/// Email to one delivery, SMS to another.
pub struct ByMedium {
    pub email: Arc<dyn Deliver>,
    pub sms: Arc<dyn Deliver>,
}

#[async_trait]
impl Deliver for ByMedium {
    async fn deliver(&self, message: &Message) -> Result<(), String> {
        match message.medium {
            Medium::Email => self.email.deliver(message).await,
            Medium::Sms => self.sms.deliver(message).await,
        }
    }
}

// === impl SmsWebhook ===

/// POSTs every SMS message as JSON `{"to", "message", "poolId", "username",
/// "purpose", "code"}` (`code` null when the message carries none) to the
/// configured URL. Anything but a 2xx answer within 5 s is a failed
/// delivery, which the core reports as `CodeDeliveryFailureException`.
pub struct SmsWebhook {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    url: String,
    timeout: Duration,
}

impl SmsWebhook {
    pub fn new(cfg: &SmsConfig) -> anyhow::Result<Self> {
        Ok(SmsWebhook {
            client: crate::apply::transport::https_client()?,
            url: cfg.webhook_url.clone(),
            timeout: SMS_WEBHOOK_TIMEOUT,
        })
    }

    /// The JSON body posted for `m`.
    pub fn payload(m: &Message) -> serde_json::Value {
        json!({
            "to": m.destination,
            "message": m.body,
            "poolId": m.pool_id,
            "username": m.username,
            "purpose": m.purpose.as_str(),
            "code": m.code.as_deref().or(m.temporary_password.as_deref()),
        })
    }

    async fn post(&self, m: &Message) -> Result<(), String> {
        let request = Request::builder()
            .method(Method::POST)
            .uri(&self.url)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(Self::payload(m).to_string())))
            .map_err(|e| format!("SMS webhook {}: {e}", self.url))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| format!("SMS webhook {}: {e}", self.url))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("SMS webhook {} answered HTTP {status}", self.url))
        }
    }
}

#[async_trait]
impl Deliver for SmsWebhook {
    async fn deliver(&self, message: &Message) -> Result<(), String> {
        let result = match tokio::time::timeout(self.timeout, self.post(message)).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "SMS webhook {} did not answer within {} s",
                self.url,
                self.timeout.as_secs()
            )),
        };
        match &result {
            Ok(()) => tracing::info!(
                target: LOG_TARGET,
                pool_id = %message.pool_id,
                username = %message.username,
                purpose = %message.purpose.as_str(),
                destination = %message.destination,
                "sms sent"
            ),
            Err(e) => tracing::warn!(
                target: LOG_TARGET,
                pool_id = %message.pool_id,
                destination = %message.destination,
                error = %e,
                "sms delivery failed"
            ),
        }
        result
    }
}

// === impl LogDeliver ===

/// Writes every message, code included, to the log at INFO with target
/// `cognate::delivery`: `verification code` or `temporary password`, with
/// the fields `pool_id username purpose medium destination` and `code` or
/// `temporary_password`.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogDeliver;

impl LogDeliver {
    pub fn log(message: &Message) {
        let m = message;
        let purpose = m.purpose.as_str();
        let medium = m.medium.as_str();
        if let Some(code) = &m.code {
            tracing::info!(
                target: LOG_TARGET,
                pool_id = %m.pool_id,
                username = %m.username,
                purpose = %purpose,
                medium = %medium,
                destination = %m.destination,
                code = %code,
                "verification code"
            );
        } else if let Some(password) = &m.temporary_password {
            tracing::info!(
                target: LOG_TARGET,
                pool_id = %m.pool_id,
                username = %m.username,
                purpose = %purpose,
                medium = %medium,
                destination = %m.destination,
                temporary_password = %password,
                "temporary password"
            );
        } else {
            tracing::info!(
                target: LOG_TARGET,
                pool_id = %m.pool_id,
                username = %m.username,
                purpose = %purpose,
                medium = %medium,
                destination = %m.destination,
                subject = %m.subject,
                "message"
            );
        }
    }
}

#[async_trait]
impl Deliver for LogDeliver {
    async fn deliver(&self, message: &Message) -> Result<(), String> {
        Self::log(message);
        Ok(())
    }
}

// === impl SmtpDeliver ===

/// Sends email through an SMTP server. SMS messages go to the log until an
/// SMS sender exists. A failed send is an `Err` with the reason, which the
/// core reports as `CodeDeliveryFailureException`.
pub struct SmtpDeliver {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpDeliver {
    pub fn new(cfg: &SmtpConfig) -> anyhow::Result<Self> {
        let from: Mailbox = cfg
            .from
            .parse()
            .with_context(|| format!("[smtp] from is not a valid address: {:?}", cfg.from))?;
        let builder = match cfg.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)
                .with_context(|| format!("[smtp] STARTTLS set-up for {}", cfg.host))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host)
                .with_context(|| format!("[smtp] TLS set-up for {}", cfg.host))?,
        };
        let mut builder = builder.port(cfg.port).timeout(Some(SMTP_TIMEOUT));
        if let Some((user, password)) = &cfg.credentials {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose().to_string(),
            ));
        }
        Ok(SmtpDeliver {
            transport: builder.build(),
            from,
        })
    }

    fn email(&self, m: &Message) -> Result<lettre::Message, String> {
        let to: Mailbox = m
            .destination
            .parse()
            .map_err(|e| format!("invalid email address {:?}: {e}", m.destination))?;
        lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.clone())
            .map_err(|e| format!("building the email: {e}"))
    }
}

#[async_trait]
impl Deliver for SmtpDeliver {
    async fn deliver(&self, message: &Message) -> Result<(), String> {
        if message.medium == Medium::Sms {
            LogDeliver::log(message);
            return Ok(());
        }
        let email = self.email(message)?;
        match self.transport.send(email).await {
            Ok(_) => {
                tracing::info!(
                    target: LOG_TARGET,
                    pool_id = %message.pool_id,
                    username = %message.username,
                    purpose = %message.purpose.as_str(),
                    destination = %message.destination,
                    "email sent"
                );
                Ok(())
            }
            Err(e) => {
                tracing::warn!(
                    target: LOG_TARGET,
                    pool_id = %message.pool_id,
                    destination = %message.destination,
                    error = %e,
                    "email delivery failed"
                );
                Err(format!("SMTP delivery failed: {e}"))
            }
        }
    }
}

#[cfg(test)]
#[path = "delivery_tests.rs"]
mod tests;
