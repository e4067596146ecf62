//! The whole server embedded on 127.0.0.1:0 (body limits, health, CORS), the
//! storage choice (SQLite, or PostgreSQL when `COGNATE_TEST_POSTGRES_URL` is
//! set), the master key file, and both deliveries against a fake SMTP sink.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cognate::config::{Config, Secret, ServeArgs};
use cognate::server::{self, BODY_LIMIT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(20);

// === helpers ===

/// A directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("cognate-test-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn config(data_dir: &Path) -> Config {
    let args = ServeArgs {
        data_dir: Some(data_dir.to_path_buf()),
        ..ServeArgs::default()
    };
    Config::from_sources(&args, &HashMap::<&str, &str>::new(), None).unwrap()
}

/// The whole server on 127.0.0.1:0; dropping the sender stops it.
async fn start(dir: &TempDir) -> (SocketAddr, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = server::build_app(&config(dir.path()), addr).await.unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server::serve(listener, app.frontend, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (addr, tx, task)
}

/// Sends raw bytes, then reads the whole response (the request asks the
/// server to close). Returns the status and the raw response text.
async fn exchange(addr: SocketAddr, parts: &[&[u8]]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    for part in parts {
        // The server may answer and close before reading everything.
        if s.write_all(part).await.is_err() {
            break;
        }
    }
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf).await;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP response: {text:?}"));
    (status, text)
}

fn idp_post_head(content_length: Option<usize>) -> String {
    let length = match content_length {
        Some(n) => format!("content-length: {n}\r\n"),
        None => "transfer-encoding: chunked\r\n".to_string(),
    };
    format!(
        "POST / HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\
         content-type: application/x-amz-json-1.1\r\n\
         x-amz-target: AWSCognitoIdentityProviderService.ListUserPools\r\n{length}\r\n"
    )
}

// === server ===

#[tokio::test]
async fn health_answers_200_with_status_and_version() {
    let dir = TempDir::new("health");
    let (addr, stop, task) = start(&dir).await;
    let req = b"GET /health HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n";
    let (status, text) = timeout(LIMIT, exchange(addr, &[req])).await.unwrap();
    assert_eq!(status, 200, "{text}");
    let body = text.split("\r\n\r\n").nth(1).unwrap();
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    drop(stop);
    timeout(LIMIT, task).await.unwrap().unwrap();
}

#[tokio::test]
async fn declared_over_limit_body_gets_413_without_being_read() {
    let dir = TempDir::new("413-declared");
    let (addr, _stop, _task) = start(&dir).await;
    let head = idp_post_head(Some(100 * 1024 * 1024));
    let (status, text) = timeout(LIMIT, exchange(addr, &[head.as_bytes()]))
        .await
        .expect("an over-limit request must not hang");
    assert_eq!(status, 413, "{text}");
}

#[tokio::test]
async fn chunked_over_limit_body_gets_413() {
    let dir = TempDir::new("413-chunked");
    let (addr, _stop, _task) = start(&dir).await;
    let head = idp_post_head(None);
    // One chunk one byte over the limit, without the closing chunk: the
    // server must stop reading and answer on its own.
    let size = BODY_LIMIT + 1;
    let mut chunk = format!("{size:x}\r\n").into_bytes();
    chunk.extend(std::iter::repeat_n(b' ', size));
    chunk.extend_from_slice(b"\r\n");
    let (status, text) = timeout(LIMIT, exchange(addr, &[head.as_bytes(), &chunk]))
        .await
        .expect("an over-limit request must not hang");
    assert_eq!(status, 413, "{text}");
}

#[tokio::test]
async fn slightly_too_large_body_gets_the_protocol_error() {
    let dir = TempDir::new("413-idp");
    let (addr, _stop, _task) = start(&dir).await;
    let size = cognate_idp::MAX_BODY + 10;
    assert!(size <= BODY_LIMIT);
    let head = idp_post_head(Some(size));
    let body = vec![b' '; size];
    let (status, text) = timeout(LIMIT, exchange(addr, &[head.as_bytes(), &body]))
        .await
        .unwrap();
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("SerializationException"), "{text}");
}

