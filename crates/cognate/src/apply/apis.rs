//! `[[apis]]`: find the REST API by name; import the document (new) or put
//! it in overwrite mode (existing); deploy it to the stage; then bring the
//! stage variables in line (GetRestApis, ImportRestApi, PutRestApi,
//! CreateDeployment, GetStage, GetDeployment, UpdateStage).
//!
//! A deployment made here carries `cognate:declaration-sha256=<hex>` (the
//! hash of the document) as its description. When the stage already points
//! at a deployment with the same description, the API is neither put nor
//! redeployed: the stage already serves exactly this declaration.

use std::collections::BTreeMap;

use anyhow::bail;
use bytes::Bytes;
use http::Method;
use serde_json::{json, Value};

use super::calls::{encode, failed, text, Calls};
use super::spec::ApiSpec;
use super::{Outcome, Report};

/// What a deployment's description starts with when apply made it.
pub const MARKER_PREFIX: &str = "cognate:declaration-sha256=";

/// The deployment description that records `document`.
pub fn marker(document: &[u8]) -> String {
    let digest = cognate_tokens::sha256(document);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{MARKER_PREFIX}{hex}")
}

pub(super) async fn apply(
    calls: Calls<'_>,
    at: &str,
    spec: &ApiSpec,
    document: &Value,
    report: &mut Report,
) -> anyhow::Result<()> {
    let body = Bytes::from(serde_json::to_vec(document)?);
    let marker = marker(&body);
    let stage = &spec.stage;
    let mut notes = Vec::new();
    let (id, outcome) = match find(calls, at, &spec.name).await? {
        None => {
            let api = calls
                .apigw_raw(
                    "ImportRestApi",
                    Method::POST,
                    "/restapis?mode=import",
                    Some(body),
                )
                .await
                .map_err(failed(at))?;
            let id = text(&api, "id", "the imported API")
                .map_err(failed(at))?
                .to_string();
            deploy(calls, at, &id, spec, &marker).await?;
            notes.push(format!("deployed to stage {stage}"));
            notes.extend(warnings(&api));
            (id, Outcome::Created)
        }
        Some(id) => {
            let before = get_stage(calls, at, &id, stage).await?;
            let served = match &before {
                Some(s) => deployed(calls, at, &id, s).await?,
                None => None,
            };
            let mut outcome = Outcome::Unchanged;
            if served.as_deref() != Some(marker.as_str()) {
                let path = format!("/restapis/{}?mode=overwrite", encode(&id));
                let api = calls
                    .apigw_raw("PutRestApi", Method::PUT, &path, Some(body))
                    .await
                    .map_err(failed(at))?;
                deploy(calls, at, &id, spec, &marker).await?;
                notes.push(format!("redeployed to stage {stage}"));
                notes.extend(warnings(&api));
                outcome = Outcome::Updated;
            }
            let variables = before.as_ref().map_or(&Value::Null, |s| &s["variables"]);
            if before.is_some() && !variable_ops(variables, &spec.stage_variables).is_empty() {
                notes.push(format!("stage {stage} variables"));
                outcome = Outcome::Updated;
            }
            (id, outcome)
        }
    };
    sync_variables(calls, at, &id, spec).await?;
    let note = (!notes.is_empty()).then(|| notes.join("; "));
    report.record("api", &spec.name, Some(&id), outcome, note);
    Ok(())
}

/// The id of the one REST API named `name`, if there is one.
async fn find(calls: Calls<'_>, at: &str, name: &str) -> anyhow::Result<Option<String>> {
    let mut found = Vec::new();
    let mut position: Option<String> = None;
    loop {
        let path = match &position {
            Some(p) => format!("/restapis?limit=500&position={}", encode(p)),
            None => "/restapis?limit=500".to_string(),
        };
        let page = calls
            .apigw("GetRestApis", Method::GET, &path, None)
            .await
            .map_err(failed(at))?;
        for api in page["item"].as_array().into_iter().flatten() {
            if api["name"].as_str() == Some(name) {
                found.extend(api["id"].as_str().map(str::to_string));
            }
        }
        match page["position"].as_str() {
            Some(p) if !p.is_empty() && position.as_deref() != Some(p) => {
                position = Some(p.to_string())
            }
            _ => break,
        }
    }
    if found.len() > 1 {
        bail!(
            "{at}: {} REST APIs are named {name:?} ({}); APIs are found by name, so rename or delete all but one",
            found.len(),
            found.join(", ")
        );
    }
    Ok(found.pop())
}

