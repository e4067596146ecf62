#!/usr/bin/env python3
"""Helpers for bench/gateway (Python standard library only).

  gateway.py setup --endpoint URL --backend URL --out DIR
      Through cognate's own APIs: creates a user pool, an app client and a
      confirmed user, signs in, builds a REST API with GET /pets behind a
      Cognito user pool authorizer and an HTTP_PROXY integration to the
      backend, deploys it to stage `bench` and checks a call answers 200.
      Writes DIR/token.txt (the ID token), DIR/key.pem (the public key that
      signed it, for HAProxy's jwt_verify), DIR/issuer.txt and DIR/path.txt
      (the invocation path).

  gateway.py report --out DIR
      Reads DIR/<target>.peak.<round>.txt (wrk --latency output) and
      DIR/<target>.half.<round>.json (the constant-rate runs: bench/pace's JSON, or
      oha's --output-format json, which has the same fields) and prints
      a markdown table of each target's best round (requests/s, p50, p99,
      every round's requests/s), the ratios the targets name and a table of the
      runs at half of cognate's peak rate, cognate, nginx (for reference) and
      the backend directly each round: the latency each proxy adds (its p99
      minus the backend's p99 in the same round; the target is judged on the
      median of the rounds), and with DIR/<target>.half.<round>.cores
      (/proc/stat jiffies around the run) how busy each core was, and with
      DIR/wakeup.core<N>.json (bench/pace's `wakeup`) how late the machine
      wakes a thread on an idle core, and with DIR/stalls.both.json and
      DIR/stalls.alone.core<N>.json (bench/pace's `stalls`) how often and for
      how long it stops a running thread, with both cores busy and with one.
"""

import argparse
import base64
import glob
import json
import os
import re
import statistics
import sys
import urllib.error
import urllib.request

PASSWORD = "Passw0rd!-bench"
TARGET_VS_HAPROXY = 2.0
TARGET_VS_NGINX = 1.0
TARGET_ADDED_P99_MS = 1.0


def request(method, url, body=None, headers=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            return resp.status, (json.loads(raw) if raw else {})
    except urllib.error.HTTPError as e:
        raw = e.read()
        sys.exit(f"{method} {url} -> {e.code}: {raw[:300]!r}")


def idp(endpoint, op, body):
    _, out = request(
        "POST",
        endpoint + "/",
        body,
        {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService." + op},
    )
    return out


def apigw(endpoint, method, path, body=None):
    _, out = request(method, endpoint + path, body, {"Content-Type": "application/json"})
    return out


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der(tag, content):
    return bytes([tag]) + der_len(len(content)) + content


def der_int(value):
    b = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    if b[0] & 0x80:
        b = b"\x00" + b
    return der(0x02, b)


def b64url_int(s):
    return int.from_bytes(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)), "big")


def jwk_to_pem(jwk):
    """An RSA JWK as a PEM SubjectPublicKeyInfo."""
    rsa_key = der(0x30, der_int(b64url_int(jwk["n"])) + der_int(b64url_int(jwk["e"])))
    rsa_oid = der(0x30, bytes.fromhex("06092a864886f70d0101010500"))
    spki = der(0x30, rsa_oid + der(0x03, b"\x00" + rsa_key))
    body = base64.b64encode(spki).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"


def setup(args):
    ep = args.endpoint.rstrip("/")
    pool = idp(ep, "CreateUserPool", {"PoolName": "bench-gateway"})["UserPool"]
    client = idp(
        ep,
        "CreateUserPoolClient",
        {"UserPoolId": pool["Id"], "ClientName": "bench", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]},
    )["UserPoolClient"]
    idp(ep, "AdminCreateUser", {"UserPoolId": pool["Id"], "Username": "bench", "MessageAction": "SUPPRESS"})
    idp(ep, "AdminSetUserPassword", {"UserPoolId": pool["Id"], "Username": "bench", "Password": PASSWORD, "Permanent": True})
    tokens = idp(
        ep,
        "InitiateAuth",
        {"ClientId": client["ClientId"], "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": {"USERNAME": "bench", "PASSWORD": PASSWORD}},
    )["AuthenticationResult"]
    token = tokens["IdToken"]

    api = apigw(ep, "POST", "/restapis", {"name": "bench"})
    api_id = api["id"]
    pets = apigw(ep, "POST", f"/restapis/{api_id}/resources/{api['rootResourceId']}", {"pathPart": "pets"})
    auth = apigw(
        ep,
        "POST",
        f"/restapis/{api_id}/authorizers",
        {
            "name": "pool",
            "type": "COGNITO_USER_POOLS",
            "providerARNs": [pool["Arn"]],
            "identitySource": "method.request.header.Authorization",
        },
    )
    base = f"/restapis/{api_id}/resources/{pets['id']}/methods/GET"
    apigw(ep, "PUT", base, {"authorizationType": "COGNITO_USER_POOLS", "authorizerId": auth["id"]})
    apigw(ep, "PUT", base + "/integration", {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": args.backend.rstrip("/") + "/pets"})
    apigw(ep, "POST", f"/restapis/{api_id}/deployments", {"stageName": "bench"})
    path = f"/_aws/execute-api/{api_id}/bench/pets"
    status, _ = request("GET", ep + path, headers={"Authorization": "Bearer " + token})
    if status != 200:
        sys.exit(f"the deployed API answered {status}")

    kid = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "==="))["kid"]
    _, jwks = request("GET", f"{ep}/{pool['Id']}/.well-known/jwks.json")
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == kid]
    out = args.out
    for name, text in (
        ("token.txt", token),
        ("key.pem", jwk_to_pem(jwk)),
        ("issuer.txt", f"{ep}/{pool['Id']}"),
        ("path.txt", path),
    ):
        with open(f"{out}/{name}", "w") as f:
            f.write(text if name == "key.pem" else text + "\n")


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    pct = {}
    for p, value, unit in re.findall(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M):
        pct[p] = float(value) * UNIT_MS[unit]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    cpu_us = None
    cpu_path = path[: -len(".txt")] + ".cpu"
    if os.path.exists(cpu_path):
        ticks, hz = (int(x) for x in open(cpu_path).read().split())
        cpu_us = ticks / hz / requests * 1e6
    return {
        "rps": rps,
        "cpu_us": cpu_us,
        "p50_ms": pct.get("50"),
        "p99_ms": pct.get("99"),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
    }


