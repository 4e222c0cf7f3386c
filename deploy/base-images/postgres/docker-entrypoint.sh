#!/usr/bin/env bash
# The postgres stand-in's entry point: the official image's documented contract, in short.
# - POSTGRES_PASSWORD is required (unless POSTGRES_HOST_AUTH_METHOD=trust); POSTGRES_USER
#   (default postgres) is the superuser; POSTGRES_DB (default: the user's name) is created.
# - On an empty PGDATA only: initdb (plus POSTGRES_INITDB_ARGS), then a server on the Unix socket
#   alone runs /docker-entrypoint-initdb.d/*.sh (executed, or sourced if not executable), *.sql
#   and *.sql.gz against POSTGRES_DB, in name order, and stops. Network clients authenticate
#   with scram-sha-256 (or POSTGRES_HOST_AUTH_METHOD).
# - Started as root, it hands PGDATA to the postgres user and runs the server as that user.
set -Eeuo pipefail
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA
SOCKETS=/var/run/postgresql

if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" "$SOCKETS"
  chmod 00700 "$PGDATA"
  chown -R postgres:postgres "$PGDATA" "$SOCKETS"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
    echo 'Error: the database is uninitialized and POSTGRES_PASSWORD is not set.' >&2
    exit 1
  fi
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of flags, as in the official image
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") \
    --encoding=UTF8 ${POSTGRES_INITDB_ARGS:-}
  printf "\nlisten_addresses = '*'\nunix_socket_directories = '%s'\n" "$SOCKETS" \
    >> "$PGDATA/postgresql.conf"
  printf '\nhost all all all %s\n' "${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" \
    >> "$PGDATA/pg_hba.conf"

  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
  export PGPASSWORD="${POSTGRES_PASSWORD:-}"
  psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --host "$SOCKETS" --username "$POSTGRES_USER")
  if [ "$POSTGRES_DB" != postgres ]; then
    "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  shopt -s nullglob
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then "$f"; else
          # shellcheck disable=SC1090
          . "$f"
        fi
        ;;
      *.sql) "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) gunzip -c "$f" | "${psql[@]}" --dbname "$POSTGRES_DB" ;;
      *) echo "docker-entrypoint.sh: ignoring $f" ;;
    esac
  done
  unset PGPASSWORD
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo 'PostgreSQL init process complete; ready for start up.'
fi

exec "$@"
