//! Configuration: `serve` flags, `COGNATE_*` environment variables and an
//! optional TOML file, merged with the precedence **flag > env > file >
//! default**.
//!
//! The environment is read through the [`Env`] trait, so tests pass a map and
//! never touch the process environment. Every file key, with its default, is
//! documented in `cognate.example.toml` at the repository root.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;
use cognate_core::service::Argon2Params;
use serde::Deserialize;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:4566";
pub const DEFAULT_DATA_DIR: &str = "./.cognate";
pub const DEFAULT_CONFIG_FILE: &str = "cognate.toml";
pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_ACCOUNT_ID: &str = "000000000000";
pub const DEFAULT_LOG: &str = "info";
pub const DEFAULT_SMTP_PORT: u16 = 587;
/// The SMTPS port, the default when `tls = "tls"`.
pub const DEFAULT_SMTPS_PORT: u16 = 465;

pub const ENV_LISTEN: &str = "COGNATE_LISTEN";
pub const ENV_DATA_DIR: &str = "COGNATE_DATA_DIR";
pub const ENV_ISSUER_URL: &str = "COGNATE_ISSUER_URL";
pub const ENV_CONFIG: &str = "COGNATE_CONFIG";
pub const ENV_MASTER_KEY: &str = "COGNATE_MASTER_KEY";
pub const ENV_LOG: &str = "COGNATE_LOG";
/// A `postgres://` URL: store everything in PostgreSQL instead of SQLite.
pub const ENV_DATABASE_URL: &str = "COGNATE_DATABASE_URL";
/// The URL every SMS message is POSTed to (overrides `[sms] webhook_url`).
pub const ENV_SMS_WEBHOOK_URL: &str = "COGNATE_SMS_WEBHOOK_URL";
/// Seconds to run the server's clock ahead of (or, negative, behind) real time.
pub const ENV_CLOCK_OFFSET: &str = "COGNATE_CLOCK_OFFSET_SECS";
/// The largest clock offset accepted: ten years.
const MAX_CLOCK_OFFSET_SECS: i64 = 10 * 366 * 24 * 3600;

// === Env ===

/// Where `COGNATE_*` variables come from. An empty value counts as unset.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

/// The real process environment; only `main` uses it.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl Env for HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty()).cloned()
    }
}

impl Env for HashMap<&str, &str> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .map(|v| v.to_string())
    }
}

/// The tracing filter: `COGNATE_LOG`, else `info`.
pub fn log_filter(env: &dyn Env) -> String {
    env.var(ENV_LOG).unwrap_or_else(|| DEFAULT_LOG.to_string())
}

// === Secret ===

/// A string that never shows in `Debug` output (master key, SMTP password).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

// === flags ===

/// Flags of `cognate serve`. Each overrides its environment variable and file key.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port
    /// [env: COGNATE_LISTEN] [default: 127.0.0.1:4566]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Directory for the database and the master key
    /// [env: COGNATE_DATA_DIR] [default: ./.cognate]
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Public base URL; a pool's token issuer is <URL>/<pool id>
    /// [env: COGNATE_ISSUER_URL] [default: http://<bound listen address>]
    #[arg(long, value_name = "URL")]
    pub issuer_url: Option<String>,
    /// TOML config file [env: COGNATE_CONFIG] [default: ./cognate.toml if it exists]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

// === file ===

/// The TOML file. Unknown keys are errors, so a typo never goes unnoticed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub issuer_url: Option<String>,
    pub region: Option<String>,
    pub account_id: Option<String>,
    pub database_url: Option<String>,
    pub clock_offset_secs: Option<i64>,
    #[serde(default)]
    pub passwords: PasswordsFile,
    pub smtp: Option<SmtpFile>,
    /// `[sms]`: where SMS messages go instead of the log.
    pub sms: Option<SmsFile>,
    #[serde(default)]
    pub gateway: GatewayFile,
    /// `[triggers]`: Lambda ARN -> the URL of the hook that stands for it,
    /// for pools whose LambdaConfig names ARNs rather than URLs.
    #[serde(default)]
    pub triggers: std::collections::BTreeMap<String, String>,
    /// `[[pools]]`: user pools (with clients, groups, users) to apply.
    #[serde(default)]
    pub pools: Vec<crate::apply::PoolSpec>,
    /// `[[apis]]`: REST APIs to apply and deploy.
    #[serde(default)]
    pub apis: Vec<crate::apply::ApiSpec>,
}

/// `[gateway]`: the data plane's settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayFile {
    /// User pool id -> issuer URL, for pools that live elsewhere (another
    /// cognate, or Cognito itself when the default
    /// `https://cognito-idp.<region>.amazonaws.com/<pool id>` does not fit).
    #[serde(default)]
    pub remote_issuers: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordsFile {
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
}

