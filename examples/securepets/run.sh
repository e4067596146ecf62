#!/usr/bin/env bash
# The SecurePets walk-through, non-interactively: starts the backend and cognate with this
# directory's cognate.toml, signs in with the AWS CLI, calls the API with curl, and re-applies the
# file. Prints each step; exits non-zero at the first step that does not do what it should.
#
#   examples/securepets/run.sh [--bin PATH] [--port N] [--backend-port N]
#
#   --bin           the cognate binary (default: $COGNATE_BIN, else target/release/cognate)
#   --port          cognate's port on 127.0.0.1 (default 4566)
#   --backend-port  the backend's port on 127.0.0.1 (default 8081)
#
# Needs python3, curl and the AWS CLI (`aws`, or the one named by $AWS). Everything it writes
# goes to a temporary directory that is removed at the end.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${COGNATE_BIN:-$ROOT/target/release/cognate}
PORT=4566
BACKEND_PORT=8081
AWS=${AWS:-aws}

while [ $# -gt 0 ]; do
  case $1 in
    --bin) BIN=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --backend-port) BACKEND_PORT=$2; shift 2 ;;
    *) echo "usage: $0 [--bin PATH] [--port N] [--backend-port N]" >&2; exit 2 ;;
  esac
done

ENDPOINT=http://127.0.0.1:$PORT
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test}
export AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
export AWS_PAGER=""

step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

# wait_for PID FILE TEXT [LOG]: waits up to 30 s for TEXT to appear in FILE, while process PID
# runs; on failure shows LOG (default FILE).
wait_for() {
  local pid=$1 file=$2 text=$3 log=${4:-$2}
  for _ in $(seq 1 300); do
    grep -q "$text" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "process $pid exited"; }
    sleep 0.1
  done
  cat "$log" >&2 || true
  fail "no \"$text\" in $file within 30 s"
}

# expect STATUS METHOD PATH [TOKEN] [BODY]: calls the API and checks the status.
expect() {
  local status=$1 method=$2 path=$3 token=${4:-} body=${5:-}
  local args=(-s -o "$WORK/body" -w '%{http_code}' -X "$method")
  [ -n "$token" ] && args+=(-H "Authorization: $token")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' -d "$body")
  local got
  got=$(curl "${args[@]}" "$ENDPOINT/_aws/execute-api/$API/test$path")
  echo "$method $path -> $got $(cat "$WORK/body")"
  [ "$got" = "$status" ] || fail "$method $path: expected $status, got $got"
}

[ -x "$BIN" ] || fail "no cognate binary at $BIN (cargo build --release -p cognate, or --bin PATH)"

step "backend on 127.0.0.1:$BACKEND_PORT"
python3 "$HERE/backend.py" --port "$BACKEND_PORT" >"$WORK/backend.log" 2>&1 &
PIDS+=($!)
wait_for $! "$WORK/backend.log" "listening on"

step "cognate on $ENDPOINT, applying cognate.toml at start-up"
sed "s/127\.0\.0\.1:8081/127.0.0.1:$BACKEND_PORT/" "$HERE/cognate.toml" >"$WORK/cognate.toml"
"$BIN" serve --config "$WORK/cognate.toml" --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" \
  >"$WORK/cognate.out" 2>"$WORK/cognate.log" &
PIDS+=($!)
wait_for $! "$WORK/cognate.out" "cognate listening on" "$WORK/cognate.log"
grep "declaration applied" "$WORK/cognate.log" | sed 's/.*declaration applied: /  /' || true

step "sign in as pat@example.com with the AWS CLI"
idp() { "$AWS" --endpoint-url "$ENDPOINT" --output text cognito-idp "$@"; }
POOL=$(idp list-user-pools --max-results 60 --query "UserPools[?Name=='SecurePets'].Id")
CLIENT=$(idp list-user-pool-clients --user-pool-id "$POOL" --query "UserPoolClients[?ClientName=='securepets-web'].ClientId")
read -r ID_TOKEN ACCESS_TOKEN < <(idp initiate-auth --client-id "$CLIENT" --auth-flow USER_PASSWORD_AUTH \
  --auth-parameters USERNAME=pat@example.com,PASSWORD=SecurePets-2024 \
  --query "AuthenticationResult.[IdToken,AccessToken]")
[ -n "$ID_TOKEN" ] && [ -n "$ACCESS_TOKEN" ] || fail "no tokens"
echo "pool $POOL, client $CLIENT: got an ID token and an access token"

step "call the SecurePets API with curl"
API=$("$AWS" --endpoint-url "$ENDPOINT" --output text apigateway get-rest-apis --query "items[?name=='SecurePets'].id")
echo "API $API, stage test"
expect 200 GET /health
expect 200 GET /pets "$ID_TOKEN"
expect 401 GET /pets
expect 401 GET /pets "not-a-token"
expect 201 PURCHASE /pets "$ID_TOKEN" '{"pet": "Rex"}'
expect 401 POST /purchase "$ID_TOKEN" '{"pet": "Tom"}'
expect 201 POST /purchase "$ACCESS_TOKEN" '{"pet": "Tom"}'
expect 403 GET /kennels "$ID_TOKEN"

step "apply the same file again: nothing changes"
"$BIN" apply "$WORK/cognate.toml" --endpoint "$ENDPOINT" | tee "$WORK/apply.out"
grep -q "^0 created, 0 updated, [0-9]* unchanged$" "$WORK/apply.out" || fail "the second apply changed something"

step "done"
