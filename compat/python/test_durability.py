"""A crash never loses an acknowledged write: SIGKILL the server during concurrent sign-ups,
restart it on the same data dir, and every SignUp that got a 200 must still be there."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from conftest import start_server
from cognate_testlib import PASSWORD, attrs, boto_client, claims, unique, unique_email

TOTAL = 120
KILL_AFTER = 60
WORKERS = 16


@pytest.mark.slow
def test_acknowledged_sign_ups_survive_sigkill(tmp_path_factory):
    srv = start_server(tmp_path_factory, "cognate-durability")
    try:
        idp = boto_client(srv.url, pool_connections=WORKERS + 4)
        pool_id = idp.create_user_pool(PoolName=unique("durable"), AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="durable-app",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        # One confirmed user acknowledged before the storm; its tokens must verify after the restart.
        idp.admin_create_user(UserPoolId=pool_id, Username="before-crash", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username="before-crash", Password=PASSWORD, Permanent=True)

        acknowledged: dict[str, str] = {}  # username -> sub
        failures: list[str] = []
        lock = threading.Lock()
        killed = threading.Event()

        def sign_up(i: int) -> None:
            username = f"storm-{i:03d}-{unique('u').split('-')[1][:6]}"
            try:
                resp = idp.sign_up(
                    ClientId=client_id,
                    Username=username,
                    Password=PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": unique_email("storm")}],
                )
            except (ClientError, BotoCoreError) as exc:
                with lock:
                    failures.append(f"{username}: {exc}")
                return
            with lock:
                acknowledged[username] = resp["UserSub"]
                if len(acknowledged) >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    srv.kill()

        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            list(pool.map(sign_up, range(TOTAL)))
        if not killed.is_set():
            srv.kill()

        assert len(acknowledged) >= KILL_AFTER, (
            f"only {len(acknowledged)} sign-ups succeeded before the kill; failures: {failures[:5]}"
        )

        srv.start_again()
        idp = boto_client(srv.url)
        lost = []
        for username, sub in sorted(acknowledged.items()):
            try:
                user = idp.admin_get_user(UserPoolId=pool_id, Username=username)
            except ClientError as exc:
                lost.append(f"{username}: {exc.response['Error']['Code']}")
                continue
            assert attrs(user["UserAttributes"])["sub"] == sub
            assert user["UserStatus"] == "UNCONFIRMED"
        assert not lost, f"{len(lost)} of {len(acknowledged)} acknowledged sign-ups lost after SIGKILL: {lost[:10]}"

        # The pool, its client and its signing keys survived too.
        tokens = idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "before-crash", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        assert claims(tokens["IdToken"])["cognito:username"] == "before-crash"
        listed = set()
        for page in idp.get_paginator("list_users").paginate(UserPoolId=pool_id):
            listed.update(u["Username"] for u in page["Users"])
        assert set(acknowledged) <= listed
    finally:
        srv.stop()


@pytest.mark.slow
def test_graceful_restart_keeps_pools_users_and_keys(tmp_path_factory):
    srv = start_server(tmp_path_factory, "cognate-restart")
    try:
        idp = boto_client(srv.url)
        pool_id = idp.create_user_pool(PoolName=unique("restart"))["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="app",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool_id, Username="keeper", MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool_id, Username="keeper", Password=PASSWORD, Permanent=True)
        before = idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "keeper", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]

        srv.restart()  # same port, hence same issuer
        idp = boto_client(srv.url)
        # Access and refresh tokens minted before the restart are still good.
        assert idp.get_user(AccessToken=before["AccessToken"])["Username"] == "keeper"
        refreshed = idp.initiate_auth(
            ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": before["RefreshToken"]}
        )["AuthenticationResult"]
        assert claims(refreshed["IdToken"])["origin_jti"] == claims(before["IdToken"])["origin_jti"]
        assert header_kid(refreshed["IdToken"]) == header_kid(before["IdToken"])
    finally:
        srv.stop()


def header_kid(token: str) -> str:
    import jwt

    return jwt.get_unverified_header(token)["kid"]
