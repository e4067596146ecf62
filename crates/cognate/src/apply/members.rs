//! `[[pools.groups]]` and `[[pools.users]]`: groups by name (GetGroup,
//! CreateGroup, UpdateGroup), then users by username (AdminGetUser,
//! AdminCreateUser + AdminSetUserPassword, AdminUpdateUserAttributes,
//! AdminEnableUser / AdminDisableUser, AdminAddUserToGroup).

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::calls::{failed, text, Calls};
use super::spec::{GroupSpec, PoolSpec, UserSpec};
use super::{Outcome, PoolRef, Report};

/// Applies the pool's groups, then its users (who may join the groups).
pub(super) async fn apply(
    calls: Calls<'_>,
    pool_at: &str,
    pool: &PoolSpec,
    pool_ref: &PoolRef,
    report: &mut Report,
) -> anyhow::Result<()> {
    for (j, spec) in pool.groups.iter().enumerate() {
        let at = format!("{pool_at}.groups[{j}]");
        let outcome = group(calls, &at, &pool_ref.id, spec).await?;
        report.record(
            "group",
            format!("{}/{}", pool.name, spec.name),
            None,
            outcome,
            None,
        );
    }
    for (j, spec) in pool.users.iter().enumerate() {
        let at = format!("{pool_at}.users[{j}]");
        let (outcome, note) = user(calls, &at, &pool_ref.id, spec).await?;
        report.record(
            "user",
            format!("{}/{}", pool.name, spec.username),
            None,
            outcome,
            note,
        );
    }
    Ok(())
}

async fn group(
    calls: Calls<'_>,
    at: &str,
    pool_id: &str,
    spec: &GroupSpec,
) -> anyhow::Result<Outcome> {
    let mut input = json!({"UserPoolId": pool_id, "GroupName": spec.name});
    let current = match calls.idp("GetGroup", input.clone()).await {
        Ok(out) => out["Group"].clone(),
        Err(e) if e.code() == Some("ResourceNotFoundException") => {
            if let Some(d) = &spec.description {
                input["Description"] = json!(d);
            }
            if let Some(p) = spec.precedence {
                input["Precedence"] = json!(p);
            }
            calls.idp("CreateGroup", input).await.map_err(failed(at))?;
            return Ok(Outcome::Created);
        }
        Err(e) => return Err(failed(at)(e)),
    };
    let mut changed = false;
    if let Some(d) = &spec.description {
        if current["Description"].as_str() != Some(d) {
            input["Description"] = json!(d);
            changed = true;
        }
    }
    if let Some(p) = spec.precedence {
        if current["Precedence"].as_i64() != Some(p) {
            input["Precedence"] = json!(p);
            changed = true;
        }
    }
    if !changed {
        return Ok(Outcome::Unchanged);
    }
    calls.idp("UpdateGroup", input).await.map_err(failed(at))?;
    Ok(Outcome::Updated)
}

fn attribute_list(spec: &UserSpec) -> Value {
    Value::Array(
        spec.attributes
            .iter()
            .map(|(name, value)| json!({"Name": name, "Value": value}))
            .collect(),
    )
}

