"""GetTokensFromRefreshToken and the app client's RefreshTokenRotation setting."""

from __future__ import annotations

from cognate_testlib import claims, raises_aws

ENABLED_NO_GRACE = {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}


def test_without_rotation_returns_id_and_access_tokens_only(cog, client_id, user):
    signed_in = cog.tokens(client_id, user)
    resp = cog.idp.get_tokens_from_refresh_token(RefreshToken=signed_in["RefreshToken"], ClientId=client_id)
    result = resp["AuthenticationResult"]
    assert "RefreshToken" not in result
    assert result["TokenType"] == "Bearer"
    assert claims(result["IdToken"])["origin_jti"] == claims(signed_in["IdToken"])["origin_jti"]
    assert cog.idp.get_user(AccessToken=result["AccessToken"])["Username"] == user


def test_with_rotation_returns_a_new_refresh_token_and_refuses_the_old_one(cog, pool_id, user):
    client_id = cog.create_client(pool_id, RefreshTokenRotation=ENABLED_NO_GRACE)["ClientId"]
    signed_in = cog.tokens(client_id, user)
    first = signed_in["RefreshToken"]
    result = cog.idp.get_tokens_from_refresh_token(RefreshToken=first, ClientId=client_id)["AuthenticationResult"]
    second = result["RefreshToken"]
    assert second != first
    assert claims(result["AccessToken"])["origin_jti"] == claims(signed_in["AccessToken"])["origin_jti"]
    with raises_aws("NotAuthorizedException", "Invalid Refresh Token"):
        cog.idp.get_tokens_from_refresh_token(RefreshToken=first, ClientId=client_id)
    again = cog.idp.get_tokens_from_refresh_token(RefreshToken=second, ClientId=client_id)["AuthenticationResult"]
    assert again["RefreshToken"] not in (first, second)


def test_rotation_setting_is_described_and_validated(cog, pool_id):
    created = cog.create_client(pool_id, RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 20})
    described = cog.idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=created["ClientId"])
    assert described["UserPoolClient"]["RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": 20}
    with raises_aws("InvalidParameterException"):
        cog.create_client(pool_id, RefreshTokenRotation={"Feature": "ENABLED", "RetryGracePeriodSeconds": 61})


def test_refresh_token_auth_is_refused_when_rotation_is_enabled(cog, pool_id, user):
    client_id = cog.create_client(pool_id, RefreshTokenRotation=ENABLED_NO_GRACE)["ClientId"]
    token = cog.tokens(client_id, user)["RefreshToken"]
    with raises_aws("InvalidParameterException"):
        cog.idp.initiate_auth(
            ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": token}
        )


def test_client_with_secret_requires_the_client_secret(cog, pool_id, user):
    client = cog.create_client(pool_id, GenerateSecret=True)
    secret = client["ClientSecret"]
    token = cog.tokens(client["ClientId"], user, secret=secret)["RefreshToken"]
    with raises_aws("NotAuthorizedException"):
        cog.idp.get_tokens_from_refresh_token(RefreshToken=token, ClientId=client["ClientId"])
    resp = cog.idp.get_tokens_from_refresh_token(RefreshToken=token, ClientId=client["ClientId"], ClientSecret=secret)
    assert resp["AuthenticationResult"]["AccessToken"]


def test_revoked_refresh_token_is_refused(cog, pool_id, user):
    client_id = cog.create_client(pool_id, RefreshTokenRotation=ENABLED_NO_GRACE)["ClientId"]
    first = cog.tokens(client_id, user)["RefreshToken"]
    second = cog.idp.get_tokens_from_refresh_token(RefreshToken=first, ClientId=client_id)["AuthenticationResult"][
        "RefreshToken"
    ]
    cog.idp.revoke_token(Token=second, ClientId=client_id)
    with raises_aws("NotAuthorizedException", "Refresh Token has been revoked"):
        cog.idp.get_tokens_from_refresh_token(RefreshToken=second, ClientId=client_id)