impl Default for PasswordsFile {
    fn default() -> Self {
        let d = Argon2Params::default();
        PasswordsFile {
            argon2_memory_kib: d.memory_kib,
            argon2_iterations: d.iterations,
            argon2_parallelism: d.parallelism,
        }
    }
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpFile {
    pub host: String,
    pub port: Option<u16>,
    pub from: String,
    #[serde(default)]
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl fmt::Debug for SmtpFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpFile")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// `[sms]`: SMS delivery through an HTTP webhook.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsFile {
    /// Every SMS message is POSTed here as JSON.
    pub webhook_url: Option<String>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text (a local sink or relay only).
    None,
    /// Plain connection upgraded with STARTTLS; the upgrade is required.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

impl FileConfig {
    /// Parses TOML text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> anyhow::Result<Self> {
        toml::from_str(text).with_context(|| format!("invalid config file {}", origin.display()))
    }

    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config file {}", path.display()))?;
        Self::parse(&text, path)
    }
}

// === resolved ===

/// Everything `serve` needs, merged and validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// `host:port` as given; resolved when binding.
    pub listen: String,
    pub data_dir: PathBuf,
    /// `None`: `http://<bound address>`. Never ends with `/`.
    pub issuer_url: Option<String>,
    pub region: String,
    pub account_id: String,
    pub argon2: Argon2Params,
    pub smtp: Option<SmtpConfig>,
    /// `COGNATE_SMS_WEBHOOK_URL`, else `[sms] webhook_url`: SMS messages are
    /// POSTed there instead of written to the log.
    pub sms: Option<SmsConfig>,
    /// `COGNATE_MASTER_KEY`, if set (else the key file under `data_dir`).
    pub master_key: Option<Secret>,
    /// `COGNATE_DATABASE_URL`, else the file's `database_url`: PostgreSQL
    /// instead of SQLite. The scheme is checked when the store is chosen
    /// ([`crate::server::Storage::choose`]).
    pub database_url: Option<Secret>,
    /// The file that was read, if any.
    pub config_file: Option<PathBuf>,
    /// How far the server's clock runs ahead of real time (negative: behind).
    pub clock_offset_secs: i64,
    /// Pool id -> issuer URL for authorizers whose pools live elsewhere.
    pub remote_issuers: std::collections::BTreeMap<String, String>,
    /// Lambda ARN -> hook URL, from `[triggers]`.
    pub triggers: std::collections::BTreeMap<String, String>,
    /// The file's `[[pools]]` and `[[apis]]`, applied at start-up.
    pub declared: crate::apply::Declared,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub from: String,
    pub tls: SmtpTls,
    /// `(username, password)`.
    pub credentials: Option<(String, Secret)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsConfig {
    /// An http:// or https:// URL.
    pub webhook_url: String,
}

impl Config {
    /// Finds and reads the config file (`--config`, else `COGNATE_CONFIG`,
    /// else `cognate.toml` in `cwd` if it exists), then merges.
    pub fn load(args: &ServeArgs, env: &dyn Env, cwd: &Path) -> anyhow::Result<Self> {
        let explicit = args
            .config
            .clone()
            .or_else(|| env.var(ENV_CONFIG).map(PathBuf::from));
        let path = match explicit {
            Some(p) => Some(p),
            None => Some(cwd.join(DEFAULT_CONFIG_FILE)).filter(|p| p.is_file()),
        };
        let file = path.as_deref().map(FileConfig::read).transpose()?;
        let mut cfg = Self::from_sources(args, env, file)?;
        if let Some(p) = &path {
            cfg.declared.base_dir = crate::apply::base_dir(p);
        }
        cfg.config_file = path;
        Ok(cfg)
    }

