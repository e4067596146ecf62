"""Users: sign-up and confirmation, admin-created users, reading, listing, updating, deleting,
enabling/disabling, passwords (admin set/reset, change, forgot)."""

from __future__ import annotations

import datetime
import time

import pytest

from cognate_testlib import (
    OTHER_PASSWORD,
    PASSWORD,
    SUB_RE,
    attrs,
    raises_aws,
    raises_one_of,
    unique,
    unique_email,
)

# === SignUp / ConfirmSignUp / ResendConfirmationCode =============================================


def test_sign_up_returns_unconfirmed_user_with_sub(cog, idp, pool_id, client_id):
    username, resp = cog.sign_up(client_id)
    assert resp["UserConfirmed"] is False
    assert SUB_RE.match(resp["UserSub"]), resp["UserSub"]
    user = idp.admin_get_user(UserPoolId=pool_id, Username=username)
    assert user["UserStatus"] == "UNCONFIRMED"
    assert attrs(user["UserAttributes"])["sub"] == resp["UserSub"]


def test_sign_up_with_auto_verified_email_returns_code_delivery_details(cog, pool_id, client_id):
    _, resp = cog.sign_up(client_id)
    details = resp["CodeDeliveryDetails"]
    assert details["DeliveryMedium"] == "EMAIL"
    assert details["AttributeName"] == "email"
    assert details["Destination"]


def test_sign_up_stores_attributes(cog, pool_id, client_id):
    address = unique_email()
    username, _ = cog.sign_up(client_id, email=address, extra_attributes={"name": "Ada", "custom:tier": "gold"})
    got = cog.user_attrs(pool_id, username)
    assert got["email"] == address
    assert got["name"] == "Ada"
    assert got["custom:tier"] == "gold"
    assert got.get("email_verified", "false") == "false"


def test_sign_up_twice_is_username_exists(cog, client_id):
    username, _ = cog.sign_up(client_id)
    with raises_aws("UsernameExistsException", "User already exists"):
        cog.sign_up(client_id, username=username)


@pytest.mark.parametrize(
    "password",
    ["Sh0rt!", "alllowercase1!", "ALLUPPERCASE1!", "NoNumbersHere!", "NoSymbols1234"],
    ids=["too-short", "no-uppercase", "no-lowercase", "no-number", "no-symbol"],
)
def test_sign_up_with_password_breaking_default_policy_is_invalid_password(cog, client_id, password):
    with raises_aws("InvalidPasswordException") as excinfo:
        cog.sign_up(client_id, password=password)
    assert excinfo.value.response["Error"]["Message"]


def test_sign_up_password_policy_follows_pool_settings(cog, idp):
    pool_id = cog.create_pool(
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 6,
                "RequireUppercase": False,
                "RequireLowercase": False,
                "RequireNumbers": False,
                "RequireSymbols": False,
            }
        }
    )
    client_id = cog.create_client(pool_id)["ClientId"]
    _, resp = cog.sign_up(client_id, password="simple")
    assert resp["UserSub"]
    with raises_aws("InvalidPasswordException"):
        cog.sign_up(client_id, password="five5")


def test_sign_up_with_unknown_client_is_resource_not_found(cog):
    with raises_aws("ResourceNotFoundException"):
        cog.sign_up("z" * 26)


def test_sign_up_without_username_is_invalid_parameter(cog, client_id):
    with raises_aws("InvalidParameterException"):
        cog.raw.sign_up(ClientId=client_id, Password=PASSWORD)


def test_confirm_sign_up_with_logged_code_confirms_user(cog, idp, server, pool_id, client_id):
    username, _ = cog.sign_up(client_id)
    code = server.wait_code(username, "SignUp")
    idp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=code)
    user = idp.admin_get_user(UserPoolId=pool_id, Username=username)
    assert user["UserStatus"] == "CONFIRMED"
    assert attrs(user["UserAttributes"])["email_verified"] == "true"
    assert cog.tokens(client_id, username)["IdToken"]


def test_confirm_sign_up_with_wrong_code_is_code_mismatch(cog, idp, server, pool_id, client_id):
    username, _ = cog.sign_up(client_id)
    code = server.wait_code(username, "SignUp")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with raises_aws("CodeMismatchException"):
        idp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=wrong)
    assert cog.user(pool_id, username)["UserStatus"] == "UNCONFIRMED"


