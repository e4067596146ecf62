#!/usr/bin/env python3
"""Helpers for bench/run (Python standard library only).

  bench.py setup  --endpoint URL --users N --out DIR
      Creates a pool, an app client and N confirmed users through the
      cognito-idp API, signs each in once and writes, in DIR:
      client_id.txt, users.txt, access.txt, refresh.txt (one per line) and
      setup.json. Checks GetUser and REFRESH_TOKEN_AUTH answer 200 first.

  bench.py report --out DIR
      Reads DIR/meta.json, DIR/bound.json (crypto_bound's output, optional)
      and DIR/<scenario>.json (the BENCH_RESULT line of each wrk run plus
      server CPU and VmHWM) and prints the results as markdown. Also writes
      DIR/results.md and DIR/results.json. Exit status 1 when any request
      failed (non-200 or socket error), 3 when BENCH_STRICT=1 and a target
      was missed, else 0.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

PASSWORD = os.environ.get("BENCH_PASSWORD", "Passw0rd!")

# Scenario name -> (label, target description)
SCENARIOS = [
    ("initiate_auth", "InitiateAuth USER_PASSWORD_AUTH"),
    ("refresh_token_auth", "InitiateAuth REFRESH_TOKEN_AUTH"),
    ("get_user", "GetUser"),
    ("sign_up", "SignUp"),
]

TARGET_GET_USER = 30_000.0
TARGET_REFRESH = 2_000.0
TARGET_SIGN_IN_FRACTION = 0.85


class ApiError(Exception):
    pass


def call(endpoint, op, body, timeout=60):
    data = json.dumps(body).encode()
    req = urllib.request.Request(
        endpoint,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService." + op,
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            status = resp.status
    except urllib.error.HTTPError as e:
        raise ApiError(f"{op}: HTTP {e.code}: {e.read()[:500]!r}") from None
    except urllib.error.URLError as e:
        raise ApiError(f"{op}: {e.reason}") from None
    if status != 200:
        raise ApiError(f"{op}: HTTP {status}: {raw[:500]!r}")
    return json.loads(raw) if raw.strip() else {}


def setup(args):
    ep = args.endpoint.rstrip("/") + "/"
    os.makedirs(args.out, exist_ok=True)
    t0 = time.monotonic()
    pool = call(ep, "CreateUserPool", {"PoolName": "bench"})["UserPool"]["Id"]
    client = call(
        ep,
        "CreateUserPoolClient",
        {
            "UserPoolId": pool,
            "ClientName": "bench",
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        },
    )["UserPoolClient"]["ClientId"]

    users, access, refresh = [], [], []
    for i in range(args.users):
        name = f"bench-user-{i:04d}"
        call(ep, "SignUp", {"ClientId": client, "Username": name, "Password": PASSWORD})
        call(ep, "AdminConfirmSignUp", {"UserPoolId": pool, "Username": name})
        res = call(
            ep,
            "InitiateAuth",
            {
                "ClientId": client,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": name, "PASSWORD": PASSWORD},
            },
        )
        ar = res.get("AuthenticationResult")
        if not ar or not ar.get("AccessToken") or not ar.get("RefreshToken") or not ar.get("IdToken"):
            raise ApiError(f"InitiateAuth for {name} returned no tokens: {json.dumps(res)[:500]}")
        users.append(name)
        access.append(ar["AccessToken"])
        refresh.append(ar["RefreshToken"])

    # Sanity checks: what the load scripts will send must succeed.
    got = call(ep, "GetUser", {"AccessToken": access[0]})
    if got.get("Username") != users[0]:
        raise ApiError(f"GetUser returned Username {got.get('Username')!r}, expected {users[0]!r}")
    for _ in range(2):  # twice: a refresh token must stay usable (no rotation)
        res = call(
            ep,
            "InitiateAuth",
            {"ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": refresh[0]}},
        )
        ar = res.get("AuthenticationResult") or {}
        if not ar.get("AccessToken") or not ar.get("IdToken"):
            raise ApiError(f"REFRESH_TOKEN_AUTH returned no tokens: {json.dumps(res)[:500]}")

    def write(name, lines):
        with open(os.path.join(args.out, name), "w") as f:
            f.write("\n".join(lines) + "\n")

    write("client_id.txt", [client])
    write("users.txt", users)
    write("access.txt", access)
    write("refresh.txt", refresh)
    info = {"pool_id": pool, "client_id": client, "users": len(users), "setup_s": round(time.monotonic() - t0, 2)}
    with open(os.path.join(args.out, "setup.json"), "w") as f:
        json.dump(info, f, indent=2)
    print(json.dumps(info))


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def fmt_rate(x):
    return "—" if x is None else f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"


def fmt_ms(us):
    if us is None:
        return "—"
    ms = us / 1000.0
    return f"{ms:,.0f}" if ms >= 100 else f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"


def report(args):
    out = args.out
    meta = load(os.path.join(out, "meta.json")) or {}
    bound = load(os.path.join(out, "bound.json"))
    bounds = (bound or {}).get("bounds_per_sec", {})
    rates = (bound or {}).get("rates_per_sec", {})
    results = {}
    for key, _ in SCENARIOS:
        r = load(os.path.join(out, key + ".json"))
        if r is not None:
            results[key] = r

    # The sign-in bound measured around its own scenario, when present: the mean of the
    # measurements right before and right after it.
    around = [
        (load(os.path.join(out, f"bound-initiate_auth-{when}.json")) or {}).get("bounds_per_sec", {})
        for when in ("before", "after")
    ]
    around = [b["initiate_auth_user_password"] for b in around if b.get("initiate_auth_user_password")]
    sign_in_bound = sum(around) / len(around) if around else bounds.get("initiate_auth_user_password")
    bound_of = {
        "initiate_auth": sign_in_bound,
        "refresh_token_auth": bounds.get("refresh_token_auth"),
        "get_user": bounds.get("get_user"),
        "sign_up": None,
    }

    lines = []
    p = lines.append
    p(f"### cognate benchmark — {meta.get('date', '?')}")
    p("")
    p(f"- Command: `{meta.get('command', 'bench/run')}`")
    p(
        f"- Machine: {meta.get('cpus', '?')} cores ({meta.get('cpu_model', '?')}), "
        f"{meta.get('mem', '?')}; server and wrk share these cores"
    )
    p(f"- Build: `{meta.get('commit', '?')}`, release profile; {meta.get('rustc', '')}")
    p(
        f"- Load: wrk {meta.get('wrk_args', '?')} on loopback, one scenario at a time; "
        f"{meta.get('users', '?')} users; argon2id m=19456 KiB t=2 p=1 (defaults)"
    )
    p("")
    p(
        "| Call | req/s | p50 ms | p99 ms | max ms | failed | CPU cores: server / wrk / other "
        "| crypto bound /s | % of bound | VmHWM after |"
    )
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    busy_other = []
    failed_total = 0
    for key, label in SCENARIOS:
        r = results.get(key)
        if r is None:
            continue
        lat = r.get("latency_us", {})
        se = r.get("socket_errors", {})
        failed = int(r.get("non200", 0)) + sum(int(v) for v in se.values())
        failed_total += failed
        b = bound_of.get(key)
        pct = f"{100.0 * r['ok_rps'] / b:.0f}%" if b else "—"
        cpu, wrk, machine = r.get("server_cpu_cores"), r.get("wrk_cpu_cores"), r.get("machine_busy_cores")
        if None not in (cpu, wrk, machine):
            other = max(0.0, machine - cpu - wrk)
            cpu_s = f"{cpu:.2f} / {wrk:.2f} / {other:.2f}"
            if other > 0.25:
                busy_other.append(f"{label} ({other:.2f} cores)")
        else:
            cpu_s = "—"
        hwm = r.get("vmhwm_kib")
        hwm_s = f"{hwm / 1024:.0f} MiB" if hwm else "—"
        p(
            f"| {label} | {fmt_rate(r.get('ok_rps'))} | {fmt_ms(lat.get('p50'))} | {fmt_ms(lat.get('p99'))} "
            f"| {fmt_ms(lat.get('max'))} | {failed} of {r.get('requests', 0):,} | {cpu_s} | {fmt_rate(b)} | {pct} | {hwm_s} |"
        )
    p("")
    if busy_other:
        p(
            "**Warning: other processes used CPU during " + ", ".join(busy_other)
            + "; those figures understate the server. Re-run on an idle machine.**"
        )
        p("")
    if meta.get("loadavg_start"):
        p(
            f"Load average when the measurements started (after the build): {meta['loadavg_start']}; "
            f"at the end: {meta.get('loadavg_end', '?')}."
        )
        p("")
    peak = meta.get("peak_rss_kib")
    if peak:
        p(f"Peak RSS of the cognate process (VmHWM at the end): **{peak / 1024:.0f} MiB**.")
        p("")
        conc = meta.get("connections")
        if peak > 1024 * 1024 and conc:
            p(
                f"**Warning: peak RSS is {peak / 1024 / conc:.0f} MiB per request in flight ({conc}); "
                "one argon2id computation needs 19 MiB, so password hashing memory is not bounded "
                "by the number of cores.**"
            )
            p("")
    if rates:
        p(
            f"Crypto bound (`cargo run --release -p cognate --example crypto_bound`, {bound.get('threads')} threads, "
            f"{bound.get('seconds_per_measurement')} s each): argon2id verify {fmt_rate(rates.get('argon2id_verify'))}/s, "
            f"RS256 sign {fmt_rate(rates.get('rs256_sign'))}/s, RS256 verify {fmt_rate(rates.get('rs256_verify'))}/s. "
            "Sign-in bound = 1/(1/argon2 + 2/sign); refresh bound = sign/2; GetUser bound = verify."
        )
        p("")
    if around:
        p(
            "The sign-in bound in the table is the mean of "
            + " and ".join(f"{fmt_rate(b)}/s" for b in around)
            + ", measured right before and right after the InitiateAuth scenario."
        )
        p("")

    # Targets
    checks = []
    r = results.get("initiate_auth")
    b = bound_of["initiate_auth"]
    if r is not None and b:
        need = TARGET_SIGN_IN_FRACTION * b
        checks.append(("InitiateAuth USER_PASSWORD_AUTH", f"≥ 0.85 × bound = {fmt_rate(need)}/s", r["ok_rps"], r["ok_rps"] >= need))
    elif r is not None:
        checks.append(("InitiateAuth USER_PASSWORD_AUTH", "≥ 0.85 × bound (bound not measured)", r["ok_rps"], None))
    above_bound = []
    for key, label, target in (
        ("get_user", "GetUser", TARGET_GET_USER),
        ("refresh_token_auth", "InitiateAuth REFRESH_TOKEN_AUTH", TARGET_REFRESH),
    ):
        r = results.get(key)
        if r is None:
            continue
        b = bound_of.get(key)
        if b and target > b:
            above_bound.append(label)
            label += " ¹"
        checks.append((label, f"≥ {target:,.0f}/s", r["ok_rps"], r["ok_rps"] >= target))
    missed = False
    if checks:
        p("| Target | Required | Measured | Result |")
        p("|---|---|---:|---|")
        for label, need, got, ok in checks:
            verdict = "n/a" if ok is None else "met" if ok else "**missed**"
            missed = missed or ok is False
            p(f"| {label} | {need} | {fmt_rate(got)}/s | {verdict} |")
        p("")
        if above_bound:
            p(
                "¹ The target is above this machine's crypto bound for the call, so no "
                "implementation doing that cryptography per request can meet it here."
            )
            p("")

    # Failures
    for key, label in SCENARIOS:
        r = results.get(key)
        if r is None:
            continue
        se = {k: v for k, v in r.get("socket_errors", {}).items() if v}
        if r.get("non200") or se:
            p(
                f"- **{label}: {r.get('non200', 0)} non-200 responses {r.get('non200_by_status', {})}, "
                f"socket errors {se}**; first: `{(r.get('first_error') or '')[:200]}`"
            )
    if meta.get("server_log_errors"):
        p(f"- Server log: {meta['server_log_errors']} ERROR/panic line(s) (see server.stderr)")
    if failed_total == 0:
        p("All requests answered 200; no socket errors.")
    p("")

    text = "\n".join(lines)
    print(text)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"meta": meta, "bound": bound, "results": results}, f, indent=2)
    if failed_total:
        return 1
    if missed and os.environ.get("BENCH_STRICT") == "1":
        return 3
    return 0


def merge(args):
    """Adds key=string and key:=json pairs to a JSON file, creating it if needed."""
    data = load(args.file) or {}
    for kv in args.pairs:
        k, _, v = kv.partition("=")
        if k.endswith(":"):
            data[k[:-1]] = json.loads(v)
        else:
            data[k] = v
    with open(args.file, "w") as f:
        json.dump(data, f, indent=2)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--endpoint", required=True)
    s.add_argument("--users", type=int, default=32)
    s.add_argument("--out", required=True)
    r = sub.add_parser("report")
    r.add_argument("--out", required=True)
    m = sub.add_parser("merge")
    m.add_argument("file")
    m.add_argument("pairs", nargs="*")
    args = ap.parse_args()
    if args.cmd == "setup":
        try:
            setup(args)
        except ApiError as e:
            print(f"bench setup failed: {e}", file=sys.stderr)
            return 1
        return 0
    if args.cmd == "report":
        return report(args)
    merge(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