#[tokio::test]
async fn cors_preflight_allows_any_origin_and_the_sdk_headers() {
    let dir = TempDir::new("cors");
    let (addr, _stop, _task) = start(&dir).await;
    let req = "OPTIONS / HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\
               origin: http://app.example\r\naccess-control-request-method: POST\r\n\
               access-control-request-headers: x-amz-target,x-amz-user-agent,cache-control,content-type,authorization\r\n\r\n";
    let (status, text) = timeout(LIMIT, exchange(addr, &[req.as_bytes()]))
        .await
        .unwrap();
    assert_eq!(status, 200, "{text}");
    let lower = text.to_ascii_lowercase();
    assert!(lower.contains("access-control-allow-origin: *"), "{text}");
    for h in [
        "x-amz-target",
        "x-amz-user-agent",
        "cache-control",
        "authorization",
    ] {
        assert!(lower.contains(h), "{h} not allowed: {text}");
    }
    assert!(lower.contains("access-control-max-age"), "{text}");
}

#[tokio::test]
async fn cors_exposes_the_aws_response_headers() {
    let dir = TempDir::new("cors-expose");
    let (addr, _stop, _task) = start(&dir).await;
    let req = b"GET /health HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\norigin: http://app.example\r\n\r\n";
    let (status, text) = timeout(LIMIT, exchange(addr, &[req])).await.unwrap();
    assert_eq!(status, 200);
    let lower = text.to_ascii_lowercase();
    let line = lower
        .lines()
        .find(|l| l.starts_with("access-control-expose-headers:"))
        .unwrap_or_else(|| panic!("no expose header: {text}"));
    for h in [
        "x-amzn-requestid",
        "x-amzn-errortype",
        "x-amzn-errormessage",
        "date",
    ] {
        assert!(line.contains(h), "{h} not exposed: {line}");
    }
}

// === database URL ===

const PG_URL_ENV: &str = "COGNATE_TEST_POSTGRES_URL";

