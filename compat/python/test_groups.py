"""Groups: CreateGroup, GetGroup, UpdateGroup, ListGroups, DeleteGroup, membership, and the
`cognito:groups` claim."""

from __future__ import annotations

import datetime

from cognate_testlib import claims, raises_aws, unique


def test_create_group_returns_group(idp, pool_id):
    group = idp.create_group(GroupName="admins", UserPoolId=pool_id, Description="Administrators", Precedence=1)[
        "Group"
    ]
    assert group["GroupName"] == "admins"
    assert group["UserPoolId"] == pool_id
    assert group["Description"] == "Administrators"
    assert group["Precedence"] == 1
    assert isinstance(group["CreationDate"], datetime.datetime)
    assert isinstance(group["LastModifiedDate"], datetime.datetime)


def test_create_group_twice_is_group_exists(idp, pool_id):
    idp.create_group(GroupName="dupes", UserPoolId=pool_id)
    with raises_aws("GroupExistsException"):
        idp.create_group(GroupName="dupes", UserPoolId=pool_id)


def test_create_group_in_unknown_pool_is_resource_not_found(idp):
    with raises_aws("ResourceNotFoundException"):
        idp.create_group(GroupName="g", UserPoolId="us-east-1_NoSuchPoo")


def test_get_group_returns_group(idp, pool_id):
    idp.create_group(GroupName="readers", UserPoolId=pool_id, Description="Read only", Precedence=7)
    group = idp.get_group(GroupName="readers", UserPoolId=pool_id)["Group"]
    assert group["GroupName"] == "readers"
    assert group["Description"] == "Read only"
    assert group["Precedence"] == 7


def test_get_unknown_group_is_resource_not_found(idp, pool_id):
    with raises_aws("ResourceNotFoundException"):
        idp.get_group(GroupName="nope", UserPoolId=pool_id)


def test_update_group_changes_description_and_precedence(idp, pool_id):
    idp.create_group(GroupName="editors", UserPoolId=pool_id, Description="old", Precedence=5)
    updated = idp.update_group(GroupName="editors", UserPoolId=pool_id, Description="new", Precedence=2)["Group"]
    assert updated["Description"] == "new"
    assert updated["Precedence"] == 2
    group = idp.get_group(GroupName="editors", UserPoolId=pool_id)["Group"]
    assert group["Description"] == "new"
    assert group["Precedence"] == 2


def test_update_unknown_group_is_resource_not_found(idp, pool_id):
    with raises_aws("ResourceNotFoundException"):
        idp.update_group(GroupName="nope", UserPoolId=pool_id, Description="x")


def test_list_groups_pages_with_limit(idp, pool_id):
    names = {f"g{i}" for i in range(5)}
    for name in names:
        idp.create_group(GroupName=name, UserPoolId=pool_id)
    seen = []
    token = None
    while True:
        kwargs = {"UserPoolId": pool_id, "Limit": 2}
        if token:
            kwargs["NextToken"] = token
        resp = idp.list_groups(**kwargs)
        assert len(resp["Groups"]) <= 2
        seen.extend(g["GroupName"] for g in resp["Groups"])
        token = resp.get("NextToken")
        if not token:
            break
    assert sorted(seen) == sorted(names)


def test_delete_group_removes_group_and_memberships(cog, idp, pool_id, user):
    idp.create_group(GroupName="temp", UserPoolId=pool_id)
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=user, GroupName="temp")
    idp.delete_group(GroupName="temp", UserPoolId=pool_id)
    with raises_aws("ResourceNotFoundException"):
        idp.get_group(GroupName="temp", UserPoolId=pool_id)
    assert idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=user)["Groups"] == []
    with raises_aws("ResourceNotFoundException"):
        idp.delete_group(GroupName="temp", UserPoolId=pool_id)


def test_add_user_to_group_is_listed_both_ways(cog, idp, pool_id):
    idp.create_group(GroupName="staff", UserPoolId=pool_id, Precedence=3)
    alice = cog.create_user(pool_id)
    bob = cog.create_user(pool_id)
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=alice, GroupName="staff")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=bob, GroupName="staff")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=bob, GroupName="staff")  # idempotent
    groups = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=alice)["Groups"]
    assert [g["GroupName"] for g in groups] == ["staff"]
    assert groups[0]["Precedence"] == 3
    members = idp.list_users_in_group(UserPoolId=pool_id, GroupName="staff")["Users"]
    assert sorted(u["Username"] for u in members) == sorted([alice, bob])
    for u in members:
        assert u["UserStatus"] == "CONFIRMED"


