//! CreateGroup, GetGroup, UpdateGroup, ListGroups, DeleteGroup,
//! AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser,
//! ListUsersInGroup.

use cognate_core::model::Group;
use cognate_core::service::{GroupSpec, UserPools};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::wire::{self, OpResult};
use crate::{ApiError, Ctx};

pub async fn dispatch(svc: &UserPools, _ctx: &Ctx, op: &str, input: &Value) -> Option<OpResult> {
    Some(match op {
        "CreateGroup" => create(svc, input).await,
        "GetGroup" => get(svc, input).await,
        "UpdateGroup" => update(svc, input).await,
        "ListGroups" => list(svc, input).await,
        "DeleteGroup" => delete(svc, input).await,
        "AdminAddUserToGroup" => add_user(svc, input).await,
        "AdminRemoveUserFromGroup" => remove_user(svc, input).await,
        "AdminListGroupsForUser" => groups_for_user(svc, input).await,
        "ListUsersInGroup" => users_in_group(svc, input).await,
        _ => return None,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupIn {
    user_pool_id: String,
    group_name: String,
    description: Option<String>,
    role_arn: Option<String>,
    precedence: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupNameIn {
    user_pool_id: String,
    group_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListIn {
    user_pool_id: String,
    limit: Option<i64>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MembershipIn {
    user_pool_id: String,
    username: String,
    group_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ForUserIn {
    user_pool_id: String,
    username: String,
    limit: Option<i64>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InGroupIn {
    user_pool_id: String,
    group_name: String,
    limit: Option<i64>,
    next_token: Option<String>,
}

impl GroupIn {
    fn spec(self) -> GroupSpec {
        GroupSpec {
            name: self.group_name,
            description: self.description,
            role_arn: self.role_arn,
            precedence: self.precedence,
        }
    }
}

async fn create(svc: &UserPools, input: &Value) -> OpResult {
    let req: GroupIn = wire::parse(input.clone())?;
    let pool_id = req.user_pool_id.clone();
    let group = svc.create_group(&pool_id, req.spec()).await?;
    Ok(json!({ "Group": group_type(&group) }))
}

async fn get(svc: &UserPools, input: &Value) -> OpResult {
    let req: GroupNameIn = wire::parse(input.clone())?;
    let group = svc.get_group(&req.user_pool_id, &req.group_name).await?;
    Ok(json!({ "Group": group_type(&group) }))
}

async fn update(svc: &UserPools, input: &Value) -> OpResult {
    let req: GroupIn = wire::parse(input.clone())?;
    let pool_id = req.user_pool_id.clone();
    let group = svc.update_group(&pool_id, req.spec()).await?;
    Ok(json!({ "Group": group_type(&group) }))
}

async fn list(svc: &UserPools, input: &Value) -> OpResult {
    let req: ListIn = wire::parse(input.clone())?;
    let (limit, after) = paging(req.limit, req.next_token.as_deref())?;
    let groups = svc
        .list_groups(&req.user_pool_id, after.as_deref(), limit + 1)
        .await?;
    Ok(groups_page(groups, limit))
}

async fn delete(svc: &UserPools, input: &Value) -> OpResult {
    let req: GroupNameIn = wire::parse(input.clone())?;
    svc.delete_group(&req.user_pool_id, &req.group_name).await?;
    Ok(json!({}))
}

async fn add_user(svc: &UserPools, input: &Value) -> OpResult {
    let req: MembershipIn = wire::parse(input.clone())?;
    svc.admin_add_user_to_group(&req.user_pool_id, &req.username, &req.group_name)
        .await?;
    Ok(json!({}))
}

async fn remove_user(svc: &UserPools, input: &Value) -> OpResult {
    let req: MembershipIn = wire::parse(input.clone())?;
    svc.admin_remove_user_from_group(&req.user_pool_id, &req.username, &req.group_name)
        .await?;
    Ok(json!({}))
}

async fn groups_for_user(svc: &UserPools, input: &Value) -> OpResult {
    let req: ForUserIn = wire::parse(input.clone())?;
    let (limit, after) = paging(req.limit, req.next_token.as_deref())?;
    let groups = svc
        .admin_list_groups_for_user(
            &req.user_pool_id,
            &req.username,
            after.as_deref(),
            limit + 1,
        )
        .await?;
    Ok(groups_page(groups, limit))
}

async fn users_in_group(svc: &UserPools, input: &Value) -> OpResult {
    let req: InGroupIn = wire::parse(input.clone())?;
    let (limit, after) = paging(req.limit, req.next_token.as_deref())?;
    let users = svc
        .list_users_in_group(
            &req.user_pool_id,
            &req.group_name,
            after.as_deref(),
            limit + 1,
        )
        .await?;
    let (users, next) = wire::page(users, limit, |u| u.username_key.clone());
    let mut out = json!({
        "Users": users.iter().map(|u| wire::user_type(u, None)).collect::<Vec<_>>(),
    });
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}

/// `Limit` (0 or absent: 60) and the position after `NextToken`.
fn paging(limit: Option<i64>, token: Option<&str>) -> Result<(u32, Option<String>), ApiError> {
    let limit = wire::page_limit(limit.filter(|n| *n != 0), "limit", 60, 60)?;
    let after = token.map(wire::decode_token).transpose()?;
    Ok((limit, after))
}

fn groups_page(groups: Vec<Group>, limit: u32) -> Value {
    let (groups, next) = wire::page(groups, limit, |g| g.name.clone());
    let mut out = json!({ "Groups": groups.iter().map(group_type).collect::<Vec<_>>() });
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    out
}

/// The GroupType shape.
fn group_type(g: &Group) -> Value {
    let mut v = json!({
        "GroupName": g.name,
        "UserPoolId": g.pool_id,
        "CreationDate": wire::epoch(g.created_ms),
        "LastModifiedDate": wire::epoch(g.modified_ms),
    });
    if let Some(d) = &g.description {
        v["Description"] = json!(d);
    }
    if let Some(r) = &g.role_arn {
        v["RoleArn"] = json!(r);
    }
    if let Some(p) = g.precedence {
        v["Precedence"] = json!(p);
    }
    v
}