def test_confirm_sign_up_code_is_single_use(cog, idp, server, client_id):
    username, _ = cog.sign_up(client_id)
    code = server.wait_code(username, "SignUp")
    idp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=code)
    # AWS answers NotAuthorizedException "User cannot be confirmed. Current status is CONFIRMED".
    with raises_one_of("NotAuthorizedException", "CodeMismatchException", "ExpiredCodeException"):
        idp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=code)


def test_confirm_sign_up_for_unknown_user_is_user_not_found(idp, client_id):
    with raises_aws("UserNotFoundException"):
        idp.confirm_sign_up(ClientId=client_id, Username=unique("ghost"), ConfirmationCode="123456")


def test_sign_in_before_confirmation_is_user_not_confirmed(cog, client_id):
    username, _ = cog.sign_up(client_id)
    with raises_aws("UserNotConfirmedException", "User is not confirmed."):
        cog.sign_in(client_id, username)


def test_resend_confirmation_code_sends_code_that_confirms(cog, idp, server, pool_id, client_id):
    username, _ = cog.sign_up(client_id)
    server.wait_code(username, "SignUp")
    mark = server.mark()
    resp = idp.resend_confirmation_code(ClientId=client_id, Username=username)
    assert resp["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert resp["CodeDeliveryDetails"]["AttributeName"] == "email"
    code = server.wait_code(username, "SignUp", since=mark)
    idp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=code)
    assert cog.user(pool_id, username)["UserStatus"] == "CONFIRMED"


def test_resend_confirmation_code_for_unknown_user_is_user_not_found(idp, client_id):
    with raises_aws("UserNotFoundException"):
        idp.resend_confirmation_code(ClientId=client_id, Username=unique("ghost"))


def test_admin_confirm_sign_up_confirms_user(cog, idp, pool_id, client_id):
    username, _ = cog.sign_up(client_id)
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=username)
    assert cog.user(pool_id, username)["UserStatus"] == "CONFIRMED"
    assert cog.tokens(client_id, username)["AccessToken"]


def test_admin_confirm_sign_up_unknown_user_is_user_not_found(idp, pool_id):
    with raises_aws("UserNotFoundException"):
        idp.admin_confirm_sign_up(UserPoolId=pool_id, Username=unique("ghost"))


# === AdminCreateUser =============================================================================


def test_admin_create_user_with_temporary_password_is_force_change_password(cog, idp, pool_id):
    username = unique("user")
    address = unique_email()
    user = idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        TemporaryPassword=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": address}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )["User"]
    assert user["Username"] == username
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert user["Enabled"] is True
    assert isinstance(user["UserCreateDate"], datetime.datetime)
    got = attrs(user["Attributes"])
    assert SUB_RE.match(got["sub"])
    assert got["email"] == address


def test_admin_create_user_logs_generated_temporary_password(cog, idp, server, pool_id, client_id):
    username = unique("user")
    mark = server.mark()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": unique_email()}, {"Name": "email_verified", "Value": "true"}],
        DesiredDeliveryMediums=["EMAIL"],
    )
    temporary = server.wait_temporary_password(username, since=mark)
    resp = cog.sign_in(client_id, username, temporary)
    assert resp["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_admin_create_user_given_temporary_password_is_sent_in_invitation(cog, idp, server, pool_id):
    username = unique("user")
    mark = server.mark()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        TemporaryPassword=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": unique_email()}, {"Name": "email_verified", "Value": "true"}],
        DesiredDeliveryMediums=["EMAIL"],
    )
    assert server.wait_temporary_password(username, since=mark) == PASSWORD


def test_admin_create_user_with_suppress_sends_no_invitation(cog, idp, server, pool_id):
    username = unique("user")
    mark = server.mark()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        TemporaryPassword=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": unique_email()}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    time.sleep(0.5)
    assert [e for e in server.events_for(username, since=mark) if e.kind == "invitation"] == []


