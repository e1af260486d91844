#!/usr/bin/env bash
# A real hot-standby replica of the local PostgreSQL, for the scale-out tests:
# its own Debian cluster (pg_createcluster / pg_ctlcluster) on another port,
# filled by `pg_basebackup -R` (streaming replication, standby.signal), and
# removed again afterwards. Nothing is downloaded.
#
#   scripts/replica.sh up       # create (or start) it; prints its URL on the last line
#   scripts/replica.sh status   # is it running, in recovery, how far behind
#   scripts/replica.sh down     # drop the cluster, undo this script's pg_hba line
#
# Environment: PRIMARY_HOST (127.0.0.1), PRIMARY_PORT (5432), REPLICA_PORT (41701),
# REPLICA_CLUSTER (loom_replica), PG_VERSION (15).
#
# What it changes on the primary, only when needed: a streaming replica needs
# `wal_level` replica or logical (it stops with a message if the primary has
# `minimal`: changing it needs a restart, which is the operator's call) and a
# pg_hba.conf rule allowing replication connections from 127.0.0.1. If no rule
# lets postgres in for replication, it appends one (trust, 127.0.0.1/32, marked
# `# loom-replica`) and reloads; `down` removes exactly that line and reloads.
# It also owns a physical replication slot named like the cluster, dropped by
# `down`. Nothing else on the primary is touched. Run one `up`/`down` at a time:
# a `down` while another run's `up` copies the primary takes its pg_hba line away.
set -euo pipefail

PRIMARY_HOST=${PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-41701}
CLUSTER=${REPLICA_CLUSTER:-loom_replica}
SLOT=$CLUSTER
VERSION=${PG_VERSION:-15}
MARK='# loom-replica'

say() { printf 'replica: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
primary_sql() { psql -X -At -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -d postgres -c "$1"; }
replica_sql() { psql -X -At -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -c "$1"; }
exists() { pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c { found = 1 } END { exit !found }'; }
running() { pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c && $4 ~ /online/ { found = 1 } END { exit !found }'; }
can_replicate() {
  psql -X -At "host=$PRIMARY_HOST port=$PRIMARY_PORT user=postgres replication=true" -c 'IDENTIFY_SYSTEM' >/dev/null 2>&1
}

allow_replication() {
  local level
  level=$(primary_sql 'show wal_level')
  [ "$level" != minimal ] || die "the primary has wal_level=minimal; set it to replica and restart it first"
  [ "$(primary_sql 'show max_wal_senders')" -gt 0 ] || die "the primary has max_wal_senders=0"
  if can_replicate; then return; fi
  local hba
  hba=$(primary_sql 'show hba_file')
  say "allowing replication connections from 127.0.0.1 in $hba"
  printf 'host replication postgres 127.0.0.1/32 trust %s\n' "$MARK" >>"$hba"
  primary_sql 'select pg_reload_conf()' >/dev/null
  for _ in $(seq 1 20); do can_replicate && return; sleep 0.2; done
  die "replication connections are still refused after adding the pg_hba.conf rule"
}

# The slot keeps the primary's WAL until the replica has it (a stopped replica
# would otherwise find the segments it needs recycled); `down` drops it, so the
# primary does not keep WAL for a replica that is gone.
drop_slot() {
  primary_sql "select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '$SLOT' and not active" >/dev/null
}

wait_ready() {
  for _ in $(seq 1 120); do
    if [ "$(replica_sql 'select pg_is_in_recovery()' 2>/dev/null)" = t ]; then return; fi
    sleep 0.5
  done
  die "the replica did not come up in recovery on port $REPLICA_PORT (see /var/log/postgresql/postgresql-$VERSION-$CLUSTER.log)"
}

data_dir() { pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c { print $6 }'; }

up() {
  allow_replication
  # A cluster left half-made by a failed run (no standby.signal) is made again.
  if exists && [ ! -f "$(data_dir)/standby.signal" ]; then
    say "dropping a half-made cluster $VERSION/$CLUSTER"
    pg_dropcluster "$VERSION" "$CLUSTER" --stop || true
  fi
  if exists; then
    running || { say "starting the existing cluster $VERSION/$CLUSTER"; pg_ctlcluster "$VERSION" "$CLUSTER" start; }
  else
    say "creating cluster $VERSION/$CLUSTER on port $REPLICA_PORT"
    pg_createcluster "$VERSION" "$CLUSTER" -p "$REPLICA_PORT" --start-conf=manual >/dev/null
    local data conf
    data=$(data_dir)
    conf=/etc/postgresql/$VERSION/$CLUSTER
    # The tests connect as postgres over TCP without a password, as on the primary.
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$conf/pg_hba.conf"
    # Short intervals so the primary and the tests see replay progress quickly.
    printf "listen_addresses = '127.0.0.1'\nwal_receiver_status_interval = 1s\nhot_standby_feedback = on\n" >"$conf/conf.d/90-loom-replica.conf"
    say "copying the primary with pg_basebackup -R (replication slot $SLOT)"
    find "$data" -mindepth 1 -delete
    drop_slot
    if ! as_postgres pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U postgres -D "$data" -R -X stream -c fast -C -S "$SLOT"; then
      pg_dropcluster "$VERSION" "$CLUSTER" || true
      drop_slot
      die "pg_basebackup failed; nothing left behind"
    fi
    pg_ctlcluster "$VERSION" "$CLUSTER" start
  fi
  wait_ready
  say "hot standby of $PRIMARY_HOST:$PRIMARY_PORT running on port $REPLICA_PORT"
  echo "postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres"
}

status() {
  exists || { say "no cluster $VERSION/$CLUSTER"; exit 1; }
  running || { say "cluster $VERSION/$CLUSTER is down"; exit 1; }
  replica_sql "select 'in recovery: ' || pg_is_in_recovery() || ', replayed ' || pg_last_wal_replay_lsn() || ', paused: ' || pg_is_wal_replay_paused()"
  primary_sql "select 'primary at ' || pg_current_wal_lsn()"
}

down() {
  if exists; then
    say "dropping cluster $VERSION/$CLUSTER"
    pg_dropcluster "$VERSION" "$CLUSTER" --stop
  fi
  drop_slot
  local hba
  hba=$(primary_sql 'show hba_file')
  if grep -q -- "$MARK\$" "$hba"; then
    say "removing this script's replication rule from $hba"
    sed -i "/ $MARK\$/d" "$hba"
    primary_sql 'select pg_reload_conf()' >/dev/null
  fi
}

case "${1:-}" in
  up) up ;;
  status) status ;;
  down) down ;;
  *) echo "usage: $0 up|status|down" >&2; exit 2 ;;
esac
