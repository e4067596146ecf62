"""Sign-in lockout: five wrong passwords in a row lock the user, and while locked even the right
password is refused with "Password attempts exceeded". The first lock lasts one second, so each
test makes its attempts back to back; the timed release is covered by the Rust tests."""

from __future__ import annotations

from pycognito.aws_srp import AWSSRP

from cognate_testlib import PASSWORD, raises_aws, unique

WRONG = "Wr0ng-Password!"
INCORRECT = "Incorrect username or password."
EXCEEDED = "Password attempts exceeded"


def _fail_five_times(cog, client_id, username):
    for _ in range(5):
        with raises_aws("NotAuthorizedException", INCORRECT):
            cog.sign_in(client_id, username, WRONG)


def test_five_wrong_passwords_then_the_right_one_is_refused(cog, client_id, user):
    _fail_five_times(cog, client_id, user)
    with raises_aws("NotAuthorizedException", EXCEEDED):
        cog.sign_in(client_id, user, PASSWORD)


def test_admin_sign_in_is_refused_while_locked(cog, idp, pool_id, client_id, user):
    _fail_five_times(cog, client_id, user)
    with raises_aws("NotAuthorizedException", EXCEEDED):
        idp.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
        )


def test_srp_sign_in_is_refused_while_locked(cog, pool_id, client, user):
    _fail_five_times(cog, client["ClientId"], user)
    srp = AWSSRP(username=user, password=PASSWORD, pool_id=pool_id, client_id=client["ClientId"], client=cog.idp)
    with raises_aws("NotAuthorizedException", EXCEEDED):
        srp.authenticate_user()


def test_unknown_user_never_gets_the_lockout_message(cog, pool_id):
    client_id = cog.create_client(pool_id, PreventUserExistenceErrors="ENABLED")["ClientId"]
    ghost = unique("ghost")
    for _ in range(7):
        with raises_aws("NotAuthorizedException", INCORRECT):
            cog.sign_in(client_id, ghost, WRONG)