def test_admin_create_user_resend_sends_new_invitation(cog, idp, server, pool_id, client_id):
    username = unique("user")
    address = unique_email()
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": address}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    mark = server.mark()
    resp = idp.admin_create_user(
        UserPoolId=pool_id, Username=username, MessageAction="RESEND", DesiredDeliveryMediums=["EMAIL"]
    )
    assert resp["User"]["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    temporary = server.wait_temporary_password(username, since=mark)
    assert cog.sign_in(client_id, username, temporary)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_admin_create_user_resend_for_unknown_user_is_user_not_found(idp, pool_id):
    with raises_aws("UserNotFoundException"):
        idp.admin_create_user(UserPoolId=pool_id, Username=unique("ghost"), MessageAction="RESEND")


def test_admin_create_user_twice_is_username_exists(cog, idp, pool_id):
    username = cog.create_user(pool_id)
    with raises_aws("UsernameExistsException", "User account already exists"):
        idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")


def test_admin_create_user_with_weak_temporary_password_is_invalid_password(idp, pool_id):
    with raises_aws("InvalidPasswordException"):
        idp.admin_create_user(
            UserPoolId=pool_id, Username=unique("user"), TemporaryPassword="weak", MessageAction="SUPPRESS"
        )


def test_admin_create_user_in_unknown_pool_is_resource_not_found(idp):
    with raises_aws("ResourceNotFoundException"):
        idp.admin_create_user(UserPoolId="us-east-1_NoSuchPoo", Username=unique("user"), MessageAction="SUPPRESS")


# === AdminGetUser / GetUser ======================================================================


def test_admin_get_user_returns_status_attributes_and_dates(cog, idp, pool_id):
    address = unique_email()
    username = cog.create_user(pool_id, email=address, extra_attributes={"custom:tier": "silver"})
    user = idp.admin_get_user(UserPoolId=pool_id, Username=username)
    assert user["Username"] == username
    assert user["UserStatus"] == "CONFIRMED"
    assert user["Enabled"] is True
    assert isinstance(user["UserCreateDate"], datetime.datetime)
    assert isinstance(user["UserLastModifiedDate"], datetime.datetime)
    got = attrs(user["UserAttributes"])
    assert got["email"] == address
    assert got["email_verified"] == "true"
    assert got["custom:tier"] == "silver"
    assert SUB_RE.match(got["sub"])


def test_admin_get_unknown_user_is_user_not_found(idp, pool_id):
    with raises_aws("UserNotFoundException", "User does not exist."):
        idp.admin_get_user(UserPoolId=pool_id, Username=unique("ghost"))


def test_admin_get_user_in_unknown_pool_is_resource_not_found(idp):
    with raises_aws("ResourceNotFoundException"):
        idp.admin_get_user(UserPoolId="us-east-1_NoSuchPoo", Username="x")


def test_get_user_with_access_token_returns_own_attributes(cog, idp, pool_id, client_id):
    address = unique_email()
    username = cog.create_user(pool_id, email=address)
    access = cog.tokens(client_id, username)["AccessToken"]
    me = idp.get_user(AccessToken=access)
    assert me["Username"] == username
    got = attrs(me["UserAttributes"])
    assert got["email"] == address
    assert SUB_RE.match(got["sub"])


def test_get_user_with_garbage_token_is_not_authorized(idp):
    with raises_aws("NotAuthorizedException"):
        idp.get_user(AccessToken="not.a.token")


def test_get_user_with_id_token_is_not_authorized(cog, idp, client_id, user):
    id_token = cog.tokens(client_id, user)["IdToken"]
    with raises_aws("NotAuthorizedException"):
        idp.get_user(AccessToken=id_token)


# === ListUsers ===================================================================================


@pytest.fixture
def populated_pool(cog, idp):
    """Three users: two confirmed (one disabled), one unconfirmed."""
    pool_id = cog.create_pool()
    client_id = cog.create_client(pool_id)["ClientId"]
    tag = unique("t").split("-")[1]
    alice = cog.create_user(pool_id, username=f"alice-{tag}", email=f"alice.{tag}@example.com")
    bob = cog.create_user(pool_id, username=f"bob-{tag}", email=f"bob.{tag}@example.org")
    carol, _ = cog.sign_up(client_id, username=f"carol-{tag}", email=f"carol.{tag}@example.com")
    idp.admin_disable_user(UserPoolId=pool_id, Username=bob)
    return {"pool_id": pool_id, "alice": alice, "bob": bob, "carol": carol, "tag": tag}


def _list_names(idp, pool_id, **kwargs) -> set[str]:
    names = set()
    for page in idp.get_paginator("list_users").paginate(UserPoolId=pool_id, **kwargs):
        names.update(u["Username"] for u in page["Users"])
    return names


def test_list_users_returns_every_user(idp, populated_pool):
    p = populated_pool
    resp = idp.list_users(UserPoolId=p["pool_id"])
    assert {u["Username"] for u in resp["Users"]} == {p["alice"], p["bob"], p["carol"]}
    for u in resp["Users"]:
        assert u["UserStatus"] in ("CONFIRMED", "UNCONFIRMED")
        assert "Enabled" in u and "UserCreateDate" in u
        assert "sub" in attrs(u["Attributes"])


def test_list_users_filter_email_equals(idp, populated_pool):
    p = populated_pool
    names = _list_names(idp, p["pool_id"], Filter=f'email = "alice.{p["tag"]}@example.com"')
    assert names == {p["alice"]}


def test_list_users_filter_email_prefix(idp, populated_pool):
    p = populated_pool
    assert _list_names(idp, p["pool_id"], Filter='email ^= "carol."') == {p["carol"]}
    assert _list_names(idp, p["pool_id"], Filter='email ^= "nobody"') == set()


def test_list_users_filter_username_prefix(idp, populated_pool):
    p = populated_pool
    assert _list_names(idp, p["pool_id"], Filter='username ^= "bob-"') == {p["bob"]}


def test_list_users_filter_user_status(idp, populated_pool):
    p = populated_pool
    assert _list_names(idp, p["pool_id"], Filter='cognito:user_status = "CONFIRMED"') == {p["alice"], p["bob"]}
    assert _list_names(idp, p["pool_id"], Filter='cognito:user_status = "UNCONFIRMED"') == {p["carol"]}


def test_list_users_filter_enabled_status(idp, populated_pool):
    p = populated_pool
    assert _list_names(idp, p["pool_id"], Filter='status = "Enabled"') == {p["alice"], p["carol"]}
    assert _list_names(idp, p["pool_id"], Filter='status = "Disabled"') == {p["bob"]}


def test_list_users_filter_sub(cog, idp, populated_pool):
    p = populated_pool
    sub = cog.user_attrs(p["pool_id"], p["alice"])["sub"]
    assert _list_names(idp, p["pool_id"], Filter=f'sub = "{sub}"') == {p["alice"]}


@pytest.mark.parametrize(
    "bad_filter",
    ['email == "x"', 'email = x', 'custom:tier = "gold"', 'favourite_colour = "blue"', 'email ~ "a"'],
)
def test_list_users_with_bad_filter_is_invalid_parameter(idp, populated_pool, bad_filter):
    with raises_aws("InvalidParameterException"):
        idp.list_users(UserPoolId=populated_pool["pool_id"], Filter=bad_filter)


def test_list_users_paginates_with_limit(cog, idp):
    pool_id = cog.create_pool()
    created = {cog.create_user(pool_id) for _ in range(5)}
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        kwargs = {"UserPoolId": pool_id, "Limit": 2}
        if token:
            kwargs["PaginationToken"] = token
        resp = idp.list_users(**kwargs)
        pages += 1
        assert len(resp["Users"]) <= 2
        seen.extend(u["Username"] for u in resp["Users"])
        token = resp.get("PaginationToken")
        if not token:
            break
        assert pages < 20
    assert sorted(seen) == sorted(created)
    assert pages >= 3


def test_list_users_with_bad_pagination_token_is_invalid_parameter(idp, pool_id):
    with raises_aws("InvalidParameterException"):
        idp.list_users(UserPoolId=pool_id, PaginationToken="not-a-real-token!!")


def test_list_users_attributes_to_get_limits_attributes(cog, idp, pool_id):
    cog.create_user(pool_id, extra_attributes={"name": "Ada", "custom:tier": "gold"})
    resp = idp.list_users(UserPoolId=pool_id, AttributesToGet=["email"])
    assert resp["Users"]
    for u in resp["Users"]:
        names = set(attrs(u.get("Attributes")).keys())
        assert "email" in names
        assert names <= {"email"}, names


def test_list_users_in_unknown_pool_is_resource_not_found(idp):
    with raises_aws("ResourceNotFoundException"):
        idp.list_users(UserPoolId="us-east-1_NoSuchPoo")


# === deleting users ==============================================================================


def test_admin_delete_user_removes_user(cog, idp, pool_id, client_id, user):
    idp.admin_delete_user(UserPoolId=pool_id, Username=user)
    with raises_aws("UserNotFoundException"):
        idp.admin_get_user(UserPoolId=pool_id, Username=user)
    with raises_aws("UserNotFoundException"):
        cog.sign_in(client_id, user)
    with raises_aws("UserNotFoundException"):
        idp.admin_delete_user(UserPoolId=pool_id, Username=user)


def test_admin_delete_user_frees_the_username(cog, idp, pool_id, client_id, user):
    idp.admin_delete_user(UserPoolId=pool_id, Username=user)
    _, resp = cog.sign_up(client_id, username=user)
    assert resp["UserConfirmed"] is False


def test_delete_user_with_access_token_removes_user(cog, idp, pool_id, client_id, user):
    access = cog.tokens(client_id, user)["AccessToken"]
    idp.delete_user(AccessToken=access)
    with raises_aws("UserNotFoundException"):
        idp.admin_get_user(UserPoolId=pool_id, Username=user)
    with raises_aws("NotAuthorizedException"):
        idp.get_user(AccessToken=access)


# === attributes ==================================================================================


def test_admin_update_user_attributes_sets_custom_attribute(cog, idp, pool_id, user):
    idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username=user,
        UserAttributes=[{"Name": "custom:tier", "Value": "platinum"}, {"Name": "name", "Value": "Grace"}],
    )
    got = cog.user_attrs(pool_id, user)
    assert got["custom:tier"] == "platinum"
    assert got["name"] == "Grace"


