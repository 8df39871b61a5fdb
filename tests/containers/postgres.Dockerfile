# A local stand-in for postgres:15-bookworm: Debian bookworm's postgresql-15 (made by mmdebstrap
# and `docker import`ed as BASE) with a short entrypoint that keeps the official image's
# environment interface (POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, PGDATA on a volume,
# pg_isready on PATH). Built by compose_smoke.sh.
ARG BASE=podium-base/postgres-rootfs:15-bookworm
FROM ${BASE}
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 \
    PGDATA=/var/lib/postgresql/data
RUN mkdir -p "$PGDATA" /var/run/postgresql \
 && chown postgres:postgres "$PGDATA" /var/run/postgresql \
 && chmod 700 "$PGDATA" \
 && chmod 2775 /var/run/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