    /// Merges flag > env > file > default and validates. Pure: no file or
    /// process-environment access.
    pub fn from_sources(
        args: &ServeArgs,
        env: &dyn Env,
        file: Option<FileConfig>,
    ) -> anyhow::Result<Self> {
        let file = file.unwrap_or_default();
        let listen = args
            .listen
            .clone()
            .or_else(|| env.var(ENV_LISTEN))
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        if listen.trim().is_empty() {
            bail!("listen address is empty");
        }
        let data_dir = args
            .data_dir
            .clone()
            .or_else(|| env.var(ENV_DATA_DIR).map(PathBuf::from))
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let issuer_url = args
            .issuer_url
            .clone()
            .or_else(|| env.var(ENV_ISSUER_URL))
            .or(file.issuer_url)
            .map(|u| check_http_url(&u))
            .transpose()?;
        let region = file.region.unwrap_or_else(|| DEFAULT_REGION.to_string());
        check_region(&region)?;
        let account_id = file
            .account_id
            .unwrap_or_else(|| DEFAULT_ACCOUNT_ID.to_string());
        if account_id.len() != 12 || !account_id.bytes().all(|b| b.is_ascii_digit()) {
            bail!("account_id must be 12 digits, got {account_id:?}");
        }
        let p = file.passwords;
        let argon2 = Argon2Params {
            memory_kib: p.argon2_memory_kib,
            iterations: p.argon2_iterations,
            parallelism: p.argon2_parallelism,
        };
        check_argon2(&argon2)?;
        let smtp = file.smtp.map(SmtpConfig::from_file).transpose()?;
        let sms = env
            .var(ENV_SMS_WEBHOOK_URL)
            .or(file.sms.and_then(|s| s.webhook_url))
            .map(|url| {
                check_http_url(&url)
                    .map(|webhook_url| SmsConfig { webhook_url })
                    .context("[sms] webhook_url")
            })
            .transpose()?;
        let clock_offset_secs = match env.var(ENV_CLOCK_OFFSET) {
            Some(v) => v.trim().parse::<i64>().with_context(|| {
                format!("{ENV_CLOCK_OFFSET} must be a whole number of seconds, got {v:?}")
            })?,
            None => file.clock_offset_secs.unwrap_or(0),
        };
        if clock_offset_secs.abs() > MAX_CLOCK_OFFSET_SECS {
            bail!(
                "clock_offset_secs must be within ten years of real time, got {clock_offset_secs}"
            );
        }
        let remote_issuers = file
            .gateway
            .remote_issuers
            .into_iter()
            .map(|(pool, url)| {
                let url = check_http_url(&url)
                    .with_context(|| format!("[gateway.remote_issuers] {pool:?}"))?;
                Ok((pool, url))
            })
            .collect::<anyhow::Result<_>>()?;
        let triggers = file
            .triggers
            .into_iter()
            .map(|(arn, url)| {
                let url = check_http_url(&url).with_context(|| format!("[triggers] {arn:?}"))?;
                Ok((arn, url))
            })
            .collect::<anyhow::Result<_>>()?;
        let declared = crate::apply::Declared::new(file.pools, file.apis)?;
        Ok(Config {
            listen,
            data_dir,
            issuer_url,
            region,
            account_id,
            argon2,
            smtp,
            sms,
            master_key: env.var(ENV_MASTER_KEY).map(Secret),
            database_url: env
                .var(ENV_DATABASE_URL)
                .or(file.database_url.filter(|u| !u.trim().is_empty()))
                .map(Secret),
            config_file: None,
            clock_offset_secs,
            remote_issuers,
            triggers,
            declared,
        })
    }
}

impl SmtpConfig {
    fn from_file(f: SmtpFile) -> anyhow::Result<Self> {
        if f.host.trim().is_empty() {
            bail!("[smtp] host is empty");
        }
        if f.from.trim().is_empty() {
            bail!("[smtp] from is empty");
        }
        let port = f.port.unwrap_or(match f.tls {
            SmtpTls::Tls => DEFAULT_SMTPS_PORT,
            SmtpTls::None | SmtpTls::Starttls => DEFAULT_SMTP_PORT,
        });
        let credentials = match (f.username, f.password) {
            (Some(u), Some(p)) => Some((u, Secret(p))),
            (None, None) => None,
            (Some(_), None) => bail!("[smtp] username is set but password is not"),
            (None, Some(_)) => bail!("[smtp] password is set but username is not"),
        };
        Ok(SmtpConfig {
            host: f.host,
            port,
            from: f.from,
            tls: f.tls,
            credentials,
        })
    }
}

/// An http:// or https:// URL with a host, without a trailing slash.
fn check_http_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => {
            Ok(url.to_string())
        }
        _ => bail!("issuer URL must be an http:// or https:// URL, got {url:?}"),
    }
}

fn check_region(region: &str) -> anyhow::Result<()> {
    let ok = !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        bail!("region must look like us-east-1, got {region:?}");
    }
    Ok(())
}

/// The limits of argon2 itself, checked here so a bad value is an error at
/// start-up instead of a silent fallback.
fn check_argon2(p: &Argon2Params) -> anyhow::Result<()> {
    if p.iterations < 1 {
        bail!("[passwords] argon2_iterations must be at least 1");
    }
    if !(1..=0xFF_FFFF).contains(&p.parallelism) {
        bail!("[passwords] argon2_parallelism must be between 1 and 16777215");
    }
    if p.memory_kib < 8 * p.parallelism {
        bail!("[passwords] argon2_memory_kib must be at least 8 x argon2_parallelism");
    }
    Ok(())
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
