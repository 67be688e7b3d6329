#!/usr/bin/env bash
# Runs the README's walk-through through a validating gateway: Prism in
# proxy mode with --errors rejects any request or response that breaks
# the OpenAPI document. Usage: gateway-check.sh STAGEWISE_BINARY PRISM_BINARY
# (run from the repository root; .ci/run calls it).
set -euo pipefail
bin="$1"; prism="$2"
work="$(mktemp -d)"
server_pid=""; prism_pid=""
cleanup() {
  [ -n "$prism_pid" ] && kill "$prism_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
go test ./api/ -run TestOpenAPIConvention -count=1 -write-openapi "$work/openapi.json" >/dev/null
export STAGEWISE_ADMIN_TOKEN=change-me-to-a-long-secret
"$bin" serve --addr 127.0.0.1:18080 --db "$work/walkthrough.db" >"$work/server.log" 2>&1 &
server_pid=$!
"$prism" proxy "$work/openapi.json" http://127.0.0.1:18080 --errors --host 127.0.0.1 --port 14010 >"$work/prism.log" 2>&1 &
prism_pid=$!
for _ in $(seq 1 120); do
  curl -sf -o /dev/null http://127.0.0.1:14010/healthz && break
  sleep 1
done
curl -sf -o /dev/null http://127.0.0.1:14010/healthz || { echo "Prism did not start"; tail -20 "$work/prism.log"; exit 1; }
# The walk-through as the README has it, with the server started above and
# every request sent through Prism.
# Its own set-up (build, start, stop the server) is left out: the server
# above stands in for it, and $WORK is this script's folder.
awk '/^## A walk through the API/{f=1} f&&/^```sh/{g=1;next} g&&/^```/{exit} g' README.md |
  grep -v -e 'go build' -e 'stagewise.* serve' -e '^SERVER=' -e '^trap ' -e 'until curl' |
  sed -e 's|^export SW=.*|export SW=http://127.0.0.1:14010/api/v1|' -e "s|^WORK=.*|WORK=$work|" >"$work/walk.sh"
if ! (cd "$work" && bash -euo pipefail walk.sh) >"$work/out.txt" 2>&1; then
  echo "the walk-through failed through the gateway:"; cat "$work/out.txt"; tail -20 "$work/prism.log"; exit 1
fi
# Prism answers a violation with a problem of its own (type https://stoplight.io/prism/errors#…)
# and logs it; the server never answers 4xx or 5xx in the walk-through.
if grep -q 'stoplight.io/prism/errors' "$work/out.txt" || grep -qi 'violation' "$work/prism.log" || grep -q '"status":[45][0-9][0-9]' "$work/out.txt"; then
  echo "the walk-through broke the OpenAPI document or failed:"
  cat "$work/out.txt"; grep -i -A5 'violation' "$work/prism.log" | head -60
  exit 1
fi
grep -q '304$' "$work/out.txt" || { echo "no 304 for the If-None-Match pull"; cat "$work/out.txt"; exit 1; }
# A control: Prism does validate (a draft without its required stages).
bad="$(curl -s -H "Authorization: Bearer $STAGEWISE_ADMIN_TOKEN" -H 'Content-Type: application/json' \
  -d '{"notes":"no stages"}' http://127.0.0.1:14010/api/v1/models/withdrawal-repair/versions)"
case "$bad" in
  *stoplight.io/prism/errors*) ;;
  *) echo "Prism let an invalid request through: $bad"; exit 1 ;;
esac
echo "README walk-through passed through Prism $("$prism" --version) with --errors: no violation"
