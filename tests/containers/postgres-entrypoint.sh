#!/bin/sh
# A small stand-in for the official postgres image's docker-entrypoint.sh, for local images made
# from Debian's postgresql-15 (Docker Hub is not reachable here). What it keeps of the official
# behaviour: POSTGRES_USER (default postgres) is the superuser, POSTGRES_PASSWORD its password
# (required, unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB (default: the user) is created,
# PGDATA (default /var/lib/postgresql/data) is initialised only when empty, local connections
# are trusted and TCP connections need the password (scram-sha-256), the server listens on all
# addresses and runs as the postgres user as PID 1. Not kept: /docker-entrypoint-initdb.d
# scripts, POSTGRES_INITDB_ARGS/WALDIR, *_FILE secrets, running as an arbitrary --user.
set -eu

[ $# -gt 0 ] || set -- postgres
if [ "$1" != postgres ]; then
  exec "$@"
fi
shift

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
export PGDATA

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chmod 2775 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" postgres "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  auth=scram-sha-256
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    if [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
      echo "postgres-entrypoint: set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust)" >&2
      exit 1
    fi
    auth=trust
  fi
  pwfile=$(mktemp)
  printf '%s\n' "${POSTGRES_PASSWORD:-}" > "$pwfile"
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host="$auth" >/dev/null
  rm -f "$pwfile"
  printf "\nhost all all all %s\n" "$auth" >> "$PGDATA/pg_hba.conf"
  printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    # Single-user mode: no server is listening yet, so pg_isready cannot report ready early.
    echo "CREATE DATABASE \"$POSTGRES_DB\";" \
      | postgres --single -D "$PGDATA" -j postgres >/dev/null
  fi
  echo "postgres-entrypoint: initialised $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
fi

exec postgres "$@"
