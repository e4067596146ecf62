"""App clients: Create/Describe/List/Update/DeleteUserPoolClient."""

from __future__ import annotations

import re

from cognate_testlib import CLIENT_ID_RE, PASSWORD, claims, raises_aws, unique


def test_create_client_with_generate_secret_returns_secret(cog, pool_id):
    client = cog.create_client(pool_id, GenerateSecret=True)
    assert CLIENT_ID_RE.match(client["ClientId"]), client["ClientId"]
    assert re.fullmatch(r"[a-z0-9]{40,64}", client["ClientSecret"]), client["ClientSecret"]
    assert client["UserPoolId"] == pool_id


def test_create_client_without_secret_has_no_client_secret(cog, pool_id):
    client = cog.create_client(pool_id)
    assert CLIENT_ID_RE.match(client["ClientId"])
    assert "ClientSecret" not in client


def test_client_ids_are_unique(cog, pool_id):
    ids = {cog.create_client(pool_id)["ClientId"] for _ in range(5)}
    assert len(ids) == 5


def test_describe_client_returns_configuration(cog, idp, pool_id):
    name = unique("app")
    created = cog.create_client(
        pool_id,
        ClientName=name,
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        RefreshTokenValidity=10,
        AccessTokenValidity=2,
        IdTokenValidity=90,
        TokenValidityUnits={"RefreshToken": "days", "AccessToken": "hours", "IdToken": "minutes"},
        ReadAttributes=["email", "email_verified", "custom:tier"],
        WriteAttributes=["email", "custom:tier"],
        PreventUserExistenceErrors="ENABLED",
        EnableTokenRevocation=True,
    )
    got = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=created["ClientId"])["UserPoolClient"]
    assert got["ClientId"] == created["ClientId"]
    assert got["ClientName"] == name
    assert got["ClientSecret"] == created["ClientSecret"]
    assert set(got["ExplicitAuthFlows"]) == {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert got["RefreshTokenValidity"] == 10
    assert got["AccessTokenValidity"] == 2
    assert got["IdTokenValidity"] == 90
    assert got["TokenValidityUnits"] == {"RefreshToken": "days", "AccessToken": "hours", "IdToken": "minutes"}
    assert set(got["ReadAttributes"]) == {"email", "email_verified", "custom:tier"}
    assert set(got["WriteAttributes"]) == {"email", "custom:tier"}
    assert got["PreventUserExistenceErrors"] == "ENABLED"
    assert got["EnableTokenRevocation"] is True
    assert got["CreationDate"] and got["LastModifiedDate"]


def test_describe_client_defaults(cog, idp, pool_id):
    created = idp.create_user_pool_client(UserPoolId=pool_id, ClientName=unique("app"))["UserPoolClient"]
    got = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=created["ClientId"])["UserPoolClient"]
    assert got["RefreshTokenValidity"] == 30
    assert got.get("EnableTokenRevocation") is True


def test_describe_unknown_client_is_resource_not_found(idp, pool_id):
    with raises_aws("ResourceNotFoundException"):
        idp.describe_user_pool_client(UserPoolId=pool_id, ClientId="a" * 26)


def test_describe_client_of_another_pool_is_resource_not_found(cog, idp, pool_id):
    other_pool = cog.create_pool()
    client_id = cog.create_client(other_pool)["ClientId"]
    with raises_aws("ResourceNotFoundException"):
        idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)


def test_list_clients_pages_with_max_results(cog, idp, pool_id):
    created = {cog.create_client(pool_id)["ClientId"] for _ in range(3)}
    seen = []
    token = None
    while True:
        kwargs = {"UserPoolId": pool_id, "MaxResults": 1}
        if token:
            kwargs["NextToken"] = token
        resp = idp.list_user_pool_clients(**kwargs)
        assert len(resp["UserPoolClients"]) <= 1
        for c in resp["UserPoolClients"]:
            assert c["UserPoolId"] == pool_id
            assert c["ClientName"]
            assert "ClientSecret" not in c, "list does not reveal secrets"
            seen.append(c["ClientId"])
        token = resp.get("NextToken")
        if not token:
            break
    assert sorted(seen) == sorted(created)


def test_list_clients_of_unknown_pool_is_resource_not_found(idp):
    with raises_aws("ResourceNotFoundException"):
        idp.list_user_pool_clients(UserPoolId="us-east-1_NoSuchPoo", MaxResults=10)


