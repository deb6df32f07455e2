# PostgreSQL 15 from Debian 12's own packages (not the postgres:15 image from
# a registry). Build context: docker/.
#
#   podman build -t liner-postgres:15 -f docker/postgres.Dockerfile docker
#
# The first start initialises the cluster in $PGDATA (a volume in compose.yaml)
# and creates the role POSTGRES_USER (LOGIN SUPERUSER, password
# POSTGRES_PASSWORD, scram-sha-256 over TCP) and the database POSTGRES_DB;
# defaults liner_app / liner / liner, as scripts/pg. Arguments are passed to
# postgres: `... liner-postgres:15 -c fsync=off`.
FROM debian:12

# No "main" cluster at install time: the entry point makes its own in $PGDATA.
RUN mkdir -p /etc/postgresql-common/createcluster.d \
 && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/no-main.conf \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      postgresql-15 postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data /run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /run/postgresql \
 && chmod 700 /var/lib/postgresql/data

COPY postgres-entrypoint /usr/local/bin/postgres-entrypoint

ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data \
    POSTGRES_USER=liner_app \
    POSTGRES_PASSWORD=liner \
    POSTGRES_DB=liner
USER postgres
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint"]
CMD ["-c", "max_connections=300"]
