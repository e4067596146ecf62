//! App clients: create, describe, list, update, delete.
//!
//! Update follows AWS: settings that are not given return to their defaults;
//! the client's name (when not given) and its secret are kept.

use super::{client_secret_aad, UserPools};
use crate::model::{AppClient, Passthrough, RefreshTokenRotation, TimeUnit, UserPool, Validity};
use crate::rng::RngExt;
use crate::{CoreError, CoreResult};

/// Every value ExplicitAuthFlows accepts.
pub const AUTH_FLOWS: &[&str] = &[
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_AUTH",
];
/// The flows of a client created without ExplicitAuthFlows.
pub const DEFAULT_AUTH_FLOWS: &[&str] = &[
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_CUSTOM_AUTH",
];
pub const DEFAULT_ACCESS_VALIDITY: Validity = Validity {
    value: 1,
    unit: TimeUnit::Hours,
};
pub const DEFAULT_ID_VALIDITY: Validity = Validity {
    value: 1,
    unit: TimeUnit::Hours,
};
pub const DEFAULT_REFRESH_VALIDITY: Validity = Validity {
    value: 30,
    unit: TimeUnit::Days,
};
pub const DEFAULT_AUTH_SESSION_MINUTES: u32 = 3;
const CLIENT_ID_LEN: usize = 26;
const CLIENT_SECRET_LEN: usize = 51;
/// The longest grace period a rotated-out refresh token may keep.
const MAX_RETRY_GRACE_SECONDS: u32 = 60;