def parse_half(path):
    """A constant-rate run (bench/pace, or oha --output-format json): achieved rate, p50/p99
    (ms), non-200s and errors."""
    data = json.load(open(path))
    pct = data["latencyPercentiles"]
    codes = data.get("statusCodeDistribution") or {}
    return {
        "rps": data["summary"]["requestsPerSec"],
        "p50_ms": pct["p50"] * 1000.0,
        "p99_ms": pct["p99"] * 1000.0,
        "p999_ms": pct["p99.9"] * 1000.0,
        "non2xx": sum(n for code, n in codes.items() if not code.startswith("2")),
        "socket_errors": ", ".join(f"{k}: {v}" for k, v in (data.get("errorDistribution") or {}).items()),
        # bench/pace only: how long requests waited in the generator to be sent.
        "wait_p99_ms": data["sendWaitPercentiles"]["p99"] * 1000.0 if "sendWaitPercentiles" in data else None,
    }


def half_cores(path):
    """Busy share of (load core, target core) over a constant-rate run, from the /proc/stat
    jiffies bench/gateway wrote before and after it; None when the file is missing."""
    if not os.path.exists(path):
        return None
    b0, t0, b1, t1, sb0, st0, sb1, st1 = map(int, open(path).read().split())
    return ((b1 - b0) / max(1, t1 - t0), (sb1 - sb0) / max(1, st1 - st0))


def half_rounds(out, name):
    """Each round's constant-rate run of one target, in round order: [(parse_half, half_cores)]."""
    paths = glob.glob(f"{out}/{name}.half.*.json")
    paths.sort(key=lambda p: int(p.rsplit(".", 2)[1]))
    return [(parse_half(p), half_cores(p[: -len(".json")] + ".cores")) for p in paths]


def stalls_line(out):
    """What bench/pace's `stalls` found, as one report line; None when it did not run."""
    both = f"{out}/stalls.both.json"
    if not os.path.exists(both):
        return None

    def describe(g):
        return (f"core {g['core']}: {g['stalls_1ms']} stops, {g['lost_share_1ms']:.2%} of the time, "
                f"longest stop {g['max_us'] / 1000:.2f} ms")

    together = [json.loads(line) for line in open(both) if line.strip()]
    alone = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/stalls.alone.core*.json"))]
    text = (f"- a running thread stopped by the machine for 1 ms or more (bench/pace's `stalls`), "
            f"with a thread spinning on each core ({together[0]['seconds']:g} s): " + "; ".join(describe(g) for g in together))
    if alone:
        text += f"; on one core alone ({alone[0]['seconds']:g} s each): " + "; ".join(describe(g) for g in alone)
    return text + " (every request in flight on a stopped core waits the stall out)"


