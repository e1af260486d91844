#!/usr/bin/env bash
# Replays the Docker image's build and start steps without a Docker engine:
#   build stage   : the Dockerfile's inputs (tracked files only), npm ci, npm run build
#   runtime stage : package*.json + dist/, npm ci --omit=dev (no dev deps, so no tsx)
#   compose       : a throwaway database, the compiled migrate CLI (twice: idempotent),
#                   the compiled seed CLI, then `node dist/src/server.js` with the image's env
# and checks readiness (with the Dockerfile's own HEALTHCHECK), /docs, an included
# list with its Server-Timing header, and a clean exit 0 on SIGTERM.
#
#   scripts/image-smoke.sh
#   SMOKE_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres SMOKE_READY_TIMEOUT=60 scripts/image-smoke.sh
#
# Keep in step with the Dockerfile (test/deploy/dockerfile.test.ts checks the inputs and entry points).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ADMIN_URL=${SMOKE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
READY_TIMEOUT=${SMOKE_READY_TIMEOUT:-60}
STOP_TIMEOUT=${SMOKE_STOP_TIMEOUT:-20}
# What the Dockerfile's build stage COPYs.
BUILD_INPUTS=(package.json package-lock.json tsconfig.json tsconfig.build.json src migrations)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/loom-image-smoke.XXXXXX")
DB_NAME="loom_smoke_$$_${RANDOM}"
DB_CREATED=""
SERVER_PID=""
SERVER_LOG="$WORK/server.log"

step() { printf '\n== image-smoke [%ss]: %s\n' "$SECONDS" "$*"; }
fail() {
  printf 'image-smoke: FAILED: %s\n' "$*" >&2
  if [ -s "$SERVER_LOG" ]; then
    printf -- '--- server log (last 40 lines) ---\n' >&2
    tail -n 40 "$SERVER_LOG" >&2
  fi
  exit 1
}

cleanup() {
  local status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$DB_CREATED" ]; then
    psql "$ADMIN_URL" -qAt -v ON_ERROR_STOP=1 -c "drop database if exists $DB_NAME with (force)" >/dev/null 2>&1 \
      || echo "image-smoke: warning: could not drop database $DB_NAME" >&2
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'fail "interrupted"' INT TERM

# ------------------------------------------------------------------ build stage
step "build stage: copy tracked build inputs to $WORK/build"
mkdir -p "$WORK/build"
# The working-tree content of files git tracks: what a clean checkout of this
# state would send to `docker build` (untracked scratch files stay out).
(cd "$ROOT" && git ls-files -z -- "${BUILD_INPUTS[@]}" \
  | while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done \
  | tar --null -T - -cf -) | tar -xf - -C "$WORK/build"
for input in "${BUILD_INPUTS[@]}"; do
  [ -e "$WORK/build/$input" ] || fail "build input $input is not tracked by git"
done

step "build stage: npm ci"
(cd "$WORK/build" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) || fail "npm ci failed in the build stage"

step "build stage: npm run build"
(cd "$WORK/build" && npm run build --silent) || fail "npm run build failed"
for entry in dist/src/server.js dist/src/cli/migrate.js dist/src/cli/seed.js; do
  [ -f "$WORK/build/$entry" ] || fail "the build did not produce $entry"
done

# ---------------------------------------------------------------- runtime stage
step "runtime stage: package*.json + dist/, npm ci --omit=dev"
mkdir -p "$WORK/app"
cp "$WORK/build/package.json" "$WORK/build/package-lock.json" "$WORK/app/"
cp -R "$WORK/build/dist" "$WORK/app/dist"
(cd "$WORK/app" && NODE_ENV=production npm ci --omit=dev --prefer-offline --no-audit --no-fund --loglevel=error) \
  || fail "npm ci --omit=dev failed in the runtime stage"
# tsx (only `npm start` uses it) is a dev dependency too: the image runs node on dist/.
for dev in typescript tap @types/node tsx; do
  [ ! -e "$WORK/app/node_modules/$dev" ] || fail "dev dependency $dev is in the runtime node_modules"
done

# ---------------------------------------------------------------------- compose
step "database: create $DB_NAME"
pg_isready -d "$ADMIN_URL" -q || fail "PostgreSQL at $ADMIN_URL is not reachable"
psql "$ADMIN_URL" -qAt -v ON_ERROR_STOP=1 -c "create database $DB_NAME" >/dev/null || fail "cannot create database $DB_NAME"
DB_CREATED=1
DATABASE_URL="${ADMIN_URL%/*}/$DB_NAME"

# The container's environment and nothing else: no TEST_DATABASE_URL, no dev settings.
IMAGE_ENV=(PATH="$PATH" HOME="$WORK" NODE_ENV=production DATABASE_URL="$DATABASE_URL")
in_image() {
  (cd "$WORK/app" && exec env -i "${IMAGE_ENV[@]}" "$@")
}

step "migrate: node dist/src/cli/migrate.js (the compose one-shot), then again"
in_image node dist/src/cli/migrate.js || fail "the migrate CLI failed"
again=$(in_image node dist/src/cli/migrate.js) || fail "the second migrate run failed"
case "$again" in *"nothing applied"*) ;; *) fail "the second migrate run was not a no-op: $again" ;; esac