def test_list_users_in_group_pages_with_limit(cog, idp, pool_id):
    idp.create_group(GroupName="many", UserPoolId=pool_id)
    users = {cog.create_user(pool_id) for _ in range(3)}
    for u in users:
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=u, GroupName="many")
    seen = []
    token = None
    while True:
        kwargs = {"UserPoolId": pool_id, "GroupName": "many", "Limit": 1}
        if token:
            kwargs["NextToken"] = token
        resp = idp.list_users_in_group(**kwargs)
        assert len(resp["Users"]) <= 1
        seen.extend(u["Username"] for u in resp["Users"])
        token = resp.get("NextToken")
        if not token:
            break
    assert sorted(seen) == sorted(users)


def test_remove_user_from_group(cog, idp, pool_id, user):
    idp.create_group(GroupName="club", UserPoolId=pool_id)
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=user, GroupName="club")
    idp.admin_remove_user_from_group(UserPoolId=pool_id, Username=user, GroupName="club")
    assert idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=user)["Groups"] == []
    assert idp.list_users_in_group(UserPoolId=pool_id, GroupName="club")["Users"] == []


def test_add_unknown_user_to_group_is_user_not_found(idp, pool_id):
    idp.create_group(GroupName="g", UserPoolId=pool_id)
    with raises_aws("UserNotFoundException"):
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=unique("ghost"), GroupName="g")


def test_add_user_to_unknown_group_is_resource_not_found(idp, pool_id, user):
    with raises_aws("ResourceNotFoundException"):
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=user, GroupName="missing")


def test_list_users_in_unknown_group_is_resource_not_found(idp, pool_id):
    with raises_aws("ResourceNotFoundException"):
        idp.list_users_in_group(UserPoolId=pool_id, GroupName="missing")


def test_list_groups_for_unknown_user_is_user_not_found(idp, pool_id):
    with raises_aws("UserNotFoundException"):
        idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=unique("ghost"))


def test_deleted_user_leaves_its_groups(cog, idp, pool_id, user):
    idp.create_group(GroupName="g", UserPoolId=pool_id)
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=user, GroupName="g")
    idp.admin_delete_user(UserPoolId=pool_id, Username=user)
    assert idp.list_users_in_group(UserPoolId=pool_id, GroupName="g")["Users"] == []


def test_id_token_lists_groups_by_precedence(cog, idp, pool_id, client_id, user):
    for name, precedence in (("editors", 5), ("admins", 1), ("readers", 10)):
        idp.create_group(GroupName=name, UserPoolId=pool_id, Precedence=precedence)
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=user, GroupName=name)
    tokens = cog.tokens(client_id, user)
    assert claims(tokens["IdToken"])["cognito:groups"] == ["admins", "editors", "readers"]


def test_access_token_lists_groups(cog, idp, pool_id, client_id, user):
    for name, precedence in (("b-team", 2), ("a-team", 1)):
        idp.create_group(GroupName=name, UserPoolId=pool_id, Precedence=precedence)
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=user, GroupName=name)
    tokens = cog.tokens(client_id, user)
    assert claims(tokens["AccessToken"])["cognito:groups"] == ["a-team", "b-team"]


def test_tokens_have_no_groups_claim_without_groups(cog, client_id, user):
    tokens = cog.tokens(client_id, user)
    assert "cognito:groups" not in claims(tokens["IdToken"])
    assert "cognito:groups" not in claims(tokens["AccessToken"])


def test_group_change_shows_in_tokens_after_refresh(cog, idp, pool_id, client_id, user):
    tokens = cog.tokens(client_id, user)
    idp.create_group(GroupName="late", UserPoolId=pool_id, Precedence=1)
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username=user, GroupName="late")
    refreshed = idp.initiate_auth(
        ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]}
    )["AuthenticationResult"]
    assert claims(refreshed["IdToken"])["cognito:groups"] == ["late"]
