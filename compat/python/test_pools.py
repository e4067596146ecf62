"""User pools: CreateUserPool, DescribeUserPool, ListUserPools, UpdateUserPool, DeleteUserPool,
AddCustomAttributes, and the pool settings that change how users sign up and sign in."""

from __future__ import annotations

import datetime

from cognate_testlib import (
    PASSWORD,
    POOL_ARN_RE,
    POOL_ID_RE,
    SUB_RE,
    attrs,
    raises_aws,
    unique,
    unique_email,
)


def _schema(pool: dict) -> dict[str, dict]:
    return {a["Name"]: a for a in pool.get("SchemaAttributes", [])}


def test_create_user_pool_returns_region_prefixed_id_and_arn(idp):
    name = unique("pool")
    pool = idp.create_user_pool(PoolName=name)["UserPool"]
    assert POOL_ID_RE.match(pool["Id"]), pool["Id"]
    assert pool["Name"] == name
    m = POOL_ARN_RE.match(pool["Arn"])
    assert m, pool["Arn"]
    assert m.group(1) == pool["Id"]
    assert isinstance(pool["CreationDate"], datetime.datetime)
    assert isinstance(pool["LastModifiedDate"], datetime.datetime)


def test_create_user_pool_echoes_password_policy(idp):
    policy = {
        "MinimumLength": 12,
        "RequireUppercase": False,
        "RequireLowercase": True,
        "RequireNumbers": True,
        "RequireSymbols": False,
        "TemporaryPasswordValidityDays": 3,
    }
    pool = idp.create_user_pool(PoolName=unique("pool"), Policies={"PasswordPolicy": policy})["UserPool"]
    got = pool["Policies"]["PasswordPolicy"]
    for key, value in policy.items():
        assert got[key] == value, key


def test_describe_user_pool_default_password_policy_is_aws_default(idp):
    pool_id = idp.create_user_pool(PoolName=unique("pool"))["UserPool"]["Id"]
    policy = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 8
    assert policy["RequireUppercase"] is True
    assert policy["RequireLowercase"] is True
    assert policy["RequireNumbers"] is True
    assert policy["RequireSymbols"] is True
    assert policy["TemporaryPasswordValidityDays"] == 7


def test_describe_user_pool_returns_settings_given_at_creation(cog, idp):
    pool_id = cog.create_pool(
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        UsernameConfiguration={"CaseSensitive": False},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Id"] == pool_id
    assert POOL_ID_RE.match(pool["Id"])
    assert POOL_ARN_RE.match(pool["Arn"]).group(1) == pool_id
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["UsernameConfiguration"]["CaseSensitive"] is False
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["EstimatedNumberOfUsers"] == 0


def test_describe_user_pool_lists_custom_attributes_with_custom_prefix(cog, idp):
    pool_id = cog.create_pool()
    schema = _schema(idp.describe_user_pool(UserPoolId=pool_id)["UserPool"])
    assert "custom:tier" in schema
    assert schema["custom:tier"]["AttributeDataType"] == "String"
    assert "custom:score" in schema
    assert schema["custom:score"]["AttributeDataType"] == "Number"
    # Standard attributes are part of every pool's schema.
    for standard in ("sub", "email", "email_verified", "name", "phone_number"):
        assert standard in schema, standard


def test_describe_user_pool_counts_users(cog, idp, pool_id):
    cog.create_user(pool_id)
    cog.create_user(pool_id)
    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["EstimatedNumberOfUsers"] == 2


def test_describe_unknown_user_pool_is_resource_not_found(idp):
    with raises_aws("ResourceNotFoundException"):
        idp.describe_user_pool(UserPoolId="us-east-1_AAAAAAAAA")


def test_create_user_pool_with_too_short_minimum_length_is_invalid_parameter(cog):
    with raises_aws("InvalidParameterException"):
        cog.raw.create_user_pool(
            PoolName=unique("pool"), Policies={"PasswordPolicy": {"MinimumLength": 5}}
        )


def test_create_user_pool_without_name_is_invalid_parameter(cog):
    with raises_aws("InvalidParameterException"):
        cog.raw.create_user_pool()


def test_create_user_pool_with_both_username_and_alias_attributes_is_invalid_parameter(idp):
    with raises_aws("InvalidParameterException"):
        idp.create_user_pool(
            PoolName=unique("pool"), UsernameAttributes=["email"], AliasAttributes=["email"]
        )


def test_list_user_pools_pages_with_max_results(cog, idp):
    created = {cog.create_pool() for _ in range(3)}
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        kwargs = {"MaxResults": 1}
        if token:
            kwargs["NextToken"] = token
        resp = idp.list_user_pools(**kwargs)
        pages += 1
        assert len(resp["UserPools"]) <= 1
        for p in resp["UserPools"]:
            assert POOL_ID_RE.match(p["Id"])
            assert p["Name"]
            seen.append(p["Id"])
        token = resp.get("NextToken")
        if not token:
            break
        assert pages < 10_000, "pagination does not terminate"
    assert created <= set(seen)
    assert len(seen) == len(set(seen)), "a pool was listed twice"
    assert pages >= 3


def test_list_user_pools_paginator_sees_every_pool(cog, idp):
    created = {cog.create_pool() for _ in range(2)}
    pager = idp.get_paginator("list_user_pools")
    ids = [p["Id"] for page in pager.paginate(PaginationConfig={"PageSize": 2}) for p in page["UserPools"]]
    assert created <= set(ids)


def test_update_user_pool_changes_password_policy(cog, idp, pool_id, client_id):
    idp.update_user_pool(
        UserPoolId=pool_id,
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 20,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
            }
        },
        AutoVerifiedAttributes=["email"],
    )
    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 20
    # The new policy applies to the next sign-up.
    with raises_aws("InvalidPasswordException"):
        cog.sign_up(client_id, password="Sh0rt-Passw0rd!")


