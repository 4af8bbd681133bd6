#!/usr/bin/env bash
# Entrypoint of the postgres stand-in: the official image's documented start-up contract.
set -Eeuo pipefail

# VAR_FILE names a file holding VAR's value; both set at once is an error, as upstream.
file_env() {
	local var="$1" file_var="${1}_FILE" default="${2:-}"
	if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
		echo >&2 "error: both $var and $file_var are set (but are exclusive)"
		exit 1
	fi
	local value="$default"
	if [ -n "${!var:-}" ]; then
		value="${!var}"
	elif [ -n "${!file_var:-}" ]; then
		value="$(<"${!file_var}")"
	fi
	export "$var"="$value"
	unset "$file_var"
}

run_initdb_scripts() {
	local f
	shopt -s nullglob
	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
			*.sh)
				if [ -x "$f" ]; then echo "$0: running $f"; "$f"; else echo "$0: sourcing $f"; . "$f"; fi ;;
			*.sql) echo "$0: running $f"; psql_init -f "$f" ;;
			*.sql.gz) echo "$0: running $f"; gunzip -c "$f" | psql_init ;;
			*) echo "$0: ignoring $f" ;;
		esac
	done
}

psql_init() {
	psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname "$POSTGRES_DB" "$@"
}

initialise() {
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	if [ -z "$POSTGRES_PASSWORD" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
		echo >&2 'error: database is uninitialized and superuser password is not specified.'
		echo >&2 '       Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE), or POSTGRES_HOST_AUTH_METHOD=trust.'
		exit 1
	fi
	local pwfile
	pwfile="$(mktemp)"
	printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
	# shellcheck disable=SC2086
	initdb --username="$POSTGRES_USER" --pwfile="$pwfile" $POSTGRES_INITDB_ARGS
	rm -f "$pwfile"
	local auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
	printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"

	pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
	if [ "$POSTGRES_DB" != postgres ]; then
		psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --dbname postgres \
			--set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db" ;'
	fi
	run_initdb_scripts
	pg_ctl -D "$PGDATA" -m fast -w stop
	echo 'PostgreSQL init process complete; ready for start up.'
}

# 18 and later keep the cluster in /var/lib/postgresql/MAJOR/docker: a cluster found where older
# images kept theirs was made by another major, and starting beside it would hide it.
refuse_old_layout() {
	[ "$PGDATA" = "/var/lib/postgresql/$PG_MAJOR/docker" ] || return 0
	[ -s "$PGDATA/PG_VERSION" ] && return 0
	local found=() dir
	for dir in /var/lib/postgresql/data /var/lib/postgresql; do
		if [ -s "$dir/PG_VERSION" ]; then found+=("$dir (PostgreSQL $(<"$dir/PG_VERSION"))"); fi
	done
	[ "${#found[@]}" -eq 0 ] && return 0
	echo >&2 "error: PostgreSQL $PG_MAJOR keeps its data in $PGDATA, under one volume at /var/lib/postgresql,"
	echo >&2 "       but data of an older layout was found in: ${found[*]}"
	echo >&2 "       Dump it with the old major's image and restore it into a new volume (pg_dumpall, psql), or"
	echo >&2 "       upgrade it with pg_upgrade; see https://github.com/docker-library/postgres/pull/1259"
	exit 1
}

if [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi

if [ "$1" = postgres ]; then
	refuse_old_layout
	if [ "$(id -u)" = 0 ]; then
		mkdir -p "$PGDATA"
		chown -R postgres:postgres "$PGDATA"
		chmod 700 "$PGDATA"
		exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
	fi
	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		initialise
	else
		echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
	fi
	unset POSTGRES_PASSWORD
	exec "$@"
fi

exec "$@"
