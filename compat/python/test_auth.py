"""Authentication: InitiateAuth / AdminInitiateAuth flows, NEW_PASSWORD_REQUIRED, sign-out,
token revocation and SECRET_HASH."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from cognate_testlib import (
    OTHER_PASSWORD,
    PASSWORD,
    claims,
    raises_aws,
    raises_one_of,
    secret_hash,
    unique,
    unique_email,
)


def _refresh(idp, client_id, refresh_token, secret_hash_value=None):
    params = {"REFRESH_TOKEN": refresh_token}
    if secret_hash_value:
        params["SECRET_HASH"] = secret_hash_value
    return idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=params)


# === USER_PASSWORD_AUTH ==========================================================================


def test_user_password_auth_returns_bearer_tokens(cog, client_id, user):
    resp = cog.sign_in(client_id, user)
    assert "ChallengeName" not in resp or resp["ChallengeName"] is None
    result = resp["AuthenticationResult"]
    assert result["ExpiresIn"] == 3600
    assert result["TokenType"] == "Bearer"
    for key in ("IdToken", "AccessToken", "RefreshToken"):
        assert isinstance(result[key], str) and result[key], key
    assert result["IdToken"].count(".") == 2
    assert result["AccessToken"].count(".") == 2


def test_user_password_auth_for_unknown_user_is_user_not_found(cog, client_id):
    with raises_aws("UserNotFoundException", "User does not exist."):
        cog.sign_in(client_id, unique("ghost"))


def test_user_password_auth_without_password_is_invalid_parameter(idp, client_id, user):
    with raises_aws("InvalidParameterException"):
        idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": user})


def test_user_password_auth_not_enabled_for_client_is_invalid_parameter(cog, pool_id, user):
    client_id = cog.create_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])[
        "ClientId"
    ]
    with raises_aws("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client"):
        cog.sign_in(client_id, user)


def test_admin_user_password_auth_not_enabled_for_client_is_invalid_parameter(cog, idp, pool_id, user):
    client_id = cog.create_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])[
        "ClientId"
    ]
    with raises_aws("InvalidParameterException"):
        idp.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
        )


def test_unknown_client_is_resource_not_found(cog, user):
    with raises_aws("ResourceNotFoundException"):
        cog.sign_in("q" * 26, user)


def test_unsupported_auth_flow_name_is_invalid_parameter(cog, client_id, user):
    with raises_aws("InvalidParameterException"):
        cog.raw.initiate_auth(
            ClientId=client_id, AuthFlow="TELEPATHY", AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD}
        )


# === REFRESH_TOKEN_AUTH ==========================================================================


def test_refresh_token_auth_returns_new_tokens_without_refresh_token(cog, idp, client_id, user):
    first = cog.tokens(client_id, user)
    result = _refresh(idp, client_id, first["RefreshToken"])["AuthenticationResult"]
    assert result["IdToken"] and result["AccessToken"]
    assert "RefreshToken" not in result or not result["RefreshToken"]
    assert result["TokenType"] == "Bearer"
    assert result["ExpiresIn"] == 3600


def test_refreshed_tokens_keep_auth_time_and_origin_jti(cog, idp, client_id, user):
    first = cog.tokens(client_id, user)
    result = _refresh(idp, client_id, first["RefreshToken"])["AuthenticationResult"]
    old_id, new_id = claims(first["IdToken"]), claims(result["IdToken"])
    old_access, new_access = claims(first["AccessToken"]), claims(result["AccessToken"])
    assert new_id["auth_time"] == old_id["auth_time"]
    assert new_access["auth_time"] == old_access["auth_time"]
    assert new_id["origin_jti"] == old_id["origin_jti"]
    assert new_access["origin_jti"] == old_access["origin_jti"]
    assert new_id["jti"] != old_id["jti"]
    assert new_access["jti"] != old_access["jti"]
    assert new_id["sub"] == old_id["sub"]


def test_refresh_with_garbage_token_is_not_authorized(idp, client_id):
    with raises_aws("NotAuthorizedException"):
        _refresh(idp, client_id, "garbage-refresh-token")


def test_refresh_token_of_another_client_is_not_authorized(cog, idp, pool_id, client_id, user):
    other_client = cog.create_client(pool_id)["ClientId"]
    refresh = cog.tokens(client_id, user)["RefreshToken"]
    with raises_aws("NotAuthorizedException"):
        _refresh(idp, other_client, refresh)


def test_refresh_for_disabled_user_is_not_authorized(cog, idp, pool_id, client_id, user):
    refresh = cog.tokens(client_id, user)["RefreshToken"]
    idp.admin_disable_user(UserPoolId=pool_id, Username=user)
    with raises_aws("NotAuthorizedException"):
        _refresh(idp, client_id, refresh)


# === AdminInitiateAuth ===========================================================================


def test_admin_user_password_auth_returns_tokens(cog, idp, pool_id, client_id, user):
    resp = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
    )
    result = resp["AuthenticationResult"]
    assert result["TokenType"] == "Bearer"
    assert result["ExpiresIn"] == 3600
    assert claims(result["IdToken"])["cognito:username"] == user


def test_admin_no_srp_auth_returns_tokens(cog, idp, pool_id, client_id, user):
    resp = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_NO_SRP_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
    )
    assert resp["AuthenticationResult"]["AccessToken"]


def test_admin_initiate_auth_wrong_password_is_not_authorized(idp, pool_id, client_id, user):
    with raises_aws("NotAuthorizedException", "Incorrect username or password."):
        idp.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": "Wr0ng-Password!"},
        )


def test_admin_refresh_token_auth_returns_new_tokens(cog, idp, pool_id, client_id, user):
    first = cog.tokens(client_id, user)
    resp = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]},
    )
    result = resp["AuthenticationResult"]
    assert result["IdToken"] and result["AccessToken"]
    assert claims(result["IdToken"])["origin_jti"] == claims(first["IdToken"])["origin_jti"]


def test_admin_initiate_auth_with_client_of_another_pool_is_resource_not_found(cog, idp, pool_id, user):
    other_pool = cog.create_pool()
    other_client = cog.create_client(other_pool)["ClientId"]
    with raises_aws("ResourceNotFoundException"):
        idp.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=other_client,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
        )


# === NEW_PASSWORD_REQUIRED =======================================================================


def _invited_user(idp, pool_id, address=None):
    username = unique("invited")
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        TemporaryPassword=PASSWORD,
        UserAttributes=[
            {"Name": "email", "Value": address or unique_email()},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    return username


def test_new_password_required_challenge_parameters(cog, idp, pool_id, client_id):
    address = unique_email()
    username = _invited_user(idp, pool_id, address)
    resp = cog.sign_in(client_id, username, PASSWORD)
    assert resp["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert "AuthenticationResult" not in resp
    assert 20 <= len(resp["Session"]) <= 2048
    params = resp["ChallengeParameters"]
    assert params["USER_ID_FOR_SRP"] == username
    user_attributes = json.loads(params["userAttributes"])
    assert user_attributes["email"] == address
    assert isinstance(json.loads(params["requiredAttributes"]), list)


def test_respond_to_new_password_required_returns_tokens_and_confirms(cog, idp, pool_id, client_id):
    username = _invited_user(idp, pool_id)
    challenge = cog.sign_in(client_id, username, PASSWORD)
    resp = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": OTHER_PASSWORD},
    )
    result = resp["AuthenticationResult"]
    assert result["IdToken"] and result["AccessToken"] and result["RefreshToken"]
    assert cog.user(pool_id, username)["UserStatus"] == "CONFIRMED"
    assert cog.tokens(client_id, username, OTHER_PASSWORD)["AccessToken"]
    with raises_aws("NotAuthorizedException", "Incorrect username or password."):
        cog.sign_in(client_id, username, PASSWORD)


def test_respond_to_new_password_required_can_set_attributes(cog, idp, pool_id, client_id):
    username = _invited_user(idp, pool_id)
    challenge = cog.sign_in(client_id, username, PASSWORD)
    idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": OTHER_PASSWORD, "userAttributes.name": "Ada"},
    )
    assert cog.user_attrs(pool_id, username)["name"] == "Ada"


def test_admin_respond_to_new_password_required_returns_tokens(cog, idp, pool_id, client_id):
    username = _invited_user(idp, pool_id)
    challenge = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert challenge["ChallengeParameters"]["USER_ID_FOR_SRP"] == username
    resp = idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id,
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": OTHER_PASSWORD},
    )
    assert resp["AuthenticationResult"]["AccessToken"]
    assert cog.user(pool_id, username)["UserStatus"] == "CONFIRMED"


def test_new_password_breaking_policy_is_invalid_password(cog, idp, pool_id, client_id):
    username = _invited_user(idp, pool_id)
    challenge = cog.sign_in(client_id, username, PASSWORD)
    with raises_aws("InvalidPasswordException"):
        idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": "weak"},
        )
    assert cog.user(pool_id, username)["UserStatus"] == "FORCE_CHANGE_PASSWORD"


def test_respond_with_forged_session_is_not_authorized(cog, idp, pool_id, client_id):
    username = _invited_user(idp, pool_id)
    cog.sign_in(client_id, username, PASSWORD)
    with raises_aws("NotAuthorizedException"):
        idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session="A" * 64,
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": OTHER_PASSWORD},
        )


def test_session_cannot_change_another_users_password(cog, idp, pool_id, client_id):
    alice = _invited_user(idp, pool_id)
    bob = _invited_user(idp, pool_id)
    alice_challenge = cog.sign_in(client_id, alice, PASSWORD)
    try:
        resp = idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=alice_challenge["Session"],
            ChallengeResponses={"USERNAME": bob, "NEW_PASSWORD": OTHER_PASSWORD},
        )
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "NotAuthorizedException", exc
    else:
        # Accepted: then it can only have been Alice's challenge, answered for Alice.
        assert claims(resp["AuthenticationResult"]["IdToken"])["cognito:username"] == alice
    assert cog.user(pool_id, bob)["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    with raises_aws("NotAuthorizedException"):
        cog.sign_in(client_id, bob, OTHER_PASSWORD)


# === sign-out and revocation =====================================================================


def test_global_sign_out_revokes_access_and_refresh_tokens(cog, idp, client_id, user):
    tokens = cog.tokens(client_id, user)
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == user
    idp.global_sign_out(AccessToken=tokens["AccessToken"])
    with raises_aws("NotAuthorizedException"):
        idp.get_user(AccessToken=tokens["AccessToken"])
    with raises_aws("NotAuthorizedException"):
        _refresh(idp, client_id, tokens["RefreshToken"])
    # Signing in again works and gives usable tokens.
    fresh = cog.tokens(client_id, user)
    assert idp.get_user(AccessToken=fresh["AccessToken"])["Username"] == user


def test_global_sign_out_revokes_every_session_of_the_user(cog, idp, client_id, user):
    first = cog.tokens(client_id, user)
    second = cog.tokens(client_id, user)
    idp.global_sign_out(AccessToken=second["AccessToken"])
    with raises_aws("NotAuthorizedException"):
        _refresh(idp, client_id, first["RefreshToken"])
    with raises_aws("NotAuthorizedException"):
        idp.get_user(AccessToken=first["AccessToken"])


def test_admin_user_global_sign_out_revokes_tokens(cog, idp, pool_id, client_id, user):
    tokens = cog.tokens(client_id, user)
    idp.admin_user_global_sign_out(UserPoolId=pool_id, Username=user)
    with raises_aws("NotAuthorizedException"):
        _refresh(idp, client_id, tokens["RefreshToken"])
    with raises_aws("NotAuthorizedException"):
        idp.get_user(AccessToken=tokens["AccessToken"])


def test_admin_user_global_sign_out_unknown_user_is_user_not_found(idp, pool_id):
    with raises_aws("UserNotFoundException"):
        idp.admin_user_global_sign_out(UserPoolId=pool_id, Username=unique("ghost"))


def test_revoke_token_refuses_later_refresh(cog, idp, client_id, user):
    tokens = cog.tokens(client_id, user)
    assert idp.revoke_token(Token=tokens["RefreshToken"], ClientId=client_id)["ResponseMetadata"][
        "HTTPStatusCode"
    ] == 200
    with raises_aws("NotAuthorizedException", "Refresh Token has been revoked"):
        _refresh(idp, client_id, tokens["RefreshToken"])


def test_revoke_token_revokes_access_tokens_of_that_session_only(cog, idp, client_id, user):
    revoked = cog.tokens(client_id, user)
    other = cog.tokens(client_id, user)
    idp.revoke_token(Token=revoked["RefreshToken"], ClientId=client_id)
    with raises_aws("NotAuthorizedException"):
        idp.get_user(AccessToken=revoked["AccessToken"])
    assert idp.get_user(AccessToken=other["AccessToken"])["Username"] == user
    assert _refresh(idp, client_id, other["RefreshToken"])["AuthenticationResult"]["AccessToken"]


def test_revoke_token_twice_succeeds(cog, idp, client_id, user):
    tokens = cog.tokens(client_id, user)
    idp.revoke_token(Token=tokens["RefreshToken"], ClientId=client_id)
    idp.revoke_token(Token=tokens["RefreshToken"], ClientId=client_id)


def test_revoke_token_with_access_token_is_unsupported_token_type(cog, idp, client_id, user):
    tokens = cog.tokens(client_id, user)
    with raises_aws("UnsupportedTokenTypeException"):
        idp.revoke_token(Token=tokens["AccessToken"], ClientId=client_id)


# === clients with a secret =======================================================================


def test_secret_client_accepts_correct_secret_hash(cog, idp, pool_id, user):
    client = cog.create_client(pool_id, GenerateSecret=True)
    tokens = cog.tokens(client["ClientId"], user, secret=client["ClientSecret"])
    assert claims(tokens["IdToken"])["aud"] == client["ClientId"]


def test_secret_client_without_secret_hash_is_not_authorized(cog, idp, pool_id, user):
    client = cog.create_client(pool_id, GenerateSecret=True)
    with raises_aws("NotAuthorizedException"):
        cog.sign_in(client["ClientId"], user)


def test_secret_client_with_bad_secret_hash_is_not_authorized(cog, idp, pool_id, user):
    client = cog.create_client(pool_id, GenerateSecret=True)
    bad = secret_hash(user, client["ClientId"], "not-the-secret")
    with raises_aws("NotAuthorizedException", f"Unable to verify secret hash for client {client['ClientId']}"):
        idp.initiate_auth(
            ClientId=client["ClientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD, "SECRET_HASH": bad},
        )


def test_secret_client_sign_up_requires_secret_hash(cog, idp, pool_id):
    client = cog.create_client(pool_id, GenerateSecret=True)
    with raises_aws("NotAuthorizedException"):
        cog.sign_up(client["ClientId"])
    bad_user = unique("user")
    with raises_aws("NotAuthorizedException", f"Unable to verify secret hash for client {client['ClientId']}"):
        idp.sign_up(
            ClientId=client["ClientId"],
            Username=bad_user,
            Password=PASSWORD,
            SecretHash=secret_hash(bad_user, client["ClientId"], "wrong"),
        )
    username, resp = cog.sign_up(client["ClientId"], secret=client["ClientSecret"])
    assert resp["UserConfirmed"] is False


def test_secret_client_confirm_and_forgot_password_use_secret_hash(cog, idp, server, pool_id, user):
    client = cog.create_client(pool_id, GenerateSecret=True)
    cid, secret = client["ClientId"], client["ClientSecret"]
    with raises_aws("NotAuthorizedException"):
        idp.forgot_password(ClientId=cid, Username=user)
    mark = server.mark()
    idp.forgot_password(ClientId=cid, Username=user, SecretHash=secret_hash(user, cid, secret))
    code = server.wait_code(user, "ForgotPassword", since=mark)
    with raises_aws("NotAuthorizedException"):
        idp.confirm_forgot_password(ClientId=cid, Username=user, ConfirmationCode=code, Password=OTHER_PASSWORD)
    idp.confirm_forgot_password(
        ClientId=cid,
        Username=user,
        ConfirmationCode=code,
        Password=OTHER_PASSWORD,
        SecretHash=secret_hash(user, cid, secret),
    )
    assert cog.tokens(cid, user, OTHER_PASSWORD, secret=secret)["AccessToken"]


def test_secret_client_refresh_with_secret_hash(cog, idp, pool_id, user):
    client = cog.create_client(pool_id, GenerateSecret=True)
    cid, secret = client["ClientId"], client["ClientSecret"]
    tokens = cog.tokens(cid, user, secret=secret)
    result = _refresh(idp, cid, tokens["RefreshToken"], secret_hash(user, cid, secret))["AuthenticationResult"]
    assert result["AccessToken"]


def test_secret_client_revoke_token_needs_client_secret(cog, idp, pool_id, user):
    client = cog.create_client(pool_id, GenerateSecret=True)
    cid, secret = client["ClientId"], client["ClientSecret"]
    tokens = cog.tokens(cid, user, secret=secret)
    with raises_one_of("UnauthorizedException", "NotAuthorizedException"):
        idp.revoke_token(Token=tokens["RefreshToken"], ClientId=cid, ClientSecret="x" * len(secret))
    idp.revoke_token(Token=tokens["RefreshToken"], ClientId=cid, ClientSecret=secret)
    with raises_aws("NotAuthorizedException"):
        _refresh(idp, cid, tokens["RefreshToken"], secret_hash(user, cid, secret))


def test_srp_flow_not_enabled_for_client_is_invalid_parameter(cog, idp, pool_id, user):
    client = cog.create_client(pool_id, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    with raises_aws("InvalidParameterException") as err:
        idp.initiate_auth(
            ClientId=client["ClientId"],
            AuthFlow="USER_SRP_AUTH",
            AuthParameters={"USERNAME": user, "SRP_A": "abc123"},
        )
    assert "USER_SRP_AUTH flow not enabled for this client" in str(err.value)