/// A schema of this test's own on the test database, through a store that
/// can look into it and drop it, and a URL that selects it the way a user
/// would. `None` (with a note on stderr) when the variable is unset.
async fn pg_schema(tag: &str) -> Option<(cognate_store::PgStore, String)> {
    let Some(url) = std::env::var(PG_URL_ENV).ok().filter(|u| !u.is_empty()) else {
        eprintln!("Postgres suite skipped: {PG_URL_ENV} is not set");
        return None;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let schema = format!("cognate_test_{}_{nanos}_{tag}", std::process::id());
    let store = cognate_store::PgStore::connect_with_schema(&url, &schema)
        .await
        .unwrap_or_else(|e| panic!("{PG_URL_ENV} is set, but PostgreSQL cannot be used: {e}"));
    let sep = if url.contains('?') { '&' } else { '?' };
    Some((
        store,
        format!("{url}{sep}options=-c%20search_path%3D{schema}"),
    ))
}

/// The whole server on 127.0.0.1:0 with `cfg`; dropping the sender stops it.
async fn start_with(
    cfg: &Config,
) -> (
    SocketAddr,
    server::Storage,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = server::build_app(cfg, addr).await.unwrap();
    let storage = app.storage.clone();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server::serve(listener, app.frontend, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (addr, storage, tx, task)
}

/// A cognito-idp call: the status and the JSON body.
async fn idp_call(addr: SocketAddr, op: &str, body: &str) -> (u16, serde_json::Value) {
    let head = format!(
        "POST / HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\
         content-type: application/x-amz-json-1.1\r\n\
         x-amz-target: AWSCognitoIdentityProviderService.{op}\r\n\
         content-length: {}\r\n\r\n",
        body.len()
    );
    let (status, text) = timeout(LIMIT, exchange(addr, &[head.as_bytes(), body.as_bytes()]))
        .await
        .unwrap();
    let json = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap_or(""))
        .unwrap_or_else(|e| panic!("{e}: {text}"));
    (status, json)
}

async fn get_body(addr: SocketAddr, path: &str) -> (u16, String) {
    let req = format!("GET {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n");
    let (status, text) = timeout(LIMIT, exchange(addr, &[req.as_bytes()]))
        .await
        .unwrap();
    (
        status,
        text.split("\r\n\r\n").nth(1).unwrap_or("").to_string(),
    )
}

#[tokio::test]
async fn postgres_database_url_serves_health_and_create_user_pool() {
    let Some((check, db_url)) = pg_schema("serve").await else {
        return;
    };
    let dir = TempDir::new("pg");
    let mut cfg = config(dir.path());
    cfg.database_url = Some(Secret::new(db_url));
    let (addr, storage, stop, task) = start_with(&cfg).await;
    assert!(matches!(storage, server::Storage::Postgres { .. }));
    assert!(
        storage.to_string().starts_with("postgres postgres"),
        "{storage}"
    );

    let (status, body) = get_body(addr, "/health").await;
    assert_eq!(status, 200, "{body}");
    let (status, json) = idp_call(addr, "CreateUserPool", r#"{"PoolName":"on-postgres"}"#).await;
    assert_eq!(status, 200, "{json}");
    let pool_id = json["UserPool"]["Id"].as_str().unwrap().to_string();
    drop(stop);
    timeout(LIMIT, task).await.unwrap().unwrap();

    // The pool is in PostgreSQL, in the schema the URL named.
    use cognate_core::store::Store;
    let stored = check.get_pool(&pool_id).await.unwrap();
    assert_eq!(stored.map(|p| p.name).as_deref(), Some("on-postgres"));
    check.drop_schema().await.unwrap();
}

#[tokio::test]
async fn two_nodes_on_one_postgres_database_serve_the_same_pools() {
    let Some((check, db_url)) = pg_schema("nodes").await else {
        return;
    };
    // Separate data directories, one master key: two machines, one database.
    let key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let (dir_a, dir_b) = (TempDir::new("node-a"), TempDir::new("node-b"));
    let node = |dir: &TempDir| {
        let mut cfg = config(dir.path());
        cfg.database_url = Some(Secret::new(db_url.clone()));
        cfg.master_key = Some(Secret::new(key));
        cfg
    };
    let (a, _, stop_a, task_a) = start_with(&node(&dir_a)).await;
    let (b, _, stop_b, task_b) = start_with(&node(&dir_b)).await;

    let (status, json) = idp_call(a, "CreateUserPool", r#"{"PoolName":"shared"}"#).await;
    assert_eq!(status, 200, "{json}");
    let pool_id = json["UserPool"]["Id"].as_str().unwrap().to_string();
    let describe = format!(r#"{{"UserPoolId":"{pool_id}"}}"#);
    let (status, json) = idp_call(b, "DescribeUserPool", &describe).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["UserPool"]["Name"], "shared");

    // Node b creates a user; node a lists it.
    let create_user = format!(r#"{{"UserPoolId":"{pool_id}","Username":"carol"}}"#);
    let (status, json) = idp_call(b, "AdminCreateUser", &create_user).await;
    assert_eq!(status, 200, "{json}");
    let list = format!(r#"{{"UserPoolId":"{pool_id}"}}"#);
    let (status, json) = idp_call(a, "ListUsers", &list).await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["Users"][0]["Username"], "carol", "{json}");

    // Both publish the same signing keys.
    let jwks = format!("/{pool_id}/.well-known/jwks.json");
    let (status_a, jwks_a) = get_body(a, &jwks).await;
    let (status_b, jwks_b) = get_body(b, &jwks).await;
    assert_eq!((status_a, status_b), (200, 200), "{jwks_a} {jwks_b}");
    assert_eq!(jwks_a, jwks_b);

    drop((stop_a, stop_b));
    timeout(LIMIT, task_a).await.unwrap().unwrap();
    timeout(LIMIT, task_b).await.unwrap().unwrap();
    check.drop_schema().await.unwrap();
}

#[tokio::test]
async fn database_url_of_another_scheme_is_a_start_up_error() {
    let dir = TempDir::new("db-scheme");
    let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
    for (url, names_scheme) in [
        ("mysql://app:hunter2@localhost/x", Some("mysql://")),
        ("sqlite:///tmp/hunter2.db", Some("sqlite://")),
        ("app:hunter2@localhost/x", None),
    ] {
        let mut cfg = config(dir.path());
        cfg.database_url = Some(Secret::new(url));
        let err = match server::build_app(&cfg, addr).await {
            Ok(_) => panic!("{url} was accepted"),
            Err(e) => format!("{e:#}"),
        };
        assert!(err.contains("COGNATE_DATABASE_URL"), "{err}");
        assert!(err.contains("postgres://"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        if let Some(scheme) = names_scheme {
            assert!(err.contains(scheme), "{err}");
        }
    }
}

#[test]
fn database_url_comes_from_env_then_file_and_shows_without_password() {
    use cognate::config::FileConfig;
    let file = || {
        FileConfig::parse(
            r#"database_url = "postgres://file:filepw@db/cognate""#,
            Path::new("cognate.toml"),
        )
        .unwrap()
    };
    let env = HashMap::from([("COGNATE_DATABASE_URL", "postgresql://env:envpw@db:5433/c")]);
    let args = ServeArgs::default();
    let from_env = Config::from_sources(&args, &env, Some(file())).unwrap();
    let from_file =
        Config::from_sources(&args, &HashMap::<&str, &str>::new(), Some(file())).unwrap();
    let none = Config::from_sources(&args, &HashMap::<&str, &str>::new(), None).unwrap();
    assert!(none.database_url.is_none());

    let dir = Path::new("/nonexistent");
    let shown = |cfg: &Config| server::Storage::choose(cfg, dir).unwrap().to_string();
    assert_eq!(shown(&from_env), "postgres postgresql://env:***@db:5433/c");
    assert_eq!(shown(&from_file), "postgres postgres://file:***@db/cognate");
    assert_eq!(shown(&none), "sqlite /nonexistent/cognate.db");
    assert!(!format!("{from_env:?}").contains("envpw"));
}

#[tokio::test]
async fn banner_says_admin_calls_are_unauthenticated_on_loopback_only() {
    let dir = TempDir::new("banner");
    let addr: SocketAddr = "127.0.0.1:4566".parse().unwrap();
    let app = server::build_app(&config(dir.path()), addr).await.unwrap();
    let lines = server::banner(&app, addr);
    assert_eq!(lines[0], "cognate listening on http://127.0.0.1:4566");
    assert!(lines
        .iter()
        .any(|l| l
            == "admin calls are not authenticated on loopback (any AWS credentials are accepted)"));
    assert_eq!(app.issuer_url, "http://127.0.0.1:4566");

    let wide: SocketAddr = "0.0.0.0:4566".parse().unwrap();
    let lines = server::banner(&app, wide);
    assert!(lines
        .iter()
        .any(|l| l.contains("SigV4") && l.contains("not implemented")));
    assert!(!lines.iter().any(|l| l.contains("on loopback (any")));
}

// === master key ===

#[test]
fn master_key_file_is_created_0600_and_reused_on_restart() {
    use cognate::master_key::{load, KeySource};
    let dir = TempDir::new("key");
    let (first, source) = load(None, dir.path()).unwrap();
    let path = dir.path().join("master.key");
    assert_eq!(
        source,
        KeySource::File {
            path: path.clone(),
            created: true
        }
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    let (second, source) = load(None, dir.path()).unwrap();
    assert_eq!(
        source,
        KeySource::File {
            path,
            created: false
        }
    );
    assert_eq!(first.encoded(), second.encoded());
}

#[test]
fn master_key_from_env_wins_and_writes_no_file() {
    use cognate::master_key::{load, KeySource};
    let dir = TempDir::new("key-env");
    let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let (key, source) = load(Some(&Secret::new(hex)), dir.path()).unwrap();
    assert_eq!(source, KeySource::Env);
    assert_eq!(key.encoded(), hex);
    assert!(!dir.path().join("master.key").exists());
}

#[test]
fn invalid_master_key_is_an_error_that_does_not_echo_it() {
    let dir = TempDir::new("key-bad");
    let bad = "not-a-key-but-a-secret";
    let text = match cognate::master_key::load(Some(&Secret::new(bad)), dir.path()) {
        Ok(_) => panic!("a bad key was accepted"),
        Err(e) => format!("{e:#}"),
    };
    assert!(text.contains("COGNATE_MASTER_KEY"), "{text}");
    assert!(!text.contains(bad), "{text}");

    std::fs::write(dir.path().join("master.key"), "garbage\n").unwrap();
    assert!(cognate::master_key::load(None, dir.path()).is_err());
}
