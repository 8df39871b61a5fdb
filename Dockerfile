# Podium's image: one image for every role (`podium run`, `--only gateway|worker|web`,
# `podium migrate`). Runtime packages only, from requirements.lock with their hashes; no dev
# tools; a non-root user; a HEALTHCHECK on /healthz. The install steps are
# deploy/build-venv.sh, which CI also runs outside Docker (tests/e2e/test_image_steps.py).
#
#   docker build -t podium .
#   docker compose up -d          (compose.yaml: PostgreSQL, migrate, gateway, workers, web)

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a venv at /opt/podium with the locked packages, then Podium itself -----------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY deploy/build-venv.sh deploy/build-venv.sh
# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY requirements.lock ./
RUN sh deploy/build-venv.sh deps /opt/podium requirements.lock
COPY pyproject.toml README.md ./
COPY bot bot
COPY cogs cogs
COPY storage storage
RUN sh deploy/build-venv.sh app /opt/podium /src \
 && sh deploy/build-venv.sh check /opt/podium

# --- runtime: the venv, the healthcheck and a user; no compilers, no pip cache ------------
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 podium \
 && useradd --system --uid 10001 --gid podium --home-dir /srv/podium --no-create-home \
      --shell /usr/sbin/nologin podium \
 && mkdir -p /srv/podium/data \
 && chown podium:podium /srv/podium/data \
 && chmod 700 /srv/podium/data
COPY --from=build /opt/podium /opt/podium
COPY deploy/healthcheck.py /opt/podium/bin/podium-healthcheck
ENV PATH=/opt/podium/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8080 \
    COMPETITION_CONFIG=/srv/podium/competition.toml \
    DATABASE_URL=sqlite+aiosqlite:////srv/podium/data/podium.db
WORKDIR /srv/podium
USER podium:podium
EXPOSE 8080
VOLUME ["/srv/podium/data"]
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "/opt/podium/bin/podium-healthcheck"]
ENTRYPOINT ["podium"]
CMD ["run"]