def test_update_client_changes_flows_and_validity_and_keeps_secret(cog, idp, pool_id):
    created = cog.create_client(pool_id, GenerateSecret=True)
    idp.update_user_pool_client(
        UserPoolId=pool_id,
        ClientId=created["ClientId"],
        ClientName="renamed",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        IdTokenValidity=2,
        AccessTokenValidity=2,
        TokenValidityUnits={"IdToken": "hours", "AccessToken": "hours"},
    )
    got = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=created["ClientId"])["UserPoolClient"]
    assert got["ClientName"] == "renamed"
    assert set(got["ExplicitAuthFlows"]) == {"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert got["IdTokenValidity"] == 2
    assert got["TokenValidityUnits"]["IdToken"] == "hours"
    assert got["ClientSecret"] == created["ClientSecret"]


def test_update_client_flows_take_effect_on_next_sign_in(cog, idp, pool_id, user):
    client_id = cog.create_client(pool_id)["ClientId"]
    assert cog.tokens(client_id, user)["AccessToken"]
    idp.update_user_pool_client(
        UserPoolId=pool_id, ClientId=client_id, ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"]
    )
    with raises_aws("InvalidParameterException"):
        cog.sign_in(client_id, user)


def test_update_unknown_client_is_resource_not_found(idp, pool_id):
    with raises_aws("ResourceNotFoundException"):
        idp.update_user_pool_client(UserPoolId=pool_id, ClientId="b" * 26, ClientName="x")


def test_delete_client_then_describe_and_sign_in_are_resource_not_found(cog, idp, pool_id, user):
    client_id = cog.create_client(pool_id)["ClientId"]
    idp.delete_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    with raises_aws("ResourceNotFoundException"):
        idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    with raises_aws("ResourceNotFoundException"):
        cog.sign_in(client_id, user)


def test_create_client_with_unknown_auth_flow_is_invalid_parameter(idp, pool_id):
    with raises_aws("InvalidParameterException"):
        idp.create_user_pool_client(
            UserPoolId=pool_id, ClientName=unique("app"), ExplicitAuthFlows=["ALLOW_TELEPATHY"]
        )


def test_create_client_with_access_token_validity_over_one_day_is_invalid_parameter(idp, pool_id):
    with raises_aws("InvalidParameterException"):
        idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=unique("app"),
            AccessTokenValidity=2,
            TokenValidityUnits={"AccessToken": "days"},
        )


def test_create_client_in_unknown_pool_is_resource_not_found(idp):
    with raises_aws("ResourceNotFoundException"):
        idp.create_user_pool_client(UserPoolId="us-east-1_NoSuchPoo", ClientName="x")


def test_create_client_without_name_is_invalid_parameter(cog, pool_id):
    with raises_aws("InvalidParameterException"):
        cog.raw.create_user_pool_client(UserPoolId=pool_id)


def test_prevent_user_existence_errors_hides_unknown_user_on_sign_in(cog, pool_id):
    client_id = cog.create_client(pool_id, PreventUserExistenceErrors="ENABLED")["ClientId"]
    with raises_aws("NotAuthorizedException", "Incorrect username or password."):
        cog.sign_in(client_id, unique("ghost"))


def test_legacy_user_existence_errors_reveal_unknown_user_on_sign_in(cog, pool_id):
    client_id = cog.create_client(pool_id, PreventUserExistenceErrors="LEGACY")["ClientId"]
    with raises_aws("UserNotFoundException", "User does not exist."):
        cog.sign_in(client_id, unique("ghost"))


def test_prevent_user_existence_errors_simulates_forgot_password_for_unknown_user(cog, idp, pool_id):
    client_id = cog.create_client(pool_id, PreventUserExistenceErrors="ENABLED")["ClientId"]
    resp = idp.forgot_password(ClientId=client_id, Username=unique("ghost"))
    assert resp["CodeDeliveryDetails"]["DeliveryMedium"] in ("EMAIL", "SMS")


def test_read_attributes_limit_id_token_claims(cog, idp, pool_id):
    client_id = cog.create_client(pool_id, ReadAttributes=["email", "email_verified"])["ClientId"]
    username = cog.create_user(pool_id, extra_attributes={"name": "Ada", "custom:tier": "gold"})
    id_claims = claims(cog.tokens(client_id, username)["IdToken"])
    assert "email" in id_claims
    assert "name" not in id_claims
    assert "custom:tier" not in id_claims


def test_write_attributes_limit_update_user_attributes(cog, idp, pool_id):
    client_id = cog.create_client(pool_id, WriteAttributes=["name"])["ClientId"]
    username = cog.create_user(pool_id)
    access = cog.tokens(client_id, username)["AccessToken"]
    idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "name", "Value": "Grace"}])
    with raises_aws("NotAuthorizedException"):
        idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "custom:tier", "Value": "x"}])
    assert cog.user_attrs(pool_id, username)["name"] == "Grace"


def test_token_revocation_disabled_client_refuses_revoke_token(cog, idp, pool_id, user):
    client_id = cog.create_client(pool_id, EnableTokenRevocation=False)["ClientId"]
    refresh = cog.tokens(client_id, user, PASSWORD)["RefreshToken"]
    with raises_aws("UnsupportedOperationException"):
        idp.revoke_token(Token=refresh, ClientId=client_id)
