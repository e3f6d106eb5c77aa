# Starts PostgreSQL 15 and Redis on loopback for the test run, and stops them by their own pids.
# Sourced by .ci/run. Anything already answering on those ports is used as it is and left alone.

SERVICES_DIR=""
STARTED_POSTGRES=""
STARTED_REDIS=""
PGBIN=/usr/lib/postgresql/15/bin

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

start_services() {
  SERVICES_DIR=$(mktemp -d /tmp/hauler-ci.XXXXXX)
  chmod 755 "$SERVICES_DIR"

  if [ ! -x "$PGBIN/initdb" ]; then apt_install postgresql-15; fi
  if ! command -v redis-server >/dev/null; then apt_install redis-server; fi

  if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p 5432; then
    echo "ci: PostgreSQL already answers on 127.0.0.1:5432; using it"
  else
    echo "ci: starting PostgreSQL 15 on 127.0.0.1:5432"
    chown postgres:postgres "$SERVICES_DIR" 2>/dev/null || true
    # initdb refuses root: run it as the unprivileged postgres user.
    su postgres -s /bin/sh -c "$PGBIN/initdb -D $SERVICES_DIR/pg -A trust -U postgres --no-sync >/dev/null"
    su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $SERVICES_DIR/pg -l $SERVICES_DIR/pg.log \
      -o '-c listen_addresses=127.0.0.1 -p 5432 -k $SERVICES_DIR -c fsync=off' -w start >/dev/null"
    STARTED_POSTGRES="$SERVICES_DIR/pg/postmaster.pid"
  fi
  PGOPTIONS='--client-min-messages=warning' psql -q -h 127.0.0.1 -U postgres \
    -c 'DROP DATABASE IF EXISTS hauler_ci' -c 'CREATE DATABASE hauler_ci' >/dev/null

  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "ci: Redis already answers on 127.0.0.1:6379; using it"
  else
    echo "ci: starting Redis on 127.0.0.1:6379"
    redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --pidfile "$SERVICES_DIR/redis.pid" --logfile "$SERVICES_DIR/redis.log"
    for _ in $(seq 50); do [ -s "$SERVICES_DIR/redis.pid" ] && break; sleep 0.1; done
    STARTED_REDIS="$SERVICES_DIR/redis.pid"
  fi
}

stop_services() {
  if [ -n "$STARTED_REDIS" ] && [ -s "$STARTED_REDIS" ]; then
    kill "$(cat "$STARTED_REDIS")" 2>/dev/null || true
  fi
  if [ -n "$STARTED_POSTGRES" ] && [ -s "$STARTED_POSTGRES" ]; then
    kill -INT "$(head -1 "$STARTED_POSTGRES")" 2>/dev/null || true
    # Fast shutdown: wait until the server has let go of its files, at most 30 s.
    for _ in $(seq 300); do [ -e "$STARTED_POSTGRES" ] || break; sleep 0.1; done
  fi
  # Every test made a database of its own: the data folder is not kept.
  if [ -n "$SERVICES_DIR" ]; then rm -rf "$SERVICES_DIR"; fi
}