step "seed: node dist/src/cli/seed.js --scale 0.01 (the compose seed profile, smaller)"
seeded=$(in_image node dist/src/cli/seed.js --scale 0.01 2>&1) || fail "the seed CLI failed: $seeded"

step "start: node dist/src/server.js"
PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
BASE="http://127.0.0.1:$PORT"
# One subshell that execs into node, so $! is the server itself (a function
# call here would put a second shell in between, which SIGTERM would kill).
(cd "$WORK/app" && exec env -i "${IMAGE_ENV[@]}" HOST=127.0.0.1 PORT="$PORT" node dist/src/server.js) >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

# Readiness through the Dockerfile's own HEALTHCHECK one-liner.
HEALTHCHECK_JS=$(node -e '
  const text = require("fs").readFileSync(process.argv[1], "utf8").replace(/\\\n/g, " ");
  const line = text.split("\n").find((l) => /^HEALTHCHECK\b/.test(l));
  const argv = JSON.parse(line.slice(line.indexOf("CMD") + 3));
  process.stdout.write(argv[2]);' "$ROOT/Dockerfile") || fail "cannot read the HEALTHCHECK from the Dockerfile"
started=$SECONDS
deadline=$((SECONDS + READY_TIMEOUT))
until PORT="$PORT" node -e "$HEALTHCHECK_JS"; do
  kill -0 "$SERVER_PID" 2>/dev/null || { wait "$SERVER_PID" || true; SERVER_PID=""; fail "the server exited before it was ready"; }
  [ "$SECONDS" -lt "$deadline" ] || fail "not ready after ${READY_TIMEOUT}s ($BASE/health/ready)"
  sleep 0.5
done
echo "ready after $((SECONDS - started))s on $BASE"

step "requests: /health/live, /docs, /articles?include=author,tags"
BASE="$BASE" node --input-type=module -e '
  const base = process.env.BASE;
  const check = (ok, message) => { if (!ok) { console.error(message); process.exit(1); } };
  for (const path of ["/health/live", "/docs"]) {
    const response = await fetch(base + path);
    check(response.ok, `GET ${path}: ${response.status}`);
  }
  const response = await fetch(`${base}/articles?include=author,tags`);
  const text = await response.text();
  check(response.status === 200, `GET /articles?include=author,tags: ${response.status} ${text.slice(0, 300)}`);
  const timing = response.headers.get("server-timing") ?? "";
  check(/^db;dur=[\d.]+;desc="\d+ queries"$/.test(timing), `Server-Timing header missing or malformed: "${timing}"`);
  const { data } = JSON.parse(text);
  check(Array.isArray(data) && data.length > 0, "no articles returned");
  check(data.every((a) => a.author && typeof a.author.id === "number" && Array.isArray(a.tags)), "author or tags not included");
  console.log(`${data.length} articles, Server-Timing: ${timing}`);
' || fail "request checks failed"

step "stop: SIGTERM drains and exits 0"
[ "$(cat "/proc/$SERVER_PID/comm" 2>/dev/null)" = node ] || fail "process $SERVER_PID is not the node server"
kill -TERM "$SERVER_PID"
deadline=$((SECONDS + STOP_TIMEOUT))
while kill -0 "$SERVER_PID" 2>/dev/null; do
  [ "$SECONDS" -lt "$deadline" ] || fail "still running ${STOP_TIMEOUT}s after SIGTERM"
  sleep 0.2
done
status=0
wait "$SERVER_PID" || status=$?
SERVER_PID=""
[ "$status" -eq 0 ] || fail "exit code $status after SIGTERM (expected 0)"

step "OK"
