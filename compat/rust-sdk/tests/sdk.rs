//! The official AWS SDK for Rust (`aws-sdk-cognitoidentityprovider`) against a
//! cognate server.
//!
//! Every test starts its own server (`$COGNATE_BIN serve --listen 127.0.0.1:0
//! --data-dir <tmp>`, default binary `<repo>/target/release/cognate`) and stops
//! it with SIGTERM when it ends, so the tests are independent under both
//! `cargo test` and `cargo nextest`.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_cognitoidentityprovider::config::Credentials;
use aws_sdk_cognitoidentityprovider::error::{DisplayErrorContext, SdkError};
use aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthError;
use aws_sdk_cognitoidentityprovider::operation::sign_up::SignUpError;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, AuthFlowType, ExplicitAuthFlowsType};
use aws_sdk_cognitoidentityprovider::Client;
use base64::Engine as _;

const READY_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
const PASSWORD: &str = "Compat-Passw0rd!";

// ---------------------------------------------------------------------------
// Server process
// ---------------------------------------------------------------------------

struct Server {
    child: Child,
    url: String,
    dir: PathBuf,
}

fn cognate_bin() -> PathBuf {
    match std::env::var_os("COGNATE_BIN") {
        Some(bin) if !bin.is_empty() => PathBuf::from(bin),
        // compat/rust-sdk -> repo root
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release/cognate"),
    }
}

fn unique_tmp_dir() -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "cognate-compat-rust-sdk-{}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        nanos
    ));
    std::fs::create_dir_all(dir.join("data")).expect("create temp dir");
    dir
}

impl Server {
    fn start() -> Server {
        let bin = cognate_bin();
        assert!(
            bin.exists(),
            "cognate binary not found at {}; build it with `cargo build --release -p cognate` or set COGNATE_BIN",
            bin.display()
        );
        let dir = unique_tmp_dir();
        let data_dir = dir.join("data");
        let log_path = dir.join("server.stderr.log");
        let log = std::fs::File::create(&log_path).expect("create server log");

        let mut cmd = Command::new(&bin);
        cmd.arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(&data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::process::CommandExt;
            // If the test process dies without running Drop, don't leave the server behind.
            unsafe {
                cmd.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                    Ok(())
                });
            }
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("failed to spawn {}: {e}", bin.display()));

        // Read stdout on a thread: report the listening line, then keep draining
        // so the server never blocks on a full pipe.
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel::<Result<String, String>>();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut seen = String::new();
            let mut line = String::new();
            loop {
                line.clear();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => {
                        let _ = tx.send(Err(format!(
                            "stdout closed before the listening line; stdout was: {seen:?}"
                        )));
                        return;
                    }
                    Ok(_) => {
                        seen.push_str(&line);
                        if let Some(idx) = line.find("cognate listening on ") {
                            let url = line[idx + "cognate listening on ".len()..]
                                .trim()
                                .trim_end_matches('/')
                                .to_string();
                            let _ = tx.send(Ok(url));
                            break;
                        }
                    }
                }
            }
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
        });

        let ready = rx.recv_timeout(READY_TIMEOUT);
        let mut server = Server {
            child,
            url: String::new(),
            dir,
        };
        match ready {
            Ok(Ok(url)) if url.starts_with("http://") => {
                server.url = url;
                server
            }
            Ok(Ok(url)) => panic!("unexpected listening URL {url:?}\n{}", server.log_tail()),
            Ok(Err(msg)) => {
                let status = server.child.try_wait().ok().flatten();
                panic!("cognate did not start ({msg}; exit status {status:?})\n{}", server.log_tail())
            }
            Err(_) => panic!(
                "cognate did not print its listening line within {}s\n{}",
                READY_TIMEOUT.as_secs(),
                server.log_tail()
            ),
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("server.stderr.log")).unwrap_or_default();
        let start = text.len().saturating_sub(8 * 1024);
        let start = (start..text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
        format!("--- cognate stderr (tail) ---\n{}\n--- end ---", &text[start..])
    }

    async fn client(&self) -> Client {
        let shared = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&self.url)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "static"))
            .retry_config(RetryConfig::disabled())
            .load()
            .await;
        let config = aws_sdk_cognitoidentityprovider::config::Builder::from(&shared).build();
        Client::from_conf(config)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.log_tail());
        }
        if let Ok(None) = self.child.try_wait() {
            unsafe {
                libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
            }
            let deadline = Instant::now() + STOP_TIMEOUT;
            loop {
                match self.child.try_wait() {
                    Ok(Some(_)) => break,
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(50))
                    }
                    _ => {
                        let _ = self.child.kill();
                        let _ = self.child.wait();
                        break;
                    }
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

struct Pool {
    pool_id: String,
    client_id: String,
}

/// CreateUserPool + CreateUserPoolClient (no secret, password + refresh flows).
async fn create_pool(client: &Client, name: &str) -> Pool {
    let out = client
        .create_user_pool()
        .pool_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateUserPool failed: {}", DisplayErrorContext(&e)));
    let pool_id = out
        .user_pool()
        .and_then(|p| p.id())
        .unwrap_or_else(|| panic!("CreateUserPool returned no UserPool.Id: {out:?}"))
        .to_string();
    assert!(
        is_pool_id(&pool_id),
        "pool id {pool_id:?} does not look like <region>_<alphanumerics>"
    );

    let out = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name(format!("{name}-client"))
        .generate_secret(false)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateUserPoolClient failed: {}", DisplayErrorContext(&e)));
    let client_id = out
        .user_pool_client()
        .and_then(|c| c.client_id())
        .unwrap_or_else(|| panic!("CreateUserPoolClient returned no ClientId: {out:?}"))
        .to_string();
    Pool { pool_id, client_id }
}

fn is_pool_id(id: &str) -> bool {
    match id.split_once('_') {
        Some((region, rest)) => {
            region.split('-').count() >= 3
                && region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !rest.is_empty()
                && rest.chars().all(|c| c.is_ascii_alphanumeric())
        }
        None => false,
    }
}

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder().name(name).value(value).build().expect("attribute")
}

