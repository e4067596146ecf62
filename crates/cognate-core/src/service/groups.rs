//! Groups and group membership. The groups of a user go into the
//! `cognito:groups` claim, ordered by precedence.

use super::UserPools;
use crate::model::{Group, User};
use crate::store::StoreError;
use crate::{CoreError, CoreResult};

/// CreateGroup's input; for UpdateGroup, `None` members are left unchanged.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupSpec {
    pub name: String,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub precedence: Option<i64>,
}

fn group_not_found() -> CoreError {
    CoreError::ResourceNotFound("Group not found.".into())
}

impl UserPools {
    pub async fn create_group(&self, pool_id: &str, spec: GroupSpec) -> CoreResult<Group> {
        let pool = self.pool(pool_id).await?;
        check_spec(&spec)?;
        if self.store.get_group(&pool.id, &spec.name).await?.is_some() {
            return Err(group_exists());
        }
        let now = self.clock.now_ms();
        let group = Group {
            pool_id: pool.id,
            name: spec.name,
            description: spec.description,
            role_arn: spec.role_arn,
            precedence: spec.precedence,
            created_ms: now,
            modified_ms: now,
        };
        match self.store.create_group(&group).await {
            Ok(()) => Ok(group),
            Err(StoreError::Conflict(_)) => Err(group_exists()),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn get_group(&self, pool_id: &str, name: &str) -> CoreResult<Group> {
        let pool = self.pool(pool_id).await?;
        self.group(&pool.id, name).await
    }

    /// Changes the members of `spec` that are given.
    pub async fn update_group(&self, pool_id: &str, spec: GroupSpec) -> CoreResult<Group> {
        let pool = self.pool(pool_id).await?;
        check_spec(&spec)?;
        let mut group = self.group(&pool.id, &spec.name).await?;
        if spec.description.is_some() {
            group.description = spec.description;
        }
        if spec.role_arn.is_some() {
            group.role_arn = spec.role_arn;
        }
        if spec.precedence.is_some() {
            group.precedence = spec.precedence;
        }
        group.modified_ms = self.clock.now_ms();
        self.store.update_group(&group).await?;
        Ok(group)
    }

    /// Groups ordered by name, after the name `after`, at most `limit`.
    pub async fn list_groups(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> CoreResult<Vec<Group>> {
        let pool = self.pool(pool_id).await?;
        Ok(self.store.list_groups(&pool.id, after, limit).await?)
    }

    pub async fn delete_group(&self, pool_id: &str, name: &str) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let group = self.group(&pool.id, name).await?;
        self.store.delete_group(&pool.id, &group.name).await?;
        Ok(())
    }

    pub async fn admin_add_user_to_group(
        &self,
        pool_id: &str,
        username: &str,
        group: &str,
    ) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        let group = self.group(&pool.id, group).await?;
        self.store
            .add_user_to_group(&pool.id, &group.name, &user.sub)
            .await?;
        Ok(())
    }

    pub async fn admin_remove_user_from_group(
        &self,
        pool_id: &str,
        username: &str,
        group: &str,
    ) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        let group = self.group(&pool.id, group).await?;
        self.store
            .remove_user_from_group(&pool.id, &group.name, &user.sub)
            .await?;
        Ok(())
    }

    /// The user's groups ordered by name, after the name `after`, at most `limit`.
    pub async fn admin_list_groups_for_user(
        &self,
        pool_id: &str,
        username: &str,
        after: Option<&str>,
        limit: u32,
    ) -> CoreResult<Vec<Group>> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        let groups = self.store.groups_for_user(&pool.id, &user.sub).await?;
        Ok(groups
            .into_iter()
            .filter(|g| after.is_none_or(|a| g.name.as_str() > a))
            .take(limit as usize)
            .collect())
    }

    /// Members ordered by username key, after the key `after`, at most `limit`.
    pub async fn list_users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> CoreResult<Vec<User>> {
        let pool = self.pool(pool_id).await?;
        let group = self.group(&pool.id, group).await?;
        Ok(self
            .store
            .users_in_group(&pool.id, &group.name, after, limit)
            .await?)
    }

    /// The `cognito:groups` claim: group names by precedence (lowest first,
    /// groups without precedence last), then by name.
    pub(crate) async fn token_groups(&self, pool_id: &str, sub: &str) -> CoreResult<Vec<String>> {
        let mut groups = self.store.groups_for_user(pool_id, sub).await?;
        groups.sort_by(|a, b| {
            let key = |g: &Group| g.precedence.unwrap_or(i64::MAX);
            key(a).cmp(&key(b)).then_with(|| a.name.cmp(&b.name))
        });
        Ok(groups.into_iter().map(|g| g.name).collect())
    }

    async fn group(&self, pool_id: &str, name: &str) -> CoreResult<Group> {
        self.store
            .get_group(pool_id, name)
            .await?
            .ok_or_else(group_not_found)
    }
}

fn group_exists() -> CoreError {
    CoreError::GroupExists("A group with the name already exists.".into())
}

fn check_spec(spec: &GroupSpec) -> CoreResult<()> {
    let n = spec.name.chars().count();
    if !(1..=128).contains(&n)
        || spec
            .name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(CoreError::invalid(format!(
            "1 validation error detected: Value '{}' at 'groupName' failed to satisfy constraint: Member must have length between 1 and 128 and contain no whitespace",
            spec.name
        )));
    }
    if spec
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 2048)
    {
        return Err(CoreError::invalid(
            "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 2048",
        ));
    }
    if let Some(arn) = &spec.role_arn {
        let parts: Vec<&str> = arn.split(':').collect();
        let ok = (20..=2048).contains(&arn.len())
            && parts.len() >= 6
            && parts[0] == "arn"
            && parts[4].bytes().all(|b| b.is_ascii_digit())
            && !parts[4].is_empty();
        if !ok {
            return Err(CoreError::invalid(format!(
                "1 validation error detected: Value '{arn}' at 'roleArn' failed to satisfy constraint: Member must be an ARN"
            )));
        }
    }
    if let Some(p) = spec.precedence {
        if !(0..=i32::MAX as i64).contains(&p) {
            return Err(CoreError::invalid(format!(
                "1 validation error detected: Value '{p}' at 'precedence' failed to satisfy constraint: Member must have value greater than or equal to 0"
            )));
        }
    }
    Ok(())
}
