//! Declarative configuration: the `[[pools]]` and `[[apis]]` of
//! `cognate.toml`, made true on a server.
//!
//! Apply speaks only the public APIs (cognito-idp and apigateway), through
//! a [`Transport`]: at `serve` start-up the server's own router is called in
//! process ([`InProcess`]); `cognate apply FILE` calls a running server over
//! HTTP ([`Http`]). Either way apply does what an operator's script would,
//! and nothing it does needs access to the server's internals.
//!
//! Applying is idempotent: objects are found by name (pools by pool name,
//! app clients by client name within their pool, groups by name, users by
//! username, APIs by name), created when missing, updated only where the
//! declaration differs, and left alone otherwise; a second apply of the
//! same file changes nothing. A REST API is generated as an OpenAPI 3
//! document, imported (new) or put in overwrite mode (existing) and deployed
//! to its stage; the deployment's description records the document's
//! SHA-256 (`cognate:declaration-sha256=<hex>`), so an API whose stage
//! already serves the same document is neither put nor redeployed.
//!
//! Layout: [`spec`] (the file's shapes), `check` (what needs no server),
//! [`transport`],
//! `calls` (the two APIs' wire), `pools`, `clients`, `members` (groups and
//! users), `openapi` (document generation) and `apis` (import, deploy).

mod apis;
mod calls;
mod check;
mod clients;
mod members;
mod openapi;
mod pools;
pub mod spec;
pub mod transport;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

pub use self::spec::{ApiSpec, Declared, PoolSpec};
pub use self::transport::{Http, InProcess, Transport};
use crate::config::{Config, Env, FileConfig};

use self::calls::Calls;

/// Where `cognate apply` sends its calls when neither `--endpoint` nor
/// `COGNATE_ENDPOINT` says.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:4566";
pub const ENV_ENDPOINT: &str = "COGNATE_ENDPOINT";

// === report ===

/// What applying did to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
        }
    }
}

/// One declared object and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `pool`, `client`, `group`, `user` or `api`.
    pub kind: &'static str,
    /// The declared name (`Pool/client` for members of a pool).
    pub name: String,
    /// The server's id for it, when it has one.
    pub id: Option<String>,
    pub outcome: Outcome,
    /// What changed, or what the server warned about.
    pub note: Option<String>,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<9} {:<6} {}",
            self.outcome.as_str(),
            self.kind,
            self.name
        )?;
        if let Some(id) = &self.id {
            write!(f, " ({id})")?;
        }
        if let Some(note) = &self.note {
            write!(f, ": {note}")?;
        }
        Ok(())
    }
}

/// Everything one apply did, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub changes: Vec<Change>,
}

impl Report {
    fn record(
        &mut self,
        kind: &'static str,
        name: impl Into<String>,
        id: Option<&str>,
        outcome: Outcome,
        note: Option<String>,
    ) {
        self.changes.push(Change {
            kind,
            name: name.into(),
            id: id.map(str::to_string),
            outcome,
            note,
        });
    }

    /// How many objects had `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.changes.iter().filter(|c| c.outcome == outcome).count()
    }

    /// `2 created, 1 updated, 5 unchanged`.
    pub fn totals(&self) -> String {
        format!(
            "{} created, {} updated, {} unchanged",
            self.count(Outcome::Created),
            self.count(Outcome::Updated),
            self.count(Outcome::Unchanged)
        )
    }

    /// The change of `kind` named `name`, if it was applied.
    pub fn find(&self, kind: &str, name: &str) -> Option<&Change> {
        self.changes
            .iter()
            .find(|c| c.kind == kind && c.name == name)
    }
}

// === applying ===

/// A pool as the server knows it, for what refers to it.
#[derive(Debug, Clone)]
struct PoolRef {
    id: String,
    arn: String,
}