def test_admin_update_user_attributes_email_change_unverifies_email(cog, idp, pool_id, user):
    new_address = unique_email()
    idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username=user, UserAttributes=[{"Name": "email", "Value": new_address}]
    )
    got = cog.user_attrs(pool_id, user)
    assert got["email"] == new_address
    assert got["email_verified"] == "false"


def test_admin_update_user_attributes_can_mark_email_verified(cog, idp, pool_id, user):
    new_address = unique_email()
    idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username=user,
        UserAttributes=[{"Name": "email", "Value": new_address}, {"Name": "email_verified", "Value": "true"}],
    )
    got = cog.user_attrs(pool_id, user)
    assert got["email"] == new_address
    assert got["email_verified"] == "true"


def test_admin_update_user_attributes_cannot_change_sub(cog, idp, pool_id, user):
    with raises_aws("InvalidParameterException"):
        idp.admin_update_user_attributes(
            UserPoolId=pool_id, Username=user,
            UserAttributes=[{"Name": "sub", "Value": "00000000-0000-0000-0000-000000000000"}],
        )


def test_admin_update_user_attributes_unknown_user_is_user_not_found(idp, pool_id):
    with raises_aws("UserNotFoundException"):
        idp.admin_update_user_attributes(
            UserPoolId=pool_id, Username=unique("ghost"), UserAttributes=[{"Name": "name", "Value": "x"}]
        )


