"""examples/securepets end to end: the real binary started with the example's cognate.toml (the
backend port substituted), the example's backend, boto3 sign-in, calls through the gateway with
`requests`, and `cognate apply FILE --endpoint URL` re-applying the file without changing anything.
`run.sh`, the example's own walk-through, is run as well."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from apigw_testlib import apigw_client
from cognate_testlib import FAST_ARGON2, REPO_ROOT, CognateServer, boto_client, claims, cognate_bin, free_port

EXAMPLE = REPO_ROOT / "examples" / "securepets"
USERNAME = "pat@example.com"
PASSWORD = "SecurePets-2024"
STAGE = "test"


class Backend:
    """examples/securepets/backend.py on 127.0.0.1:<free port>."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, str(EXAMPLE / "backend.py"), "--port", str(self.port)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert "listening on" in line, f"the backend did not start: {line!r}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def example_config(backend_port: int) -> str:
    text = (EXAMPLE / "cognate.toml").read_text()
    assert "127.0.0.1:8081" in text
    return FAST_ARGON2 + text.replace("127.0.0.1:8081", f"127.0.0.1:{backend_port}")


@pytest.fixture(scope="module")
def backend():
    b = Backend()
    yield b
    b.stop()


@pytest.fixture(scope="module")
def pets_server(tmp_path_factory, backend):
    base = tmp_path_factory.mktemp("securepets")
    srv = CognateServer(base / "data", config=example_config(backend.port), name="cognate-securepets")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def config_file(pets_server) -> Path:
    """The file the server was started with."""
    return pets_server.data_dir.parent / f"{pets_server.data_dir.name}.toml"


@pytest.fixture(scope="module")
def world(pets_server):
    idp = boto_client(pets_server.url)
    ag = apigw_client(pets_server.url)
    pools = [p for p in idp.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == "SecurePets"]
    assert len(pools) == 1
    pool_id = pools[0]["Id"]
    clients = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    client_id = next(c["ClientId"] for c in clients if c["ClientName"] == "securepets-web")
    apis = [a for a in ag.get_rest_apis()["items"] if a["name"] == "SecurePets"]
    assert len(apis) == 1
    tokens = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": USERNAME, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return {
        "idp": idp,
        "ag": ag,
        "pool_id": pool_id,
        "client_id": client_id,
        "api_id": apis[0]["id"],
        "id_token": tokens["IdToken"],
        "access_token": tokens["AccessToken"],
        "base": f"{pets_server.url}/_aws/execute-api/{apis[0]['id']}/{STAGE}",
    }


def call(world, method: str, path: str, token: str | None = None, json_body=None) -> requests.Response:
    headers = {"Authorization": token} if token else {}
    return requests.request(method, world["base"] + path, headers=headers, json=json_body, timeout=30)


