//! The key ring: each pool's signing keys, decrypted once and kept in memory,
//! so minting and verifying tokens never touches the store after first use.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use cognate_tokens::{KeySet, MasterKey, SigningKey};

use crate::model::{KeyUse, PoolKey};
use crate::store::Store;
use crate::{CoreError, CoreResult};

/// A pool's live keys: one for ID tokens, one for access tokens, and the set
/// that verifies both (what the JWKS publishes).
pub struct PoolKeys {
    pub id: SigningKey,
    pub access: SigningKey,
    pub verify: KeySet,
}

pub struct KeyRing {
    store: Arc<dyn Store>,
    master_key: Arc<MasterKey>,
    pools: RwLock<HashMap<String, Arc<PoolKeys>>>,
}

pub(crate) fn key_aad(pool_id: &str, kid: &str) -> String {
    format!("pool-key:{pool_id}:{kid}")
}

impl KeyRing {
    pub fn new(store: Arc<dyn Store>, master_key: Arc<MasterKey>) -> Self {
        KeyRing {
            store,
            master_key,
            pools: RwLock::new(HashMap::new()),
        }
    }

    /// Generates a pool's two key pairs and their sealed records. RSA key
    /// generation is slow, so it runs off the async workers.
    pub(crate) async fn generate(
        &self,
        pool_id: &str,
        id_kid: String,
        access_kid: String,
        now_ms: i64,
    ) -> CoreResult<Vec<PoolKey>> {
        let (id, access) = tokio::task::spawn_blocking(move || {
            Ok::<_, cognate_tokens::TokenError>((
                SigningKey::generate(id_kid)?,
                SigningKey::generate(access_kid)?,
            ))
        })
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))??;
        let seal = |key: &SigningKey, key_use| PoolKey {
            pool_id: pool_id.to_string(),
            kid: key.kid().to_string(),
            key_use,
            sealed_pkcs8: self
                .master_key
                .seal(&key.to_pkcs8(), key_aad(pool_id, key.kid()).as_bytes()),
            created_ms: now_ms,
        };
        let records = vec![
            seal(&id, KeyUse::IdToken),
            seal(&access, KeyUse::AccessToken),
        ];
        let verify = KeySet::new([id.verifying_key(), access.verifying_key()]);
        self.insert(pool_id, PoolKeys { id, access, verify });
        Ok(records)
    }

    fn insert(&self, pool_id: &str, keys: PoolKeys) {
        self.pools
            .write()
            .expect("key ring lock")
            .insert(pool_id.to_string(), Arc::new(keys));
    }

    pub fn forget(&self, pool_id: &str) {
        self.pools.write().expect("key ring lock").remove(pool_id);
    }

    /// The cached keys of a pool, if loaded.
    pub fn cached(&self, pool_id: &str) -> Option<Arc<PoolKeys>> {
        self.pools
            .read()
            .expect("key ring lock")
            .get(pool_id)
            .cloned()
    }

    /// The keys of a pool, loading and decrypting them on first use.
    pub async fn get(&self, pool_id: &str) -> CoreResult<Arc<PoolKeys>> {
        if let Some(k) = self.cached(pool_id) {
            return Ok(k);
        }
        let records = self.store.pool_keys(pool_id).await?;
        let open = |use_: KeyUse| -> CoreResult<SigningKey> {
            let rec = records
                .iter()
                .filter(|r| r.key_use == use_)
                .max_by_key(|r| r.created_ms)
                .ok_or_else(|| CoreError::pool_not_found(pool_id))?;
            let der = self
                .master_key
                .open(&rec.sealed_pkcs8, key_aad(pool_id, &rec.kid).as_bytes())
                .map_err(|e| {
                    CoreError::Internal(format!(
                        "cannot open signing key {} of pool {pool_id} (wrong master key?): {e}",
                        rec.kid
                    ))
                })?;
            Ok(SigningKey::from_pkcs8(rec.kid.clone(), &der)?)
        };
        let id = open(KeyUse::IdToken)?;
        let access = open(KeyUse::AccessToken)?;
        let mut verify = KeySet::new([id.verifying_key(), access.verifying_key()]);
        for rec in &records {
            if rec.kid != id.kid() && rec.kid != access.kid() {
                if let Ok(der) = self
                    .master_key
                    .open(&rec.sealed_pkcs8, key_aad(pool_id, &rec.kid).as_bytes())
                {
                    if let Ok(k) = SigningKey::from_pkcs8(rec.kid.clone(), &der) {
                        verify.insert(k.verifying_key());
                    }
                }
            }
        }
        self.insert(pool_id, PoolKeys { id, access, verify });
        Ok(self.cached(pool_id).expect("just inserted"))
    }
}
