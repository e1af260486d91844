#!/usr/bin/env bash
# npm run test:scale-out: the tests that need a real hot standby (test/scale-out/).
# Makes one with scripts/replica.sh (unless TEST_REPLICA_URL names one already),
# runs them on the local PostgreSQL and the replica (and the HAProxy rolling restarts,
# TEST_ROLLING_RESTART=0 skips them), then removes the replica
# (KEEP_REPLICA=1 keeps it for the next run). Extra arguments go to tap.
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
made=""
cleanup() { if [ -n "$made" ] && [ "${KEEP_REPLICA:-}" != 1 ]; then scripts/replica.sh down; fi; }
trap cleanup EXIT
if [ -z "${TEST_REPLICA_URL:-}" ]; then
  made=1
  TEST_REPLICA_URL=$(scripts/replica.sh up | tail -n1)
  export TEST_REPLICA_URL
fi
TEST_ROLLING_RESTART=${TEST_ROLLING_RESTART:-1} npx tap test/scale-out/*.test.ts "$@"