def report(args):
    out = args.out
    names = [("direct", "backend directly (no proxy)"), ("nginx", "nginx proxy, no auth"), ("haproxy", "HAProxy + jwt_verify"), ("cognate", "cognate + Cognito authorizer")]
    rounds = {n: [parse_wrk(f) for f in sorted(glob.glob(f"{out}/{n}.peak.*.txt"))] for n, _ in names}
    peak = {n: max(rs, key=lambda r: r["rps"]) for n, rs in rounds.items()}
    lines = [
        "| target | requests/s (best round) | p50 | p99 | every round | CPU µs per request (each round) | non-2xx | socket errors |",
        "|---|---:|---:|---:|---|---|---:|---|",
    ]
    for n, label in names:
        r = peak[n]
        every = ", ".join(f"{x['rps']:,.0f}" for x in rounds[n])
        cpu = ", ".join(f"{x['cpu_us']:.1f}" for x in rounds[n] if x["cpu_us"] is not None) or "-"
        lines.append(
            f"| {label} | {r['rps']:,.0f} | {r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {every} | {cpu} | {r['non2xx']} | {r['socket_errors'] or '-'} |"
        )
    c = peak["cognate"]["rps"]
    vs_haproxy = c / peak["haproxy"]["rps"]
    vs_nginx = c / peak["nginx"]["rps"]
    lines.append("")
    lines.append(f"- cognate / HAProxy jwt_verify: **{vs_haproxy:.2f}x** (target >= {TARGET_VS_HAPROXY}x: {'met' if vs_haproxy >= TARGET_VS_HAPROXY else 'missed'})")
    lines.append(f"- cognate / plain nginx proxy: **{vs_nginx:.2f}x** (target >= {TARGET_VS_NGINX}x: {'met' if vs_nginx >= TARGET_VS_NGINX else 'missed'})")
    half = {n: half_rounds(out, n) for n in ("cognate", "nginx", "direct")}
    rate = half["cognate"][0][0]["rps"]
    lines.append("")
    lines.append(
        f"At half of cognate's peak, a constant {rate:,.0f} req/s, {len(half['cognate'])} rounds taking turns "
        "(latency timed from when each request was due; added p99 = the target's p99 minus direct's in the same round; "
        "the wait is the time requests spent in bench/pace before being sent, for their tick or, with every "
        "connection awaiting an answer, for a free one; busy = share of the load core (load and backend) / "
        "the target core):"
    )
    lines.append("")
    lines.append("| round | target | req/s | p50 | p99 | p99.9 | added p99 | p99 of the wait | busy |")
    lines.append("|---:|---|---:|---:|---:|---:|---:|---:|---|")
    added = {"cognate": [], "nginx": []}
    for k, direct in enumerate(half["direct"]):
        for n in ("cognate", "nginx", "direct"):
            if k >= len(half[n]):
                continue
            h, b = half[n][k]
            add = "-"
            if n != "direct":
                added[n].append(h["p99_ms"] - direct[0]["p99_ms"])
                add = f"{added[n][-1]:.2f} ms"
            wait = f"{h['wait_p99_ms']:.2f} ms" if h["wait_p99_ms"] is not None else "-"
            busy = f"{b[0]:.0%} / {b[1]:.0%}" if b else "-"
            lines.append(
                f"| {k + 1} | {n} | {h['rps']:,.0f} | {h['p50_ms']:.2f} ms | {h['p99_ms']:.2f} ms | {h['p999_ms']:.2f} ms "
                f"| {add} | {wait} | {busy} |"
            )
    lines.append("")
    med = statistics.median(added["cognate"])
    lines.append(
        f"- cognate's added p99 at half of peak, median of the rounds: **{med:.2f} ms** "
        f"(target <= {TARGET_ADDED_P99_MS} ms: {'met' if med <= TARGET_ADDED_P99_MS else 'missed'})"
    )
    if added["nginx"]:
        lines.append(f"- nginx as a plain proxy at the same rate, median of the rounds: {statistics.median(added['nginx']):.2f} ms (reference: what any proxy adds on this machine)")
    wake = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/wakeup.core*.json"))]
    if wake:
        lines.append(
            "- waking a thread on an idle core (bench/pace's `wakeup`, 1 ms sleeps for 3 s), lateness p50/p99/p99.9/max: "
            + "; ".join(
                f"core {w['core']} {w['p50_us']:,.0f}/{w['p99_us']:,.0f}/{w['p99_9_us']:,.0f}/{w['max_us']:,.0f} µs" for w in wake
            )
            + " (a floor under what any proxy adds here: each request wakes the target's core and the backend's)"
        )
    stalls = stalls_line(out)
    if stalls:
        lines.append(stalls)
    for n, runs in half.items():
        for k, (h, _) in enumerate(runs):
            if h["non2xx"] or h["socket_errors"]:
                lines.append(f"- WARNING: {n} at half of peak, round {k + 1}: {h['non2xx']} non-2xx, errors: {h['socket_errors'] or '-'}")
    text = "\n".join(lines) + "\n"
    open(f"{out}/results.md", "w").write(text)
    print(text)
    bad = any(r["non2xx"] or r["socket_errors"] for rs in rounds.values() for r in rs)
    bad = bad or any(h["non2xx"] or h["socket_errors"] for runs in half.values() for h, _ in runs)
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--endpoint", required=True)
    s.add_argument("--backend", required=True)
    s.add_argument("--out", required=True)
    r = sub.add_parser("report")
    r.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.cmd == "setup":
        setup(args)
        return 0
    return report(args)


if __name__ == "__main__":
    sys.exit(main())