/// SignUp; returns the UserSub.
async fn sign_up(client: &Client, pool: &Pool, username: &str, attrs: &[(&str, &str)]) -> String {
    let mut req = client
        .sign_up()
        .client_id(&pool.client_id)
        .username(username)
        .password(PASSWORD);
    for (n, v) in attrs {
        req = req.user_attributes(attr(n, v));
    }
    let out = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("SignUp({username}) failed: {}", DisplayErrorContext(&e)));
    assert!(!out.user_confirmed(), "SignUp: UserConfirmed should be false before confirmation");
    assert!(!out.user_sub().is_empty(), "SignUp: UserSub is empty");
    out.user_sub().to_string()
}

async fn admin_confirm(client: &Client, pool: &Pool, username: &str) {
    client
        .admin_confirm_sign_up()
        .user_pool_id(&pool.pool_id)
        .username(username)
        .send()
        .await
        .unwrap_or_else(|e| panic!("AdminConfirmSignUp({username}) failed: {}", DisplayErrorContext(&e)));
}

async fn password_auth(
    client: &Client,
    pool: &Pool,
    username: &str,
    password: &str,
) -> Result<
    aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput,
    SdkError<InitiateAuthError, aws_sdk_cognitoidentityprovider::config::http::HttpResponse>,
> {
    client
        .initiate_auth()
        .client_id(&pool.client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
}

/// Decode (without verifying) the payload of a JWS compact token.
fn jwt_claims(token: &str) -> serde_json::Value {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "token is not a 3-part JWS: {token:?}");
    let header: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[0])
            .expect("header is base64url"),
    )
    .expect("header is JSON");
    assert_eq!(header["alg"], "RS256", "token header: {header}");
    assert!(header["kid"].is_string(), "token header has no kid: {header}");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .expect("payload is base64url"),
    )
    .expect("payload is JSON")
}

fn attribute<'a>(attrs: &'a [AttributeType], name: &str) -> Option<&'a str> {
    attrs.iter().find(|a| a.name() == name).and_then(|a| a.value())
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[tokio::test]
async fn sdk_sign_up_then_admin_confirm_then_sign_in_returns_tokens() {
    let server = Server::start();
    let client = server.client().await;
    let pool = create_pool(&client, "compat-rust-signin").await;

    let sub = sign_up(&client, &pool, "alice", &[("email", "alice@example.com")]).await;
    admin_confirm(&client, &pool, "alice").await;

    let out = password_auth(&client, &pool, "alice", PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("InitiateAuth(USER_PASSWORD_AUTH) failed: {}", DisplayErrorContext(&e)));
    assert_eq!(out.challenge_name(), None, "unexpected challenge: {out:?}");
    let result = out
        .authentication_result()
        .unwrap_or_else(|| panic!("InitiateAuth returned no AuthenticationResult: {out:?}"));
    let id_token = result.id_token().expect("IdToken");
    let access_token = result.access_token().expect("AccessToken");
    let refresh_token = result.refresh_token().expect("RefreshToken");
    assert!(!refresh_token.is_empty(), "RefreshToken is empty");
    assert_eq!(result.token_type(), Some("Bearer"));
    assert_eq!(result.expires_in(), 3600);

    let issuer = format!("{}/{}", server.url, pool.pool_id);

    let id = jwt_claims(id_token);
    assert_eq!(id["token_use"], "id", "id token claims: {id}");
    assert_eq!(id["iss"], issuer.as_str(), "id token claims: {id}");
    assert_eq!(id["aud"], pool.client_id.as_str(), "id token claims: {id}");
    assert_eq!(id["sub"], sub.as_str(), "id token claims: {id}");
    assert_eq!(id["cognito:username"], "alice", "id token claims: {id}");
    assert_eq!(id["email"], "alice@example.com", "id token claims: {id}");

    let access = jwt_claims(access_token);
    assert_eq!(access["token_use"], "access", "access token claims: {access}");
    assert_eq!(access["iss"], issuer.as_str(), "access token claims: {access}");
    assert_eq!(access["client_id"], pool.client_id.as_str(), "access token claims: {access}");
    assert_eq!(access["sub"], sub.as_str(), "access token claims: {access}");
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin", "access token claims: {access}");
    assert!(access.get("aud").is_none(), "access token must have no aud: {access}");
}