/// The description of the deployment `stage` points at.
async fn deployed(
    calls: Calls<'_>,
    at: &str,
    api: &str,
    stage: &Value,
) -> anyhow::Result<Option<String>> {
    let Some(deployment) = stage["deploymentId"].as_str() else {
        return Ok(None);
    };
    let path = format!(
        "/restapis/{}/deployments/{}",
        encode(api),
        encode(deployment)
    );
    match calls.apigw("GetDeployment", Method::GET, &path, None).await {
        Ok(d) => Ok(d["description"].as_str().map(str::to_string)),
        Err(e) if e.code() == Some("NotFoundException") => Ok(None),
        Err(e) => Err(failed(at)(e)),
    }
}

async fn get_stage(
    calls: Calls<'_>,
    at: &str,
    api: &str,
    stage: &str,
) -> anyhow::Result<Option<Value>> {
    let path = format!("/restapis/{}/stages/{}", encode(api), encode(stage));
    match calls.apigw("GetStage", Method::GET, &path, None).await {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.code() == Some("NotFoundException") => Ok(None),
        Err(e) => Err(failed(at)(e)),
    }
}

async fn deploy(
    calls: Calls<'_>,
    at: &str,
    api: &str,
    spec: &ApiSpec,
    marker: &str,
) -> anyhow::Result<()> {
    let path = format!("/restapis/{}/deployments", encode(api));
    let body = json!({
        "stageName": spec.stage,
        "description": marker,
        "variables": spec.stage_variables,
    });
    calls
        .apigw("CreateDeployment", Method::POST, &path, Some(body))
        .await
        .map_err(failed(at))?;
    Ok(())
}

/// Makes the stage's variables exactly the declared ones (a deployment
/// adds and replaces variables but removes none).
async fn sync_variables(
    calls: Calls<'_>,
    at: &str,
    api: &str,
    spec: &ApiSpec,
) -> anyhow::Result<()> {
    let Some(stage) = get_stage(calls, at, api, &spec.stage).await? else {
        bail!(
            "{at}: the stage {:?} is missing right after its deployment",
            spec.stage
        );
    };
    let ops = variable_ops(&stage["variables"], &spec.stage_variables);
    if ops.is_empty() {
        return Ok(());
    }
    let path = format!("/restapis/{}/stages/{}", encode(api), encode(&spec.stage));
    calls
        .apigw(
            "UpdateStage",
            Method::PATCH,
            &path,
            Some(json!({"patchOperations": ops})),
        )
        .await
        .map_err(failed(at))?;
    Ok(())
}

/// The patch operations that turn the stage's variables `has` into `wanted`.
fn variable_ops(has: &Value, wanted: &BTreeMap<String, String>) -> Vec<Value> {
    let has: BTreeMap<&str, &str> = has
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
        .collect();
    let mut ops = Vec::new();
    for (k, v) in wanted {
        if has.get(k.as_str()) != Some(&v.as_str()) {
            ops.push(json!({"op": "replace", "path": format!("/variables/{k}"), "value": v}));
        }
    }
    for k in has.keys().filter(|k| !wanted.contains_key(**k)) {
        ops.push(json!({"op": "remove", "path": format!("/variables/{k}")}));
    }
    ops
}

/// The import's warnings, as notes.
fn warnings(api: &Value) -> Vec<String> {
    api["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|w| format!("warning: {w}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_is_the_documents_sha256() {
        assert_eq!(
            marker(b"abc"),
            "cognate:declaration-sha256=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn stage_variables_are_replaced_added_and_removed() {
        let has = json!({"keep": "1", "change": "old", "drop": "x"});
        let wanted: BTreeMap<String, String> = [("keep", "1"), ("change", "new"), ("add", "a")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            variable_ops(&has, &wanted),
            vec![
                json!({"op": "replace", "path": "/variables/add", "value": "a"}),
                json!({"op": "replace", "path": "/variables/change", "value": "new"}),
                json!({"op": "remove", "path": "/variables/drop"}),
            ]
        );
        assert!(variable_ops(
            &json!({"keep": "1"}),
            &wanted.into_iter().filter(|(k, _)| k == "keep").collect()
        )
        .is_empty());
    }
}
