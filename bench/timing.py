#!/usr/bin/env python3
"""bench/timing.py — does response time reveal whether a user exists?

Starts a release build of cognate (default argon2id cost) on 127.0.0.1 with a fresh data
directory, creates a pool, an app client with PreventUserExistenceErrors ENABLED and the flows
enabled, and a confirmed user; then, for each call an attacker would probe, times a known user
(with a wrong password or code) against an unknown user, interleaved one by one so machine drift
hits both alike, and prints the medians and their ratio. The target: the unknown user's median
within 10 % of the known user's.

    bench/timing.py [--bin target/release/cognate] [--rounds 40]

Python standard library only. Sends traffic only to 127.0.0.1 and stops by itself.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD = "Corr3ct-Horse-Battery!"
# RFC 3526 group 15 (the group of Cognito's SRP), g = 2.
N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
TARGET = 0.10


def call(endpoint, op, body):
    """(seconds, error code or None)."""
    req = urllib.request.Request(
        endpoint,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService." + op},
    )
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            resp.read()
            return time.perf_counter() - t0, None
    except urllib.error.HTTPError as e:
        raw = e.read()
        elapsed = time.perf_counter() - t0
        return elapsed, json.loads(raw).get("__type", "?")


def must(endpoint, op, body):
    req = urllib.request.Request(
        endpoint,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService." + op},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read() or b"{}")


def start(binary, work):
    proc = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", os.path.join(work, "data")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if not k.startswith("COGNATE_")} | {"COGNATE_LOG": "warn"},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline().decode()
        m = re.search(r"cognate listening on (http://\S+)", line)
        if m:
            return proc, m.group(1) + "/"
    proc.kill()
    sys.exit("cognate did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "cognate"))
    ap.add_argument("--rounds", type=int, default=40)
    args = ap.parse_args()
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"no cognate binary at {args.bin}: cargo build --release -p cognate")
    work = tempfile.mkdtemp(prefix="cognate-timing.")
    proc, ep = start(args.bin, work)
    try:
        pool = must(ep, "CreateUserPool", {"PoolName": "timing", "AutoVerifiedAttributes": ["email"]})["UserPool"]["Id"]
        client = must(
            ep,
            "CreateUserPoolClient",
            {
                "UserPoolId": pool,
                "ClientName": "timing",
                "PreventUserExistenceErrors": "ENABLED",
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            },
        )["UserPoolClient"]["ClientId"]
        # One confirmed user per round and probe family: five wrong passwords in a row would lock a
        # user (then it answers "Password attempts exceeded" without hashing, as Cognito does).
        # Emails are verified, so ForgotPassword has somewhere to send the code.
        knowns = [f"known-{i}" for i in range(args.rounds + 1)]
        for name in knowns:
            must(ep, "AdminCreateUser", {"UserPoolId": pool, "Username": name, "MessageAction": "SUPPRESS",
                                         "UserAttributes": [{"Name": "email", "Value": f"{name}@example.com"},
                                                            {"Name": "email_verified", "Value": "true"}]})
            must(ep, "AdminSetUserPassword", {"UserPoolId": pool, "Username": name, "Password": PASSWORD,
                                              "Permanent": True})
        must(ep, "SignUp", {"ClientId": client, "Username": "pending", "Password": PASSWORD,
                            "UserAttributes": [{"Name": "email", "Value": "pending@example.com"}]})

        def srp_a():
            return format(pow(2, secrets.randbits(256), N), "x")

        probes = [
            ("InitiateAuth USER_PASSWORD_AUTH (wrong password)", "InitiateAuth",
             lambda u: {"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                        "AuthParameters": {"USERNAME": u, "PASSWORD": "Wr0ng-Password!"}}, knowns),
            ("InitiateAuth USER_SRP_AUTH (challenge)", "InitiateAuth",
             lambda u: {"ClientId": client, "AuthFlow": "USER_SRP_AUTH",
                        "AuthParameters": {"USERNAME": u, "SRP_A": srp_a()}}, knowns),
            ("ForgotPassword", "ForgotPassword", lambda u: {"ClientId": client, "Username": u}, knowns),
            ("ConfirmForgotPassword (wrong code)", "ConfirmForgotPassword",
             lambda u: {"ClientId": client, "Username": u, "ConfirmationCode": "000000", "Password": PASSWORD}, knowns),
            ("ResendConfirmationCode", "ResendConfirmationCode", lambda u: {"ClientId": client, "Username": u},
             ["pending"] * (args.rounds + 1)),
        ]
        rows = []
        worst = 0.0
        for label, op, body, known in probes:
            # Warm both paths once (the fake-user material is derived lazily).
            call(ep, op, body(known[-1]))
            call(ep, op, body("nobody-warm"))
            k_times, u_times, k_errs, u_errs = [], [], set(), set()
            for i in range(args.rounds):
                order = [(known[i], k_times, k_errs), (f"nobody-{i}", u_times, u_errs)]
                if i % 2:
                    order.reverse()
                for user, times, errs in order:
                    t, err = call(ep, op, body(user))
                    times.append(t)
                    errs.add(err)
            mk, mu = statistics.median(k_times), statistics.median(u_times)
            diff = abs(mu - mk) / mk
            worst = max(worst, diff)
            rows.append((label, mk, mu, diff, k_errs, u_errs))
        print(f"# bench/timing.py — {time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())}, {args.rounds} rounds each, interleaved\n")
        print("| call | known user, median | unknown user, median | difference | answers (known / unknown) |")
        print("|---|---:|---:|---:|---|")
        for label, mk, mu, diff, ke, ue in rows:
            fmt = lambda s: ", ".join(sorted(x or "200" for x in s))
            print(f"| {label} | {mk * 1000:.2f} ms | {mu * 1000:.2f} ms | {diff:.1%} | {fmt(ke)} / {fmt(ue)} |")
        verdict = "met" if worst <= TARGET else "missed"
        print(f"\nLargest difference {worst:.1%} (target <= {TARGET:.0%}: {verdict}).")
        return 0 if worst <= TARGET else 3
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