def apply(config_file: Path, url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COGNATE_")}
    return subprocess.run(
        [str(cognate_bin()), "apply", str(config_file), "--endpoint", url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


# --- what the server applied at start-up ---------------------------------------------------------


def test_the_declared_user_exists_confirmed_in_its_group(world):
    user = world["idp"].admin_get_user(UserPoolId=world["pool_id"], Username=USERNAME)
    assert user["UserStatus"] == "CONFIRMED"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email"] == USERNAME
    assert attributes["email_verified"] == "true"
    groups = world["idp"].admin_list_groups_for_user(UserPoolId=world["pool_id"], Username=USERNAME)
    assert [g["GroupName"] for g in groups["Groups"]] == ["customers"]


def test_the_api_is_deployed_with_the_declared_authorizer(world):
    authorizers = world["ag"].get_authorizers(restApiId=world["api_id"])["items"]
    assert [a["name"] for a in authorizers] == ["SecurePetsPool"]
    assert authorizers[0]["type"] == "COGNITO_USER_POOLS"
    assert authorizers[0]["providerARNs"][0].endswith(f"userpool/{world['pool_id']}")
    stage = world["ag"].get_stage(restApiId=world["api_id"], stageName=STAGE)
    assert stage["variables"]["backend"].startswith("127.0.0.1:")


# --- the API -------------------------------------------------------------------------------------


def test_get_pets_with_an_id_token_reaches_the_backend_with_the_claims(world):
    resp = call(world, "GET", "/pets", world["id_token"])
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [p["name"] for p in body["pets"]] == ["Rex", "Tom", "Polly"]
    assert body["caller"] == {"sub": claims(world["id_token"])["sub"], "email": USERNAME}


def test_get_pets_without_a_token_is_unauthorized(world):
    resp = call(world, "GET", "/pets")
    assert resp.status_code == 401
    assert resp.json() == {"message": "Unauthorized"}


def test_an_unknown_route_is_missing_authentication_token(world):
    resp = call(world, "GET", "/kennels", world["id_token"])
    assert resp.status_code == 403
    assert resp.json() == {"message": "Missing Authentication Token"}


def test_purchase_method_on_pets_buys_a_pet(world):
    resp = call(world, "PURCHASE", "/pets", world["id_token"], {"pet": "Polly"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["purchase"] == {"pet": "Polly", "buyer": USERNAME}


def test_post_purchase_wants_an_access_token_with_the_admin_scope(world):
    assert call(world, "POST", "/purchase", world["id_token"], {"pet": "Tom"}).status_code == 401
    resp = call(world, "POST", "/purchase", world["access_token"], {"pet": "Tom"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["caller"]["sub"] == claims(world["access_token"])["sub"]


def test_health_is_public_and_answered_by_the_gateway(world):
    resp = call(world, "GET", "/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}
    assert resp.headers["Cache-Control"] == "no-store"


# --- re-applying ---------------------------------------------------------------------------------


def test_applying_the_file_again_changes_nothing(world, pets_server, config_file):
    deployments = world["ag"].get_deployments(restApiId=world["api_id"])["items"]
    out = apply(config_file, pets_server.url)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[-1] == "0 created, 0 updated, 5 unchanged", out.stdout
    assert all(line.startswith("unchanged ") for line in lines[:-1]), out.stdout
    assert world["ag"].get_deployments(restApiId=world["api_id"])["items"] == deployments
    pools = [p for p in world["idp"].list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == "SecurePets"]
    assert len(pools) == 1


def test_a_changed_file_updates_only_what_changed(world, pets_server, config_file, tmp_path):
    changed = config_file.read_text().replace('description = "People who buy pets"', 'description = "Pet lovers"')
    edited = tmp_path / "cognate.toml"
    edited.write_text(changed)
    out = apply(edited, pets_server.url)
    assert out.returncode == 0, out.stderr
    assert "updated   group  SecurePets/customers" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "0 created, 1 updated, 4 unchanged", out.stdout
    group = world["idp"].get_group(UserPoolId=world["pool_id"], GroupName="customers")["Group"]
    assert group["Description"] == "Pet lovers"
    # Put the file's value back for the other tests.
    assert apply(config_file, pets_server.url).returncode == 0


# --- the walk-through script ---------------------------------------------------------------------


def test_run_sh_walks_through_the_example(tmp_path):
    aws = Path(sys.executable).parent / "aws"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COGNATE_")}
    env["AWS"] = str(aws) if aws.exists() else "aws"
    out = subprocess.run(
        [
            "bash",
            str(EXAMPLE / "run.sh"),
            "--bin",
            str(cognate_bin()),
            "--port",
            str(free_port()),
            "--backend-port",
            str(free_port()),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=170,
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 0, f"{out.stdout}\n{out.stderr}"
    for expected in (
        "GET /pets -> 200",
        "GET /pets -> 401",
        "GET /kennels -> 403",
        "PURCHASE /pets -> 201",
        "POST /purchase -> 201",
        "0 created, 0 updated, 5 unchanged",
    ):
        assert expected in out.stdout, out.stdout
    assert out.stdout.rstrip().endswith("== done")
