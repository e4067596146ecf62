//! Where the master key comes from: `COGNATE_MASTER_KEY`, else
//! `<data_dir>/master.key`, created (mode 0600) on first start. The key is
//! never logged or printed; errors name the source, not the value.

use std::fmt;
use std::fs;
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use cognate_tokens::MasterKey;

use crate::config::{Secret, ENV_MASTER_KEY};

pub const KEY_FILE: &str = "master.key";

/// Where the key in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Env,
    File { path: PathBuf, created: bool },
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Env => write!(f, "from {ENV_MASTER_KEY}"),
            KeySource::File {
                path,
                created: true,
            } => write!(f, "{} (created)", path.display()),
            KeySource::File { path, .. } => write!(f, "{}", path.display()),
        }
    }
}

/// The key from the environment value if given, else from (or newly into)
/// the key file under `data_dir`, which must exist.
pub fn load(env_value: Option<&Secret>, data_dir: &Path) -> anyhow::Result<(MasterKey, KeySource)> {
    if let Some(v) = env_value {
        let key = MasterKey::from_encoded(v.expose())
            .map_err(|e| anyhow!("{ENV_MASTER_KEY} is not a valid master key: {e}"))?;
        return Ok((key, KeySource::Env));
    }
    let path = data_dir.join(KEY_FILE);
    match read(&path)? {
        Some(key) => Ok((
            key,
            KeySource::File {
                path,
                created: false,
            },
        )),
        None => {
            let key = create(&path)?;
            Ok((
                key,
                KeySource::File {
                    path,
                    created: true,
                },
            ))
        }
    }
}

/// `None` if the file does not exist.
fn read(path: &Path) -> anyhow::Result<Option<MasterKey>> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if let Ok(meta) = fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                "the master key file is readable by other users; chmod 600 it"
            );
        }
    }
    let key = MasterKey::from_encoded(&text)
        .map_err(|e| anyhow!("{} does not hold a valid master key: {e}", path.display()))?;
    Ok(Some(key))
}

/// Writes a new key to a private temporary file, fsyncs it, and links it into
/// place without overwriting: a crash never leaves a half-written key file,
/// and of two processes starting at once both end up with the same key.
fn create(path: &Path) -> anyhow::Result<MasterKey> {
    let key = MasterKey::generate().map_err(|e| anyhow!("generating a master key: {e}"))?;
    let tmp = path.with_extension(format!("key.{}.tmp", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    let written = f
        .write_all(format!("{}\n", key.encoded()).as_bytes())
        .and_then(|()| f.sync_all());
    drop(f);
    let linked = written.and_then(|()| fs::hard_link(&tmp, path));
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            if let Some(dir) = path.parent() {
                // Make the new directory entry durable too.
                if let Ok(d) = fs::File::open(dir) {
                    let _ = d.sync_all();
                }
            }
            Ok(key)
        }
        // Another process won the race: use its key.
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            read(path)?.ok_or_else(|| anyhow!("{} vanished while starting", path.display()))
        }
        Err(e) => Err(e).with_context(|| format!("writing {}", path.display())),
    }
}