def test_update_user_attributes_sets_custom_attribute(cog, idp, pool_id, client_id, user):
    access = cog.tokens(client_id, user)["AccessToken"]
    idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "custom:tier", "Value": "bronze"}])
    assert cog.user_attrs(pool_id, user)["custom:tier"] == "bronze"


def test_update_user_attributes_email_change_sends_code_and_verify_completes(
    cog, idp, server, pool_id, client_id, user
):
    access = cog.tokens(client_id, user)["AccessToken"]
    new_address = unique_email()
    mark = server.mark()
    resp = idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": new_address}])
    deliveries = resp.get("CodeDeliveryDetailsList", [])
    assert [d["AttributeName"] for d in deliveries] == ["email"]
    assert deliveries[0]["DeliveryMedium"] == "EMAIL"
    got = cog.user_attrs(pool_id, user)
    assert got["email"] == new_address
    assert got["email_verified"] == "false"
    code = server.wait_code(user, "VerifyAttribute", since=mark)
    idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    assert cog.user_attrs(pool_id, user)["email_verified"] == "true"


def test_admin_delete_user_attributes_removes_attribute(cog, idp, pool_id):
    username = cog.create_user(pool_id, extra_attributes={"custom:tier": "gold", "name": "Ada"})
    idp.admin_delete_user_attributes(UserPoolId=pool_id, Username=username, UserAttributeNames=["custom:tier"])
    got = cog.user_attrs(pool_id, username)
    assert "custom:tier" not in got
    assert got["name"] == "Ada"


