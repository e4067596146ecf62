//! The built binary, started the way users start it, and config file lookup.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cognate::config::{Config, ServeArgs};

const LIMIT: Duration = Duration::from_secs(30);
const LISTENING: &str = "cognate listening on http://";

// === helpers ===

/// A directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("cognate-cli-{tag}-{}-{n}", std::process::id()));
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

/// `cognate <args>` in `cwd`, with no `COGNATE_*` variable inherited.
fn cognate(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cognate"));
    cmd.args(args).current_dir(cwd);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("COGNATE_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// A running server; killed on drop if the test did not stop it.
struct Running {
    child: Child,
    addr: String,
    stdout: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` and reads stdout up to the admin-calls line of the banner.
fn start(cwd: &Path, data_dir: &Path) -> Running {
    let mut child = cognate(
        cwd,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data_dir.to_str().unwrap(),
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("spawning cognate");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + LIMIT;
    let mut lines = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no banner from cognate; stdout so far: {lines:?}"));
        let done = line.contains("admin calls");
        lines.push(line);
        if done {
            break;
        }
    }
    let addr = lines[0]
        .strip_prefix(LISTENING)
        .unwrap_or_else(|| panic!("first line is not the listening line: {lines:?}"))
        .to_string();
    Running {
        child,
        addr,
        stdout: lines,
    }
}

fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(LIMIT)).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

fn sigterm_and_wait(run: &mut Running) -> std::process::ExitStatus {
    let pid = run.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + LIMIT;
    loop {
        if let Some(status) = run.child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "cognate did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

// === the binary ===

#[test]
fn binary_prints_listening_line_serves_health_and_exits_0_on_sigterm() {
    let dir = TempDir::new("serve");
    let data = dir.path().join("data");
    let mut run = start(dir.path(), &data);
    assert!(run.addr.starts_with("127.0.0.1:"), "{:?}", run.stdout);
    assert!(!run.addr.ends_with(":0"), "{:?}", run.stdout);
    let banner = run.stdout.join("\n");
    assert!(
        banner.contains(&format!("issuer URL: http://{}", run.addr)),
        "{banner}"
    );
    assert!(banner.contains("cognate.db"), "{banner}");

    let (status, body) = get(&run.addr, "/health");
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));

    let status = sigterm_and_wait(&mut run);
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(data.join("cognate.db").exists());
}

#[test]
fn binary_reuses_its_master_key_file_across_restarts() {
    let dir = TempDir::new("restart");
    let data = dir.path().join("data");
    let key_file = data.join("master.key");

    let mut first = start(dir.path(), &data);
    assert!(first.stdout.join("\n").contains("(created)"));
    assert_eq!(sigterm_and_wait(&mut first).code(), Some(0));
    let key = std::fs::read_to_string(&key_file).unwrap();
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    let mut second = start(dir.path(), &data);
    let banner = second.stdout.join("\n");
    assert!(!banner.contains("(created)"), "{banner}");
    assert!(!banner.contains(key.trim()), "the banner shows the key");
    assert_eq!(sigterm_and_wait(&mut second).code(), Some(0));
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), key);
}

#[test]
fn binary_refuses_a_config_file_with_an_unknown_key() {
    let dir = TempDir::new("typo");
    std::fs::write(dir.path().join("cognate.toml"), "data_dri = \"x\"\n").unwrap();
    let out = cognate(dir.path(), &["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown field"), "{stderr}");
    assert!(stderr.contains("data_dri"), "{stderr}");
    assert!(!dir.path().join(".cognate").exists());
}

// === config file lookup ===

fn no_env() -> HashMap<&'static str, &'static str> {
    HashMap::new()
}

#[test]
fn cognate_toml_in_the_working_directory_is_read() {
    let dir = TempDir::new("cwd-file");
    std::fs::write(dir.path().join("cognate.toml"), "region = \"eu-west-1\"\n").unwrap();
    let cfg = Config::load(&ServeArgs::default(), &no_env(), dir.path()).unwrap();
    assert_eq!(cfg.region, "eu-west-1");
    assert_eq!(cfg.config_file, Some(dir.path().join("cognate.toml")));
}

#[test]
fn no_config_file_means_defaults() {
    let dir = TempDir::new("no-file");
    let cfg = Config::load(&ServeArgs::default(), &no_env(), dir.path()).unwrap();
    assert_eq!(cfg.config_file, None);
    assert_eq!(cfg.region, "us-east-1");
}

#[test]
fn config_flag_beats_env_and_working_directory_file() {
    let dir = TempDir::new("which-file");
    let write = |name: &str, region: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, format!("region = \"{region}\"\n")).unwrap();
        p
    };
    write("cognate.toml", "us-east-2");
    let from_env = write("env.toml", "eu-west-2");
    let from_flag = write("flag.toml", "ap-south-1");
    let env: HashMap<&str, &str> = [("COGNATE_CONFIG", from_env.to_str().unwrap())].into();

    let cfg = Config::load(&ServeArgs::default(), &env, dir.path()).unwrap();
    assert_eq!(cfg.region, "eu-west-2");

    let args = ServeArgs {
        config: Some(from_flag),
        ..ServeArgs::default()
    };
    let cfg = Config::load(&args, &env, dir.path()).unwrap();
    assert_eq!(cfg.region, "ap-south-1");
}

#[test]
fn a_named_config_file_that_is_missing_is_an_error() {
    let dir = TempDir::new("missing");
    let args = ServeArgs {
        config: Some(dir.path().join("nope.toml")),
        ..ServeArgs::default()
    };
    let err = Config::load(&args, &no_env(), dir.path()).unwrap_err();
    assert!(format!("{err:#}").contains("nope.toml"));
}