def test_update_user_pool_bumps_last_modified_date(cog, idp, pool_id):
    before = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["LastModifiedDate"]
    idp.update_user_pool(UserPoolId=pool_id, AutoVerifiedAttributes=["email"], UserPoolTags={"team": "qa"})
    after = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert after["LastModifiedDate"] >= before
    assert after["UserPoolTags"] == {"team": "qa"}


def test_update_unknown_user_pool_is_resource_not_found(idp):
    with raises_aws("ResourceNotFoundException"):
        idp.update_user_pool(UserPoolId="us-east-1_ZZZZZZZZZ", AutoVerifiedAttributes=["email"])


def test_delete_user_pool_then_describe_is_resource_not_found(cog, idp):
    pool_id = cog.create_pool()
    client_id = cog.create_client(pool_id)["ClientId"]
    cog.create_user(pool_id)
    idp.delete_user_pool(UserPoolId=pool_id)
    with raises_aws("ResourceNotFoundException"):
        idp.describe_user_pool(UserPoolId=pool_id)
    with raises_aws("ResourceNotFoundException"):
        idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    with raises_aws("ResourceNotFoundException"):
        cog.sign_up(client_id)
    assert pool_id not in {
        p["Id"] for page in idp.get_paginator("list_user_pools").paginate(PaginationConfig={"PageSize": 60})
        for p in page["UserPools"]
    }


def test_delete_unknown_user_pool_is_resource_not_found(idp):
    with raises_aws("ResourceNotFoundException"):
        idp.delete_user_pool(UserPoolId="us-east-1_NoSuchPoo")


def test_add_custom_attributes_makes_attribute_usable(cog, idp, pool_id):
    idp.add_custom_attributes(
        UserPoolId=pool_id,
        CustomAttributes=[
            {"Name": "plan", "AttributeDataType": "String", "Mutable": True,
             "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "32"}}
        ],
    )
    schema = _schema(idp.describe_user_pool(UserPoolId=pool_id)["UserPool"])
    assert "custom:plan" in schema
    username = cog.create_user(pool_id)
    idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username=username, UserAttributes=[{"Name": "custom:plan", "Value": "gold"}]
    )
    assert cog.user_attrs(pool_id, username)["custom:plan"] == "gold"


def test_add_existing_custom_attribute_is_invalid_parameter(idp, pool_id):
    with raises_aws("InvalidParameterException"):
        idp.add_custom_attributes(
            UserPoolId=pool_id, CustomAttributes=[{"Name": "tier", "AttributeDataType": "String"}]
        )


def test_add_custom_attributes_to_unknown_pool_is_resource_not_found(idp):
    with raises_aws("ResourceNotFoundException"):
        idp.add_custom_attributes(
            UserPoolId="us-east-1_NoSuchPoo", CustomAttributes=[{"Name": "x", "AttributeDataType": "String"}]
        )