/// The settings CreateUserPoolClient and UpdateUserPoolClient both take.
/// `None` means "not given": the default applies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientSettings {
    pub explicit_auth_flows: Option<Vec<String>>,
    pub access_token_validity: Option<i64>,
    pub id_token_validity: Option<i64>,
    pub refresh_token_validity: Option<i64>,
    pub access_token_unit: Option<TimeUnit>,
    pub id_token_unit: Option<TimeUnit>,
    pub refresh_token_unit: Option<TimeUnit>,
    pub auth_session_validity_minutes: Option<i64>,
    pub read_attributes: Vec<String>,
    pub write_attributes: Vec<String>,
    /// `ENABLED` is true, `LEGACY` (the default) false.
    pub prevent_user_existence_errors: Option<bool>,
    pub enable_token_revocation: Option<bool>,
    /// `None` leaves rotation unconfigured (off).
    pub refresh_token_rotation: Option<RefreshTokenRotation>,
    pub passthrough: Passthrough,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientSpec {
    pub name: String,
    pub generate_secret: bool,
    /// A secret chosen by the caller (24-64 word characters or `+`).
    pub client_secret: Option<String>,
    pub settings: ClientSettings,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientUpdate {
    /// None keeps the current name.
    pub name: Option<String>,
    pub settings: ClientSettings,
}

impl UserPools {
    pub async fn create_user_pool_client(
        &self,
        pool_id: &str,
        spec: ClientSpec,
    ) -> CoreResult<AppClient> {
        let pool = self.pool(pool_id).await?;
        check_client_name(&spec.name)?;
        let now = self.clock.now_ms();
        let mut client = AppClient {
            pool_id: pool.id.clone(),
            client_id: self.rng.lower_alnum(CLIENT_ID_LEN),
            name: spec.name,
            sealed_secret: None,
            created_ms: now,
            modified_ms: now,
            explicit_auth_flows: Vec::new(),
            access_token_validity: DEFAULT_ACCESS_VALIDITY,
            id_token_validity: DEFAULT_ID_VALIDITY,
            refresh_token_validity: DEFAULT_REFRESH_VALIDITY,
            validity_explicit: false,
            auth_session_validity_minutes: DEFAULT_AUTH_SESSION_MINUTES,
            read_attributes: Vec::new(),
            write_attributes: Vec::new(),
            prevent_user_existence_errors: false,
            enable_token_revocation: true,
            passthrough: Passthrough::new(),
            refresh_token_rotation: None,
        };
        apply_settings(&pool, &mut client, spec.settings, "creating")?;
        let secret = match spec.client_secret {
            Some(s) => {
                check_secret(&s)?;
                Some(s)
            }
            None if spec.generate_secret => Some(self.rng.lower_alnum(CLIENT_SECRET_LEN)),
            None => None,
        };
        if let Some(secret) = secret {
            let aad = client_secret_aad(&client);
            client.sealed_secret = Some(self.master_key.seal(secret.as_bytes(), aad.as_bytes()));
        }
        self.store.create_client(&client).await?;
        Ok(client)
    }

    pub async fn describe_user_pool_client(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> CoreResult<AppClient> {
        let pool = self.pool(pool_id).await?;
        self.client(&pool.id, client_id).await
    }

    /// Clients ordered by id, after the id `after`, at most `limit`.
    pub async fn list_user_pool_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> CoreResult<Vec<AppClient>> {
        let pool = self.pool(pool_id).await?;
        Ok(self.store.list_clients(&pool.id, after, limit).await?)
    }

    pub async fn update_user_pool_client(
        &self,
        pool_id: &str,
        client_id: &str,
        update: ClientUpdate,
    ) -> CoreResult<AppClient> {
        let pool = self.pool(pool_id).await?;
        let mut client = self.client(&pool.id, client_id).await?;
        if let Some(name) = update.name {
            check_client_name(&name)?;
            client.name = name;
        }
        apply_settings(&pool, &mut client, update.settings, "updating")?;
        client.modified_ms = self.clock.now_ms();
        self.store.update_client(&client).await?;
        Ok(client)
    }

    pub async fn delete_user_pool_client(&self, pool_id: &str, client_id: &str) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let client = self.client(&pool.id, client_id).await?;
        self.store
            .delete_client(&pool.id, &client.client_id)
            .await?;
        Ok(())
    }
}

/// Replaces every setting of `client` with `s` (defaults where not given).
fn apply_settings(
    pool: &UserPool,
    client: &mut AppClient,
    s: ClientSettings,
    doing: &str,
) -> CoreResult<()> {
    client.explicit_auth_flows = match s.explicit_auth_flows {
        None => DEFAULT_AUTH_FLOWS.iter().map(|f| f.to_string()).collect(),
        Some(flows) => auth_flows(flows)?,
    };
    client.validity_explicit = s.access_token_validity.is_some()
        || s.id_token_validity.is_some()
        || s.refresh_token_validity.is_some()
        || s.access_token_unit.is_some()
        || s.id_token_unit.is_some()
        || s.refresh_token_unit.is_some();
    client.access_token_validity = validity(
        "AccessTokenValidity",
        s.access_token_validity,
        s.access_token_unit,
        DEFAULT_ACCESS_VALIDITY,
        (300, 86_400),
    )?;
    client.id_token_validity = validity(
        "IdTokenValidity",
        s.id_token_validity,
        s.id_token_unit,
        DEFAULT_ID_VALIDITY,
        (300, 86_400),
    )?;
    // AWS replaces a refresh validity of 0 with the default.
    client.refresh_token_validity = validity(
        "RefreshTokenValidity",
        s.refresh_token_validity.filter(|v| *v != 0),
        s.refresh_token_unit,
        DEFAULT_REFRESH_VALIDITY,
        (3_600, 315_360_000),
    )?;
    let session = s
        .auth_session_validity_minutes
        .unwrap_or(DEFAULT_AUTH_SESSION_MINUTES as i64);
    if !(3..=15).contains(&session) {
        return Err(CoreError::invalid(format!(
            "1 validation error detected: Value '{session}' at 'authSessionValidity' failed to satisfy constraint: Member must have value between 3 and 15"
        )));
    }
    client.auth_session_validity_minutes = session as u32;
    client.read_attributes = permissions(pool, s.read_attributes, false).ok_or_else(|| {
        CoreError::invalid(format!(
            "Invalid read attributes specified while {doing} a client"
        ))
    })?;
    client.write_attributes = permissions(pool, s.write_attributes, true).ok_or_else(|| {
        CoreError::invalid(format!(
            "Invalid write attributes specified while {doing} a client"
        ))
    })?;
    client.prevent_user_existence_errors = s.prevent_user_existence_errors.unwrap_or(false);
    client.enable_token_revocation = s.enable_token_revocation.unwrap_or(true);
    if let Some(r) = s.refresh_token_rotation {
        if r.retry_grace_period_seconds > MAX_RETRY_GRACE_SECONDS {
            return Err(CoreError::invalid(format!(
                "1 validation error detected: Value '{}' at 'refreshTokenRotation.retryGracePeriodSeconds' failed to satisfy constraint: Member must have value less than or equal to {MAX_RETRY_GRACE_SECONDS}",
                r.retry_grace_period_seconds
            )));
        }
    }
    client.refresh_token_rotation = s.refresh_token_rotation;
    client.passthrough = s.passthrough;
    Ok(())
}

/// Validates the flows. Legacy names (`USER_PASSWORD_AUTH`, ...) cannot be
/// mixed with `ALLOW_` ones and are stored as their `ALLOW_` equivalents,
/// together with SRP and refresh, which legacy clients always allowed.
fn auth_flows(flows: Vec<String>) -> CoreResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |f: &str| {
        if !out.iter().any(|o| o == f) {
            out.push(f.to_string());
        }
    };
    let legacy = flows.iter().filter(|f| !f.starts_with("ALLOW_")).count();
    if legacy > 0 && legacy < flows.len() {
        return Err(CoreError::invalid(
            "ExplicitAuthFlows can not mix legacy values (ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH) with ALLOW_ values.",
        ));
    }
    for f in &flows {
        if !AUTH_FLOWS.contains(&f.as_str()) {
            return Err(CoreError::invalid(format!(
                "1 validation error detected: Value '[{f}]' at 'explicitAuthFlows' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                AUTH_FLOWS.join(", ")
            )));
        }
        match f.as_str() {
            "USER_PASSWORD_AUTH" => push("ALLOW_USER_PASSWORD_AUTH"),
            "ADMIN_NO_SRP_AUTH" => push("ALLOW_ADMIN_USER_PASSWORD_AUTH"),
            "CUSTOM_AUTH_FLOW_ONLY" => push("ALLOW_CUSTOM_AUTH"),
            other => push(other),
        }
    }
    if legacy > 0 {
        push("ALLOW_USER_SRP_AUTH");
        push("ALLOW_REFRESH_TOKEN_AUTH");
    }
    Ok(out)
}

