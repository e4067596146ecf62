"""TOTP (software token) MFA with pyotp: associate, verify, prefer, then the SOFTWARE_TOKEN_MFA challenge."""

from __future__ import annotations

import time

import pyotp
import pytest

from cognate_testlib import raises_aws


def _next_window_code(totp: pyotp.TOTP, used_at: float) -> str:
    """A code from a later 30 s step than `used_at` (a step may be accepted only once)."""
    step = int(used_at // 30)
    while int(time.time() // 30) == step:
        time.sleep(0.25)
    return totp.now()


@pytest.fixture
def mfa_user(cog, idp, pool_id, client_id, user):
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL"
    )
    access = cog.tokens(client_id, user)["AccessToken"]
    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    totp = pyotp.TOTP(secret)
    used_at = time.time()
    resp = idp.verify_software_token(AccessToken=access, UserCode=totp.now(), FriendlyDeviceName="phone")
    assert resp["Status"] == "SUCCESS"
    idp.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    return {"username": user, "totp": totp, "used_at": used_at}


def test_associate_software_token_returns_base32_secret(cog, idp, pool_id, client_id, user):
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL"
    )
    access = cog.tokens(client_id, user)["AccessToken"]
    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    assert len(secret) >= 16
    pyotp.TOTP(secret).now()  # valid base32


def test_verify_software_token_with_wrong_code_fails(cog, idp, pool_id, client_id, user):
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL"
    )
    access = cog.tokens(client_id, user)["AccessToken"]
    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    good = pyotp.TOTP(secret).now()
    wrong = f"{(int(good) + 500_000) % 1_000_000:06d}"
    with raises_aws("EnableSoftwareTokenMFAException"):
        idp.verify_software_token(AccessToken=access, UserCode=wrong)


def test_mfa_user_settings_are_reported(cog, idp, pool_id, mfa_user):
    user = idp.admin_get_user(UserPoolId=pool_id, Username=mfa_user["username"])
    assert user["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"]
    assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"


def test_sign_in_with_totp_mfa_challenge(cog, idp, pool_id, client_id, mfa_user):
    resp = cog.sign_in(client_id, mfa_user["username"])
    assert resp["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert resp["Session"]
    assert "AuthenticationResult" not in resp
    code = _next_window_code(mfa_user["totp"], mfa_user["used_at"])
    done = idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=resp["Session"],
        ChallengeResponses={"USERNAME": mfa_user["username"], "SOFTWARE_TOKEN_MFA_CODE": code},
    )
    assert cog.verify(done["AuthenticationResult"]["IdToken"], pool_id, audience=client_id)


def test_totp_mfa_challenge_with_wrong_code_is_code_mismatch(cog, idp, client_id, mfa_user):
    resp = cog.sign_in(client_id, mfa_user["username"])
    good = mfa_user["totp"].now()
    wrong = f"{(int(good) + 500_000) % 1_000_000:06d}"
    with raises_aws("CodeMismatchException"):
        idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=resp["Session"],
            ChallengeResponses={"USERNAME": mfa_user["username"], "SOFTWARE_TOKEN_MFA_CODE": wrong},
        )