def test_delete_user_attributes_with_access_token_removes_attribute(cog, idp, pool_id, client_id):
    username = cog.create_user(pool_id, extra_attributes={"name": "Ada"})
    access = cog.tokens(client_id, username)["AccessToken"]
    idp.delete_user_attributes(AccessToken=access, UserAttributeNames=["name"])
    assert "name" not in cog.user_attrs(pool_id, username)


def test_get_user_attribute_verification_code_then_verify_marks_email_verified(
    cog, idp, server, pool_id, client_id
):
    username = cog.create_user(pool_id, email_verified=False)
    access = cog.tokens(client_id, username)["AccessToken"]
    mark = server.mark()
    resp = idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    assert resp["CodeDeliveryDetails"]["AttributeName"] == "email"
    assert resp["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    code = server.wait_code(username, "VerifyAttribute", since=mark)
    idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code)
    assert cog.user_attrs(pool_id, username)["email_verified"] == "true"


def test_verify_user_attribute_with_wrong_code_is_code_mismatch(cog, idp, server, pool_id, client_id):
    username = cog.create_user(pool_id, email_verified=False)
    access = cog.tokens(client_id, username)["AccessToken"]
    mark = server.mark()
    idp.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    code = server.wait_code(username, "VerifyAttribute", since=mark)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with raises_aws("CodeMismatchException"):
        idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=wrong)
    assert cog.user_attrs(pool_id, username)["email_verified"] == "false"


# === enable / disable ============================================================================


def test_disabled_user_cannot_sign_in(cog, idp, pool_id, client_id, user):
    idp.admin_disable_user(UserPoolId=pool_id, Username=user)
    assert idp.admin_get_user(UserPoolId=pool_id, Username=user)["Enabled"] is False
    with raises_aws("NotAuthorizedException", "User is disabled."):
        cog.sign_in(client_id, user)


def test_enabled_again_user_can_sign_in(cog, idp, pool_id, client_id, user):
    idp.admin_disable_user(UserPoolId=pool_id, Username=user)
    idp.admin_enable_user(UserPoolId=pool_id, Username=user)
    assert idp.admin_get_user(UserPoolId=pool_id, Username=user)["Enabled"] is True
    assert cog.tokens(client_id, user)["AccessToken"]


def test_disable_unknown_user_is_user_not_found(idp, pool_id):
    with raises_aws("UserNotFoundException"):
        idp.admin_disable_user(UserPoolId=pool_id, Username=unique("ghost"))


# === passwords ===================================================================================


def test_sign_in_with_wrong_password_is_not_authorized(cog, client_id, user):
    with raises_aws("NotAuthorizedException", "Incorrect username or password."):
        cog.sign_in(client_id, user, "Wr0ng-Password!")


def test_admin_set_user_password_permanent_confirms_user(cog, idp, pool_id, client_id):
    username = unique("user")
    idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=OTHER_PASSWORD, Permanent=True)
    assert cog.user(pool_id, username)["UserStatus"] == "CONFIRMED"
    assert cog.tokens(client_id, username, OTHER_PASSWORD)["AccessToken"]