/// A token validity from its value and unit. A missing value takes the
/// default, expressed in the given unit where one is given. `range` is in seconds.
fn validity(
    member: &str,
    value: Option<i64>,
    unit: Option<TimeUnit>,
    default: Validity,
    range: (i64, i64),
) -> CoreResult<Validity> {
    let v = match (value, unit) {
        (None, None) => default,
        (None, Some(unit)) => Validity {
            value: (default.seconds() / unit.seconds()).max(1),
            unit,
        },
        (Some(value), unit) => Validity {
            value,
            unit: unit.unwrap_or(default.unit),
        },
    };
    let secs = v.value.checked_mul(v.unit.seconds()).unwrap_or(i64::MAX);
    if v.value < 1 || secs < range.0 || secs > range.1 {
        return Err(CoreError::invalid(format!(
            "Invalid range for token validity: {member} must be between {} and {} seconds; {} {} is {secs} seconds.",
            range.0,
            range.1,
            v.value,
            unit_name(v.unit)
        )));
    }
    Ok(v)
}

fn unit_name(u: TimeUnit) -> &'static str {
    match u {
        TimeUnit::Seconds => "seconds",
        TimeUnit::Minutes => "minutes",
        TimeUnit::Hours => "hours",
        TimeUnit::Days => "days",
    }
}

/// Read or write attributes: each must be in the pool's schema; written
/// ones must be mutable. None when any is not.
fn permissions(pool: &UserPool, names: Vec<String>, write: bool) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for n in names {
        let attr = pool.attribute(&n)?;
        if write && !attr.mutable {
            return None;
        }
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Some(out)
}

fn check_client_name(name: &str) -> CoreResult<()> {
    let n = name.chars().count();
    let ok_chars = name
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c.is_whitespace() || "+=,.@-".contains(c));
    if !(1..=128).contains(&n) || !ok_chars {
        return Err(CoreError::invalid(format!(
            "1 validation error detected: Value '{name}' at 'clientName' failed to satisfy constraint: Member must have length between 1 and 128 and match [\\w\\s+=,.@-]+"
        )));
    }
    Ok(())
}

fn check_secret(secret: &str) -> CoreResult<()> {
    let ok = (24..=64).contains(&secret.len())
        && secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '+');
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "1 validation error detected: Value at 'clientSecret' failed to satisfy constraint: Member must have length between 24 and 64 and match [\\w+]+",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_flows_become_allow_flows() {
        let f = auth_flows(vec!["USER_PASSWORD_AUTH".into()]).unwrap();
        assert_eq!(
            f,
            [
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH"
            ]
        );
        assert!(auth_flows(vec![
            "USER_PASSWORD_AUTH".into(),
            "ALLOW_USER_SRP_AUTH".into()
        ])
        .is_err());
        assert!(auth_flows(vec!["ALLOW_EVERYTHING".into()]).is_err());
    }

    #[test]
    fn validity_defaults_follow_the_unit() {
        let v = validity(
            "x",
            None,
            Some(TimeUnit::Minutes),
            DEFAULT_ACCESS_VALIDITY,
            (300, 86_400),
        )
        .unwrap();
        assert_eq!((v.value, v.unit), (60, TimeUnit::Minutes));
        let v = validity("x", Some(2), None, DEFAULT_ACCESS_VALIDITY, (300, 86_400)).unwrap();
        assert_eq!(v.seconds(), 7200);
        assert!(validity(
            "x",
            Some(4),
            Some(TimeUnit::Minutes),
            DEFAULT_ACCESS_VALIDITY,
            (300, 86_400)
        )
        .is_err());
        assert!(validity("x", Some(25), None, DEFAULT_ACCESS_VALIDITY, (300, 86_400)).is_err());
    }
}