/// Applies every declaration, pools first (APIs' authorizers refer to
/// them), in file order. Each object applied is added to `report`, so a
/// caller can show how far an apply that failed got. Errors name the
/// declaration (`pools[0].users[2]: ...`) and carry the server's AWS error
/// code and message.
pub async fn apply(
    declared: &Declared,
    transport: &dyn Transport,
    report: &mut Report,
) -> anyhow::Result<()> {
    let calls = Calls::new(transport);
    let mut pools: BTreeMap<String, PoolRef> = BTreeMap::new();
    for (i, spec) in declared.pools.iter().enumerate() {
        let at = format!("pools[{i}]");
        let pool = pools::apply(calls, &at, spec, report).await?;
        clients::apply(calls, &at, spec, &pool, report).await?;
        members::apply(calls, &at, spec, &pool, report).await?;
        pools.insert(spec.name.clone(), pool);
    }
    for (i, spec) in declared.apis.iter().enumerate() {
        let at = format!("apis[{i}]");
        let document = match &spec.openapi {
            Some(file) => openapi::from_file(&at, spec, &declared.base_dir.join(file), &pools)?,
            None => openapi::generate(&at, spec, &pools)?,
        };
        apis::apply(calls, &at, spec, &document, report).await?;
    }
    Ok(())
}

/// `serve`'s start-up: applies the config file's declarations (if any)
/// through the server's own router and logs what it did at info.
pub async fn apply_on_start(cfg: &Config, router: axum::Router) -> anyhow::Result<Report> {
    let mut report = Report::default();
    if cfg.declared.is_empty() {
        return Ok(report);
    }
    let result = apply(&cfg.declared, &InProcess::new(router), &mut report).await;
    for change in &report.changes {
        tracing::info!("declaration applied: {change}");
    }
    let file = cfg
        .config_file
        .as_deref()
        .unwrap_or(Path::new("the config file"));
    result.with_context(|| format!("applying the [[pools]] and [[apis]] of {}", file.display()))?;
    tracing::info!("declarations applied: {}", report.totals());
    Ok(report)
}

// === the `apply` command ===

/// Flags of `cognate apply`.
#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    /// The TOML file whose [[pools]] and [[apis]] to apply (a whole
    /// cognate.toml; its server settings are ignored)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The server's URL [env: COGNATE_ENDPOINT] [default: http://127.0.0.1:4566]
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
}

/// Reads the file's declarations (relative paths in it are taken from its
/// directory).
pub fn read_declared(path: &Path) -> anyhow::Result<Declared> {
    let file = FileConfig::read(path)?;
    let mut declared = Declared::new(file.pools, file.apis)
        .with_context(|| format!("invalid declarations in {}", path.display()))?;
    declared.base_dir = base_dir(path);
    Ok(declared)
}

/// The directory of a config file (`.` for a bare file name).
pub fn base_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What `cognate apply` does: applies FILE to the server at the endpoint
/// and prints one line per object, then the totals.
pub async fn run(
    args: &ApplyArgs,
    env: &dyn Env,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    let declared = read_declared(&args.file)?;
    let endpoint = args
        .endpoint
        .clone()
        .or_else(|| env.var(ENV_ENDPOINT))
        .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
    if declared.is_empty() {
        writeln!(
            out,
            "{} declares no [[pools]] or [[apis]]; nothing to apply",
            args.file.display()
        )?;
        return Ok(());
    }
    let transport = Http::new(&endpoint)?;
    let mut report = Report::default();
    let result = apply(&declared, &transport, &mut report).await;
    for change in &report.changes {
        writeln!(out, "{change}")?;
    }
    result.with_context(|| format!("applying {} to {endpoint}", args.file.display()))?;
    writeln!(out, "{}", report.totals())?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_prints_outcome_kind_name_id_and_note() {
        let mut r = Report::default();
        r.record(
            "pool",
            "SecurePets",
            Some("us-east-1_abc"),
            Outcome::Created,
            None,
        );
        r.record(
            "client",
            "SecurePets/web",
            None,
            Outcome::Updated,
            Some("explicit_auth_flows".into()),
        );
        r.record("user", "SecurePets/pat", None, Outcome::Unchanged, None);
        let lines: Vec<String> = r.changes.iter().map(ToString::to_string).collect();
        assert_eq!(lines[0], "created   pool   SecurePets (us-east-1_abc)");
        assert_eq!(
            lines[1],
            "updated   client SecurePets/web: explicit_auth_flows"
        );
        assert_eq!(lines[2], "unchanged user   SecurePets/pat");
        assert_eq!(r.totals(), "1 created, 1 updated, 1 unchanged");
    }

    #[test]
    fn relative_paths_are_taken_from_the_file_directory() {
        assert_eq!(base_dir(Path::new("cognate.toml")), PathBuf::from("."));
        assert_eq!(
            base_dir(Path::new("examples/securepets/cognate.toml")),
            PathBuf::from("examples/securepets")
        );
    }
}
