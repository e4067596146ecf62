//! The checks of a declaration that need no server: unique names,
//! references between declarations (pools named by authorizers, groups
//! named by users, authorizers named by routes) and the shapes of routes
//! and integrations. Each error names the declaration, as
//! `pools[0].users[2]`.

use std::collections::BTreeSet;

use anyhow::bail;

use super::spec::{ApiSpec, Declared, IntegrationKind, PoolSpec, RouteSpec, API_KEY_SCHEME};

/// Checks `d`: unique names, references between declarations, routes.
pub(super) fn declared(d: &Declared) -> anyhow::Result<()> {
    let mut names = BTreeSet::new();
    for (i, pool) in d.pools.iter().enumerate() {
        let at = format!("pools[{i}]");
        nonblank(&at, "name", &pool.name)?;
        if !names.insert(pool.name.as_str()) {
            bail!("{at}: another pool is also named {:?}", pool.name);
        }
        check_pool(&at, pool)?;
    }
    let mut names = BTreeSet::new();
    for (i, api) in d.apis.iter().enumerate() {
        let at = format!("apis[{i}]");
        nonblank(&at, "name", &api.name)?;
        if !names.insert(api.name.as_str()) {
            bail!("{at}: another API is also named {:?}", api.name);
        }
        check_api(d, &at, api)?;
    }
    Ok(())
}

fn check_api(d: &Declared, at: &str, api: &ApiSpec) -> anyhow::Result<()> {
    nonblank(at, "stage", &api.stage)?;
    if api.openapi.is_some() && !(api.routes.is_empty() && api.authorizers.is_empty()) {
        bail!("{at}: openapi replaces routes and authorizers; declare one or the other");
    }
    if api.openapi.is_none() && api.routes.is_empty() {
        bail!("{at}: declares no routes (and no openapi file)");
    }
    let mut names = BTreeSet::new();
    for (j, a) in api.authorizers.iter().enumerate() {
        let at = format!("{at}.authorizers[{j}]");
        nonblank(&at, "name", &a.name)?;
        if a.name == API_KEY_SCHEME {
            bail!("{at}: the name {API_KEY_SCHEME:?} is reserved for API keys");
        }
        if !names.insert(a.name.as_str()) {
            bail!("{at}: another authorizer is also named {:?}", a.name);
        }
        if a.pools.is_empty() {
            bail!("{at}: pools is empty; name at least one pool");
        }
        for pool in &a.pools {
            if !pool.starts_with("arn:") && d.pool(pool).is_none() {
                bail!("{at}: no pool named {pool:?} is declared (name a [[pools]] entry or give a user pool ARN)");
            }
        }
        nonblank(&at, "header", &a.header)?;
        if a.client_regex
            .as_deref()
            .is_some_and(|r| r.trim().is_empty())
        {
            bail!("{at}: client_regex is empty; leave it out to accept every app client");
        }
        if a.ttl_secs.is_some_and(|t| t > 3600) {
            bail!("{at}: ttl_secs must be between 0 and 3600");
        }
    }
    let mut routes = BTreeSet::new();
    for (j, r) in api.routes.iter().enumerate() {
        let at = format!("{at}.routes[{j}]");
        check_route(&at, r)?;
        if !routes.insert((
            r.path.trim_end_matches('/').to_string(),
            r.method.to_ascii_uppercase(),
        )) {
            bail!("{at}: {} {} is declared twice", r.method, r.path);
        }
        if let Some(name) = &r.authorizer {
            if !names.contains(name.as_str()) {
                bail!("{at}: no authorizer named {name:?} in this API");
            }
        } else if !r.scopes.is_empty() {
            bail!("{at}: scopes need an authorizer");
        }
    }
    Ok(())
}

fn nonblank(at: &str, key: &str, value: &str) -> anyhow::Result<()> {
    if value.trim().is_empty() {
        bail!("{at}: {key} is empty");
    }
    Ok(())
}

fn check_pool(at: &str, pool: &PoolSpec) -> anyhow::Result<()> {
    let mut attrs = BTreeSet::new();
    for (j, a) in pool.schema.iter().enumerate() {
        let at = format!("{at}.schema[{j}]");
        nonblank(&at, "name", a.short_name())?;
        if !attrs.insert(a.full_name()) {
            bail!("{at}: the attribute {:?} is declared twice", a.full_name());
        }
    }
    let mut names = BTreeSet::new();
    for (j, c) in pool.clients.iter().enumerate() {
        let at = format!("{at}.clients[{j}]");
        nonblank(&at, "name", &c.name)?;
        if !names.insert(c.name.as_str()) {
            bail!(
                "{at}: another client of this pool is also named {:?}",
                c.name
            );
        }
    }
    let mut groups = BTreeSet::new();
    for (j, g) in pool.groups.iter().enumerate() {
        let at = format!("{at}.groups[{j}]");
        nonblank(&at, "name", &g.name)?;
        if !groups.insert(g.name.as_str()) {
            bail!("{at}: the group {:?} is declared twice", g.name);
        }
    }
    let mut users = BTreeSet::new();
    for (j, u) in pool.users.iter().enumerate() {
        let at = format!("{at}.users[{j}]");
        nonblank(&at, "username", &u.username)?;
        if !users.insert(u.username.as_str()) {
            bail!("{at}: the user {:?} is declared twice", u.username);
        }
        for g in &u.groups {
            if !groups.contains(g.as_str()) {
                bail!("{at}: no group named {g:?} is declared in this pool");
            }
        }
    }
    Ok(())
}

fn check_route(at: &str, r: &RouteSpec) -> anyhow::Result<()> {
    if !r.path.starts_with('/') {
        bail!("{at}: path {:?} must start with /", r.path);
    }
    let method_ok = !r.method.is_empty()
        && r.method.len() <= 32
        && r.method.bytes().all(|b| b.is_ascii_alphabetic());
    if !method_ok {
        bail!(
            "{at}: method {:?} is not an HTTP method (letters only, e.g. GET, ANY, PURCHASE)",
            r.method
        );
    }
    let i = &r.integration;
    let at = format!("{at}.integration");
    match i.kind {
        IntegrationKind::Http | IntegrationKind::HttpProxy => {
            let Some(uri) = &i.uri else {
                bail!("{at}: uri is required for HTTP and HTTP_PROXY");
            };
            let lower = uri.to_ascii_lowercase();
            if !(lower.starts_with("http://")
                || lower.starts_with("https://")
                || uri.starts_with("${stageVariables."))
            {
                bail!("{at}: uri {uri:?} is not an http:// or https:// URL");
            }
            if i.status.is_some() || i.body.is_some() || !i.headers.is_empty() {
                bail!("{at}: status, body and headers are for MOCK integrations");
            }
        }
        IntegrationKind::Mock => {
            if i.uri.is_some() || i.http_method.is_some() {
                bail!("{at}: a MOCK integration has no uri or http_method");
            }
            if let Some(s) = i.status {
                if !(100..=599).contains(&s) {
                    bail!("{at}: status {s} is not an HTTP status");
                }
            }
            for (name, value) in &i.headers {
                let name_ok = !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
                if !name_ok {
                    bail!("{at}: headers: {name:?} is not a header name");
                }
                if value.contains('\'') || value.chars().any(char::is_control) {
                    bail!("{at}: headers.{name}: a value cannot contain ' or control characters");
                }
            }
        }
    }
    if let Some(t) = i.timeout_ms {
        if !(50..=29_000).contains(&t) {
            bail!("{at}: timeout_ms must be between 50 and 29000");
        }
    }
    Ok(())
}