def test_admin_set_user_password_temporary_forces_change(cog, idp, pool_id, client_id, user):
    idp.admin_set_user_password(UserPoolId=pool_id, Username=user, Password=OTHER_PASSWORD, Permanent=False)
    assert cog.user(pool_id, user)["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    assert cog.sign_in(client_id, user, OTHER_PASSWORD)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_admin_set_user_password_weak_is_invalid_password(idp, pool_id, user):
    with raises_aws("InvalidPasswordException"):
        idp.admin_set_user_password(UserPoolId=pool_id, Username=user, Password="weak", Permanent=True)


def test_admin_set_user_password_unknown_user_is_user_not_found(idp, pool_id):
    with raises_aws("UserNotFoundException"):
        idp.admin_set_user_password(UserPoolId=pool_id, Username=unique("ghost"), Password=PASSWORD, Permanent=True)


def test_admin_reset_user_password_requires_reset_then_code_sets_new_password(
    cog, idp, server, pool_id, client_id, user
):
    mark = server.mark()
    idp.admin_reset_user_password(UserPoolId=pool_id, Username=user)
    assert cog.user(pool_id, user)["UserStatus"] == "RESET_REQUIRED"
    with raises_aws("PasswordResetRequiredException"):
        cog.sign_in(client_id, user)
    code = server.wait_code(user, "ForgotPassword", since=mark)
    idp.confirm_forgot_password(ClientId=client_id, Username=user, ConfirmationCode=code, Password=OTHER_PASSWORD)
    assert cog.user(pool_id, user)["UserStatus"] == "CONFIRMED"
    assert cog.tokens(client_id, user, OTHER_PASSWORD)["AccessToken"]


def test_admin_reset_user_password_unknown_user_is_user_not_found(idp, pool_id):
    with raises_aws("UserNotFoundException"):
        idp.admin_reset_user_password(UserPoolId=pool_id, Username=unique("ghost"))


def test_change_password_replaces_password(cog, idp, client_id, user):
    access = cog.tokens(client_id, user)["AccessToken"]
    idp.change_password(PreviousPassword=PASSWORD, ProposedPassword=OTHER_PASSWORD, AccessToken=access)
    assert cog.tokens(client_id, user, OTHER_PASSWORD)["AccessToken"]
    with raises_aws("NotAuthorizedException", "Incorrect username or password."):
        cog.sign_in(client_id, user, PASSWORD)


def test_change_password_with_wrong_previous_password_is_not_authorized(cog, idp, client_id, user):
    access = cog.tokens(client_id, user)["AccessToken"]
    with raises_aws("NotAuthorizedException", "Incorrect username or password."):
        idp.change_password(PreviousPassword="Wr0ng-Password!", ProposedPassword=OTHER_PASSWORD, AccessToken=access)
    assert cog.tokens(client_id, user, PASSWORD)["AccessToken"]


def test_change_password_to_weak_password_is_invalid_password(cog, idp, client_id, user):
    access = cog.tokens(client_id, user)["AccessToken"]
    with raises_aws("InvalidPasswordException"):
        idp.change_password(PreviousPassword=PASSWORD, ProposedPassword="weak", AccessToken=access)


def test_forgot_password_code_sets_new_password(cog, idp, server, pool_id, client_id, user):
    mark = server.mark()
    resp = idp.forgot_password(ClientId=client_id, Username=user)
    assert resp["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert resp["CodeDeliveryDetails"]["AttributeName"] == "email"
    code = server.wait_code(user, "ForgotPassword", since=mark)
    idp.confirm_forgot_password(ClientId=client_id, Username=user, ConfirmationCode=code, Password=OTHER_PASSWORD)
    assert cog.tokens(client_id, user, OTHER_PASSWORD)["AccessToken"]
    with raises_aws("NotAuthorizedException", "Incorrect username or password."):
        cog.sign_in(client_id, user, PASSWORD)


def test_confirm_forgot_password_with_wrong_code_is_code_mismatch(cog, idp, server, client_id, user):
    mark = server.mark()
    idp.forgot_password(ClientId=client_id, Username=user)
    code = server.wait_code(user, "ForgotPassword", since=mark)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with raises_aws("CodeMismatchException"):
        idp.confirm_forgot_password(ClientId=client_id, Username=user, ConfirmationCode=wrong, Password=OTHER_PASSWORD)
    assert cog.tokens(client_id, user, PASSWORD)["AccessToken"]


def test_confirm_forgot_password_with_weak_password_is_invalid_password(cog, idp, server, client_id, user):
    mark = server.mark()
    idp.forgot_password(ClientId=client_id, Username=user)
    code = server.wait_code(user, "ForgotPassword", since=mark)
    with raises_aws("InvalidPasswordException"):
        idp.confirm_forgot_password(ClientId=client_id, Username=user, ConfirmationCode=code, Password="weak")


def test_forgot_password_for_unknown_user_is_user_not_found(idp, client_id):
    with raises_aws("UserNotFoundException"):
        idp.forgot_password(ClientId=client_id, Username=unique("ghost"))


def test_forgot_password_without_verified_contact_is_invalid_parameter(cog, idp, pool_id, client_id):
    username = cog.create_user(pool_id, email_verified=False)
    with raises_aws("InvalidParameterException"):
        idp.forgot_password(ClientId=client_id, Username=username)