async fn user(
    calls: Calls<'_>,
    at: &str,
    pool_id: &str,
    spec: &UserSpec,
) -> anyhow::Result<(Outcome, Option<String>)> {
    let lookup = json!({"UserPoolId": pool_id, "Username": spec.username});
    let current = match calls.idp("AdminGetUser", lookup).await {
        Ok(out) => out,
        Err(e) if e.code() == Some("UserNotFoundException") => {
            create_user(calls, at, pool_id, spec).await?;
            return Ok((Outcome::Created, None));
        }
        Err(e) => return Err(failed(at)(e)),
    };
    let username = text(&current, "Username", "the user").map_err(failed(at))?;
    let who = json!({"UserPoolId": pool_id, "Username": username});
    let mut changed = Vec::new();

    let has: Vec<(&str, &str)> = current["UserAttributes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| Some((a["Name"].as_str()?, a["Value"].as_str()?)))
        .collect();
    let differs = spec
        .attributes
        .iter()
        .any(|(name, value)| !has.contains(&(name.as_str(), value.as_str())));
    if differs {
        // All declared attributes go together, so that e.g. a changed email
        // and its declared `email_verified` arrive in one update.
        let mut input = who.clone();
        input["UserAttributes"] = attribute_list(spec);
        calls
            .idp("AdminUpdateUserAttributes", input)
            .await
            .map_err(failed(at))?;
        changed.push("attributes");
    }
    if let Some(enabled) = spec.enabled {
        if current["Enabled"].as_bool() != Some(enabled) {
            set_enabled(calls, at, &who, enabled).await?;
            changed.push(if enabled { "enabled" } else { "disabled" });
        }
    }
    let groups = groups_of(calls, at, &who).await?;
    let mut joined = false;
    for g in spec.groups.iter().filter(|g| !groups.contains(*g)) {
        join(calls, at, &who, g).await?;
        joined = true;
    }
    if joined {
        changed.push("groups");
    }
    Ok(if changed.is_empty() {
        (Outcome::Unchanged, None)
    } else {
        (Outcome::Updated, Some(changed.join(", ")))
    })
}

/// AdminCreateUser; with a declared password, that password made permanent
/// (no invitation is sent); without, the invitation Cognito would send.
async fn create_user(
    calls: Calls<'_>,
    at: &str,
    pool_id: &str,
    spec: &UserSpec,
) -> anyhow::Result<()> {
    let mut input = json!({
        "UserPoolId": pool_id,
        "Username": spec.username,
        "UserAttributes": attribute_list(spec),
    });
    if let Some(p) = &spec.password {
        input["TemporaryPassword"] = json!(p.expose());
        input["MessageAction"] = json!("SUPPRESS");
    }
    let out = calls
        .idp("AdminCreateUser", input)
        .await
        .map_err(failed(at))?;
    let username = text(&out["User"], "Username", "the new user").map_err(failed(at))?;
    let who = json!({"UserPoolId": pool_id, "Username": username});
    if let Some(p) = &spec.password {
        let mut input = who.clone();
        input["Password"] = json!(p.expose());
        input["Permanent"] = json!(true);
        calls
            .idp("AdminSetUserPassword", input)
            .await
            .map_err(failed(at))?;
    }
    if spec.enabled == Some(false) {
        set_enabled(calls, at, &who, false).await?;
    }
    for g in &spec.groups {
        join(calls, at, &who, g).await?;
    }
    Ok(())
}

async fn set_enabled(calls: Calls<'_>, at: &str, who: &Value, enabled: bool) -> anyhow::Result<()> {
    let op = if enabled {
        "AdminEnableUser"
    } else {
        "AdminDisableUser"
    };
    calls.idp(op, who.clone()).await.map_err(failed(at))?;
    Ok(())
}

async fn join(calls: Calls<'_>, at: &str, who: &Value, group: &str) -> anyhow::Result<()> {
    let mut input = who.clone();
    input["GroupName"] = json!(group);
    calls
        .idp("AdminAddUserToGroup", input)
        .await
        .map_err(failed(at))?;
    Ok(())
}

/// The names of the groups the user is in.
async fn groups_of(calls: Calls<'_>, at: &str, who: &Value) -> anyhow::Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        let mut input = who.clone();
        input["Limit"] = json!(60);
        if let Some(t) = &token {
            input["NextToken"] = json!(t);
        }
        let page = calls
            .idp("AdminListGroupsForUser", input)
            .await
            .map_err(failed(at))?;
        for g in page["Groups"].as_array().into_iter().flatten() {
            out.extend(g["GroupName"].as_str().map(str::to_string));
        }
        match page["NextToken"].as_str() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(out),
        }
    }
}