#[tokio::test]
async fn sdk_get_user_with_access_token_returns_attributes() {
    let server = Server::start();
    let client = server.client().await;
    let pool = create_pool(&client, "compat-rust-getuser").await;

    let sub = sign_up(
        &client,
        &pool,
        "carol",
        &[("email", "carol@example.com"), ("name", "Carol Compat")],
    )
    .await;
    admin_confirm(&client, &pool, "carol").await;
    let out = password_auth(&client, &pool, "carol", PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("InitiateAuth(USER_PASSWORD_AUTH) failed: {}", DisplayErrorContext(&e)));
    let access_token = out
        .authentication_result()
        .and_then(|r| r.access_token())
        .unwrap_or_else(|| panic!("InitiateAuth returned no AccessToken: {out:?}"));

    let user = client
        .get_user()
        .access_token(access_token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetUser failed: {}", DisplayErrorContext(&e)));
    assert_eq!(user.username(), "carol");
    let attrs = user.user_attributes();
    assert_eq!(attribute(attrs, "sub"), Some(sub.as_str()), "attributes: {attrs:?}");
    assert_eq!(attribute(attrs, "email"), Some("carol@example.com"), "attributes: {attrs:?}");
    assert_eq!(attribute(attrs, "name"), Some("Carol Compat"), "attributes: {attrs:?}");
}

#[tokio::test]
async fn sdk_wrong_password_is_not_authorized() {
    let server = Server::start();
    let client = server.client().await;
    let pool = create_pool(&client, "compat-rust-wrongpw").await;

    sign_up(&client, &pool, "dave", &[("email", "dave@example.com")]).await;
    admin_confirm(&client, &pool, "dave").await;

    let err = password_auth(&client, &pool, "dave", "Wrong-Passw0rd!")
        .await
        .expect_err("InitiateAuth with a wrong password must fail");
    let status = err.raw_response().map(|r| r.status().as_u16());
    let context = DisplayErrorContext(&err).to_string();
    match err.into_service_error() {
        InitiateAuthError::NotAuthorizedException(e) => {
            assert_eq!(status, Some(400), "HTTP status for NotAuthorizedException");
            assert_eq!(
                e.message(),
                Some("Incorrect username or password."),
                "NotAuthorizedException message"
            );
        }
        other => panic!("expected InitiateAuthError::NotAuthorizedException, got {other:?} ({context})"),
    }

    // The right password still works afterwards.
    password_auth(&client, &pool, "dave", PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("InitiateAuth with the right password failed: {}", DisplayErrorContext(&e)));
}

#[tokio::test]
async fn sdk_duplicate_sign_up_is_username_exists() {
    let server = Server::start();
    let client = server.client().await;
    let pool = create_pool(&client, "compat-rust-dup").await;

    sign_up(&client, &pool, "erin", &[("email", "erin@example.com")]).await;

    let err = client
        .sign_up()
        .client_id(&pool.client_id)
        .username("erin")
        .password(PASSWORD)
        .user_attributes(attr("email", "erin2@example.com"))
        .send()
        .await
        .expect_err("a second SignUp with the same username must fail");
    let status = err.raw_response().map(|r| r.status().as_u16());
    let context = DisplayErrorContext(&err).to_string();
    match err.into_service_error() {
        SignUpError::UsernameExistsException(_) => {
            assert_eq!(status, Some(400), "HTTP status for UsernameExistsException");
        }
        other => panic!("expected SignUpError::UsernameExistsException, got {other:?} ({context})"),
    }
}
