# Stand-in for postgres:<major>: Debian's server with the official image's user, paths, env and entrypoint.
ARG ROOT_IMAGE
FROM ${ROOT_IMAGE}
ARG PG_MAJOR
ARG PGDATA_PATH=/var/lib/postgresql/data
ARG VOLUME_PATH=/var/lib/postgresql/data
# The official image fixes the postgres user at uid/gid 999 before the server package creates it.
RUN groupadd --system --gid 999 postgres \
    && useradd --system --uid 999 --gid 999 --home-dir /var/lib/postgresql --shell /bin/bash postgres \
    && mkdir -p /etc/postgresql-common \
    && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf \
    && apt-get update \
    && apt-get install -y --no-install-recommends "postgresql-${PG_MAJOR}" util-linux \
    && rm -rf /var/lib/apt/lists/* \
    && sed -ri "s/^#?(listen_addresses)\s*=\s*\S+.*/\1 = '*'/" "/usr/share/postgresql/${PG_MAJOR}/postgresql.conf.sample" \
    && mkdir -p /docker-entrypoint-initdb.d /var/run/postgresql \
    && chown postgres:postgres /var/run/postgresql && chmod 3777 /var/run/postgresql
ENV PG_MAJOR=${PG_MAJOR} \
    PATH=/usr/lib/postgresql/${PG_MAJOR}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 \
    PGDATA=${PGDATA_PATH}
RUN mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 1777 "$PGDATA"
VOLUME ${VOLUME_PATH}
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