def test_setting_attribute_missing_from_schema_is_invalid_parameter(cog, idp, pool_id):
    username = cog.create_user(pool_id)
    with raises_aws("InvalidParameterException"):
        idp.admin_update_user_attributes(
            UserPoolId=pool_id, Username=username, UserAttributes=[{"Name": "custom:nope", "Value": "x"}]
        )


def test_pool_with_email_username_attribute_signs_up_by_email_and_uses_sub_as_username(cog, idp):
    pool_id = cog.create_pool(UsernameAttributes=["email"], UsernameConfiguration={"CaseSensitive": False})
    client_id = cog.create_client(pool_id)["ClientId"]
    address = unique_email()
    resp = idp.sign_up(ClientId=client_id, Username=address, Password=PASSWORD)
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=address)
    user = idp.admin_get_user(UserPoolId=pool_id, Username=address)
    assert user["Username"] == resp["UserSub"], "email-as-username pools name the user by its sub"
    assert SUB_RE.match(user["Username"])
    assert attrs(user["UserAttributes"])["email"] == address
    tokens = cog.tokens(client_id, address)
    assert tokens["IdToken"]


def test_pool_with_email_username_attribute_rejects_non_email_username(cog, idp):
    pool_id = cog.create_pool(UsernameAttributes=["email"])
    client_id = cog.create_client(pool_id)["ClientId"]
    with raises_aws("InvalidParameterException"):
        idp.sign_up(ClientId=client_id, Username="not-an-email", Password=PASSWORD)


def test_pool_with_email_alias_signs_in_with_verified_email(cog, idp):
    pool_id = cog.create_pool(AliasAttributes=["email"])
    client_id = cog.create_client(pool_id)["ClientId"]
    address = unique_email()
    username = cog.create_user(pool_id, email=address, email_verified=True)
    tokens = cog.tokens(client_id, address)
    id_claims = cog.verify(tokens["IdToken"], pool_id, audience=client_id)
    assert id_claims["cognito:username"] == username


def test_pool_with_email_alias_rejects_duplicate_verified_email(cog, idp):
    pool_id = cog.create_pool(AliasAttributes=["email"])
    address = unique_email()
    cog.create_user(pool_id, email=address, email_verified=True)
    with raises_aws("AliasExistsException"):
        cog.create_user(pool_id, email=address, email_verified=True)


def test_case_insensitive_pool_finds_user_by_any_case(cog, idp):
    pool_id = cog.create_pool(UsernameConfiguration={"CaseSensitive": False})
    client_id = cog.create_client(pool_id)["ClientId"]
    base = unique("Alice")
    cog.create_user(pool_id, username=base)
    assert idp.admin_get_user(UserPoolId=pool_id, Username=base.lower())["Username"].casefold() == base.casefold()
    assert cog.tokens(client_id, base.upper())["AccessToken"]
    with raises_aws("UsernameExistsException"):
        idp.sign_up(ClientId=client_id, Username=base.upper(), Password=PASSWORD)


def test_case_sensitive_pool_keeps_differently_cased_users_apart(cog, idp):
    pool_id = cog.create_pool(UsernameConfiguration={"CaseSensitive": True})
    base = unique("Bob")
    cog.create_user(pool_id, username=base)
    with raises_aws("UserNotFoundException"):
        idp.admin_get_user(UserPoolId=pool_id, Username=base.lower())
    cog.create_user(pool_id, username=base.lower())
    assert idp.admin_get_user(UserPoolId=pool_id, Username=base.lower())["Username"] == base.lower()


def test_admin_create_user_only_pool_refuses_sign_up(cog, idp):
    pool_id = cog.create_pool(AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})
    client_id = cog.create_client(pool_id)["ClientId"]
    with raises_aws("NotAuthorizedException"):
        cog.sign_up(client_id)
    # Administrators still can.
    assert cog.create_user(pool_id)


def test_required_schema_attribute_is_enforced_on_sign_up(cog, idp):
    pool_id = cog.create_pool(
        Schema=[{"Name": "name", "AttributeDataType": "String", "Mutable": True, "Required": True}]
    )
    client_id = cog.create_client(pool_id)["ClientId"]
    with raises_aws("InvalidParameterException"):
        cog.sign_up(client_id)
    username, resp = cog.sign_up(client_id, extra_attributes={"name": "Ada Lovelace"})
    assert resp["UserSub"]
