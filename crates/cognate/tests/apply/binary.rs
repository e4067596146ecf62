//! Applying over HTTP (as `cognate apply` does) and through the binary
//! itself: the `apply` command and `serve` applying its config file.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{all, config, TempDir, DECLARED, FAST};
use cognate::apply::{self, Http, Outcome, Report};
use cognate::server;

/// The whole server on 127.0.0.1:0; dropping the sender stops it.
async fn listen(dir: &TempDir) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let cfg = config(dir.path(), "").unwrap();
    let app = server::build_app(&cfg, addr).await.unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::serve(listener, app.frontend, async {
        let _ = rx.await;
    }));
    (format!("http://{addr}"), tx)
}

#[tokio::test]
async fn applying_over_http_is_idempotent_too() {
    let dir = TempDir::new("http");
    let (url, _stop) = listen(&dir).await;
    let cfg = config(dir.path(), DECLARED).unwrap();
    let transport = Http::new(&url).unwrap();
    let mut first = Report::default();
    apply::apply(&cfg.declared, &transport, &mut first)
        .await
        .unwrap();
    assert!(all(&first, Outcome::Created), "{first:?}");
    let mut second = Report::default();
    apply::apply(&cfg.declared, &transport, &mut second)
        .await
        .unwrap();
    assert!(all(&second, Outcome::Unchanged), "{second:?}");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_clear_error() {
    let dir = TempDir::new("unreachable");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = config(dir.path(), DECLARED).unwrap();
    let transport = Http::new(&format!("http://127.0.0.1:{port}")).unwrap();
    let err = apply::apply(&cfg.declared, &transport, &mut Report::default())
        .await
        .unwrap_err();
    let err = format!("{err:#}");
    assert!(
        err.starts_with("pools[0]: ListUserPools: calling http://127.0.0.1:"),
        "{err}"
    );
    assert!(err.contains("Connection refused"), "{err}");
}

/// `cognate <args>` with no `COGNATE_*` variable inherited.
fn cognate(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cognate"));
    cmd.args(args).stdin(Stdio::null());
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("COGNATE_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

#[tokio::test]
async fn the_apply_command_prints_each_object_and_the_totals() {
    let dir = TempDir::new("cli");
    let (url, _stop) = listen(&dir).await;
    let file = dir.path().join("cognate.toml");
    std::fs::write(&file, format!("{FAST}{DECLARED}")).unwrap();
    let run = |file: PathBuf, url: String| {
        tokio::task::spawn_blocking(move || {
            cognate(&["apply", file.to_str().unwrap(), "--endpoint", &url])
                .output()
                .unwrap()
        })
    };
    let out = run(file.clone(), url.clone()).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("created   pool   SecurePets (us-east-1_"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("5 created, 0 updated, 0 unchanged\n"),
        "{stdout}"
    );
    let out = run(file, url).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.ends_with("0 created, 0 updated, 5 unchanged\n"),
        "{stdout}"
    );
}

#[tokio::test]
async fn the_apply_command_fails_with_the_declaration_named() {
    let dir = TempDir::new("cli-fail");
    let (url, _stop) = listen(&dir).await;
    let file = dir.path().join("cognate.toml");
    std::fs::write(&file, DECLARED.replace("Corr3ct-Horse-Battery!", "short")).unwrap();
    let out = tokio::task::spawn_blocking(move || {
        cognate(&["apply", file.to_str().unwrap()])
            .env("COGNATE_ENDPOINT", &url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("created   group  SecurePets/staff"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pools[0].users[0]: AdminCreateUser failed: InvalidPasswordException"),
        "{stderr}"
    );
}

/// Runs `cognate serve` on the config file until it prints its banner (or
/// exits); returns the process, its URL and what it printed.
fn serve(dir: &Path, declarations: &str) -> (std::process::Child, Option<String>, String) {
    use std::io::{BufRead, BufReader, Read};
    let file = dir.join("cognate.toml");
    std::fs::write(&file, format!("{FAST}{declarations}")).unwrap();
    let data = dir.join("serve-data");
    let mut child = cognate(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data.to_str().unwrap(),
        "--config",
        file.to_str().unwrap(),
    ])
    .env("COGNATE_LOG", "info")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = lines
        .next()
        .and_then(Result::ok)
        .and_then(|l| l.strip_prefix("cognate listening on ").map(str::to_string));
    // The rest of the banner must find a reader.
    std::thread::spawn(move || lines.for_each(drop));
    let mut stderr = String::new();
    if url.is_none() {
        let _ = child.wait();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
    }
    (child, url, stderr)
}

#[tokio::test]
async fn serve_applies_the_config_file_before_it_listens() {
    let dir = TempDir::new("serve");
    let path = dir.path().to_path_buf();
    let (mut child, url, _) = tokio::task::spawn_blocking(move || serve(&path, DECLARED))
        .await
        .unwrap();
    let url = url.expect("the server printed its banner");
    let transport = Http::new(&url).unwrap();
    let cfg = config(dir.path(), DECLARED).unwrap();
    let mut report = Report::default();
    let applied = tokio::time::timeout(
        Duration::from_secs(30),
        apply::apply(&cfg.declared, &transport, &mut report),
    )
    .await;
    child.kill().unwrap();
    let _ = child.wait();
    applied.unwrap().unwrap();
    assert!(
        all(&report, Outcome::Unchanged),
        "serve had applied everything already: {report:?}"
    );
}

#[tokio::test]
async fn serve_stops_when_a_declaration_fails() {
    let dir = TempDir::new("serve-fail");
    let weak = DECLARED.replace("Corr3ct-Horse-Battery!", "short");
    let path = dir.path().to_path_buf();
    let (mut child, url, stderr) = tokio::task::spawn_blocking(move || serve(&path, &weak))
        .await
        .unwrap();
    let status = child.wait().unwrap();
    assert!(url.is_none(), "no banner");
    assert!(!status.success());
    assert!(
        stderr.contains("cognate: error: applying the [[pools]] and [[apis]] of "),
        "{stderr}"
    );
    assert!(
        stderr.contains("pools[0].users[0]: AdminCreateUser failed: InvalidPasswordException"),
        "{stderr}"
    );
}

#[test]
fn invalid_declarations_stop_the_config_from_loading() {
    let dir = TempDir::new("invalid");
    let err = config(
        dir.path(),
        "[[pools]]\nname = \"P\"\n[[pools]]\nname = \"P\"\n",
    )
    .unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "pools[1]: another pool is also named \"P\""
    );
}
