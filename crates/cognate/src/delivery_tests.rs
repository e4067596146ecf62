use std::io;
use std::sync::{Arc, Mutex};

use cognate_core::service::Purpose;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::*;
use crate::config::Secret;

fn message(medium: Medium, code: Option<&str>, temporary_password: Option<&str>) -> Message {
    Message {
        pool_id: "us-east-1_AbC123".into(),
        username: "alice".into(),
        purpose: if code.is_some() {
            Purpose::SignUp
        } else {
            Purpose::Invitation
        },
        medium,
        destination: match medium {
            Medium::Email => "alice@example.com".into(),
            Medium::Sms => "+15555550100".into(),
        },
        subject: "Your verification code".into(),
        body: "Your verification code is 123456".into(),
        code: code.map(String::from),
        temporary_password: temporary_password.map(String::from),
    }
}

/// Collects what the fmt subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn logged(f: impl FnOnce()) -> String {
    let out = Captured::default();
    let sink = out.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || sink.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    let bytes = out.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn log_delivery_writes_the_code_with_unquoted_fields() {
    let text = logged(|| LogDeliver::log(&message(Medium::Email, Some("123456"), None)));
    assert!(
        text.contains("INFO cognate::delivery: verification code"),
        "{text}"
    );
    let fields = "pool_id=us-east-1_AbC123 username=alice purpose=SignUp medium=EMAIL \
                  destination=alice@example.com code=123456";
    assert!(text.contains(fields), "{text}");
    assert!(!text.contains('"'), "{text}");
}

#[test]
fn log_delivery_writes_the_temporary_password() {
    let text = logged(|| LogDeliver::log(&message(Medium::Sms, None, Some("Tmp#Pass1"))));
    assert!(
        text.contains("cognate::delivery: temporary password"),
        "{text}"
    );
    assert!(
        text.contains(
            "purpose=Invitation medium=SMS destination=+15555550100 temporary_password=Tmp#Pass1"
        ),
        "{text}"
    );
}

fn smtp(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        from: "Cognate <no-reply@example.com>".into(),
        tls: SmtpTls::None,
        credentials: None,
    }
}

/// Accepts one SMTP session, answers every command, returns the transcript.
async fn smtp_sink() -> (u16, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        let mut transcript = String::new();
        let mut in_data = false;
        write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
        while let Ok(Some(line)) = lines.next_line().await {
            transcript.push_str(&line);
            transcript.push('\n');
            let reply: &[u8] = if in_data {
                if line != "." {
                    continue;
                }
                in_data = false;
                b"250 queued\r\n"
            } else {
                match line.get(..4).map(|s| s.to_ascii_uppercase()).as_deref() {
                    Some("EHLO") => b"250 sink\r\n",
                    Some("DATA") => {
                        in_data = true;
                        b"354 go ahead\r\n"
                    }
                    Some("QUIT") => {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    }
                    _ => b"250 OK\r\n",
                }
            };
            write.write_all(reply).await.unwrap();
        }
        transcript
    });
    (port, task)
}

#[tokio::test]
async fn smtp_delivery_sends_the_message_to_the_destination() {
    let (port, sink) = smtp_sink().await;
    let deliver = SmtpDeliver::new(&smtp(port)).unwrap();
    deliver
        .deliver(&message(Medium::Email, Some("123456"), None))
        .await
        .unwrap();
    drop(deliver);
    let transcript = tokio::time::timeout(Duration::from_secs(10), sink)
        .await
        .expect("the SMTP session did not end")
        .unwrap();
    assert!(
        transcript.contains("MAIL FROM:<no-reply@example.com>"),
        "{transcript}"
    );
    assert!(
        transcript.contains("RCPT TO:<alice@example.com>"),
        "{transcript}"
    );
    assert!(
        transcript.contains("Subject: Your verification code"),
        "{transcript}"
    );
    assert!(
        transcript.contains("Your verification code is 123456"),
        "{transcript}"
    );
}

#[tokio::test]
async fn smtp_failure_is_an_error_for_the_core() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let deliver = SmtpDeliver::new(&smtp(port)).unwrap();
    let err = deliver
        .deliver(&message(Medium::Email, Some("123456"), None))
        .await
        .unwrap_err();
    assert!(err.contains("SMTP"), "{err}");
}

#[tokio::test]
async fn sms_goes_to_the_log_when_smtp_is_configured() {
    // Nothing listens on this port: an attempt to send would fail.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let deliver = SmtpDeliver::new(&smtp(port)).unwrap();
    deliver
        .deliver(&message(Medium::Sms, Some("654321"), None))
        .await
        .unwrap();
}

#[test]
fn invalid_from_address_is_a_startup_error() {
    let mut cfg = smtp(25);
    cfg.from = "not an address".into();
    assert!(SmtpDeliver::new(&cfg).is_err());
}

#[test]
fn smtp_with_credentials_builds() {
    let mut cfg = smtp(25);
    cfg.credentials = Some(("user".into(), Secret::new("pw")));
    assert!(SmtpDeliver::new(&cfg).is_ok());
}

/// An HTTP server on 127.0.0.1 answering one request with `status`;
/// the task returns the request body.
async fn webhook_sink(status: u16) -> (String, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (read, mut write) = stream.into_split();
        let mut reader = BufReader::new(read);
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).await.unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0u8; length];
        tokio::io::AsyncReadExt::read_exact(&mut reader, &mut body)
            .await
            .unwrap();
        let answer =
            format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        write.write_all(answer.as_bytes()).await.unwrap();
        String::from_utf8(body).unwrap()
    });
    (url, task)
}

fn sms_webhook(url: &str) -> SmsWebhook {
    SmsWebhook::new(&SmsConfig {
        webhook_url: url.to_string(),
    })
    .unwrap()
}

#[tokio::test]
async fn sms_webhook_posts_the_message_as_json() {
    let (url, sink) = webhook_sink(200).await;
    let mut m = message(Medium::Sms, Some("123456"), None);
    m.purpose = Purpose::Authentication;
    sms_webhook(&url).deliver(&m).await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&sink.await.unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "to": "+15555550100",
            "message": "Your verification code is 123456",
            "poolId": "us-east-1_AbC123",
            "username": "alice",
            "purpose": "Authentication",
            "code": "123456",
        })
    );
}

#[tokio::test]
async fn sms_webhook_error_status_is_a_delivery_error() {
    let (url, _sink) = webhook_sink(500).await;
    let m = message(Medium::Sms, Some("123456"), None);
    let err = sms_webhook(&url).deliver(&m).await.unwrap_err();
    assert!(err.contains("HTTP 500"), "{err}");
}

#[tokio::test]
async fn sms_webhook_that_does_not_answer_in_time_is_a_delivery_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    let mut hook = sms_webhook(&url);
    hook.timeout = Duration::from_millis(200);
    let m = message(Medium::Sms, Some("123456"), None);
    let err = hook.deliver(&m).await.unwrap_err();
    assert!(err.contains("did not answer"), "{err}");
    drop(listener);
}

#[tokio::test]
async fn with_a_webhook_email_still_goes_to_its_own_delivery() {
    let (url, sink) = webhook_sink(200).await;
    let deliver = from_config(
        None,
        Some(&SmsConfig {
            webhook_url: url.clone(),
        }),
    )
    .unwrap();
    deliver
        .deliver(&message(Medium::Email, Some("111111"), None))
        .await
        .unwrap();
    deliver
        .deliver(&message(Medium::Sms, Some("222222"), None))
        .await
        .unwrap();
    let body = sink.await.unwrap();
    assert!(
        body.contains("222222") && !body.contains("111111"),
        "{body}"
    );
}
