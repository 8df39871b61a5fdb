#!/bin/bash
# tests/containers/compose_smoke.sh: build Podium's container image and run its compose stack
# (compose.yaml, unchanged) on the CI machine, from a fresh clone, non-interactively. .ci/run
# runs it beside the test suite; it needs root (apt-get, mmdebstrap, dockerd) and outbound
# access to Debian's mirror and PyPI. Docker Hub is not reachable there, so the two images
# compose.yaml pulls are stood in for by local ones made from Debian's packages.
#
#   sudo bash tests/containers/compose_smoke.sh
#
# What it does, each step timed:
#   0. prerequisites: docker.io and mmdebstrap from Debian (apt-get, only if missing); dockerd
#      started when it is not running; the Compose v2 CLI plugin (Debian trixie's docker-compose
#      .deb, fetched with apt-get download through a private apt configuration, unpacked into a
#      private DOCKER_CONFIG: nothing is installed system-wide) unless `docker compose` works.
#   1. a local stand-in for python:3.11-slim-bookworm: mmdebstrap bookworm (minbase + python3,
#      python3-venv, ca-certificates, netbase, tzdata) piped into `docker import`. This machine's
#      extra CA certificates (/usr/local/share/ca-certificates/*.crt: PyPI is reached through a
#      TLS-intercepting egress proxy) are added to its trust store, or pip cannot verify PyPI.
#      Reused while its inputs (the package list, those certificates) are unchanged.
#   2. a local stand-in for postgres:15-bookworm: mmdebstrap bookworm + postgresql-15, imported,
#      then postgres.Dockerfile (postgres-entrypoint.sh: POSTGRES_USER/PASSWORD/DB, PGDATA volume,
#      pg_isready on PATH). Reused likewise.
#   3. a fresh clone of REPO and `docker build --build-arg PYTHON_IMAGE=<step 1> -t podium:local .`
#   4. the image alone: `podium run --only web` on SQLite as a non-root user; its HEALTHCHECK
#      command must turn the container healthy; SIGTERM must stop it with exit code 0.
#   5. the project's fake Discord (tests/fakes/discord, via fake_discord.py) in a podium:local
#      container on the host network, listening on docker0's address.
#   6. the project's compose.yaml plus compose.local-images.yaml (it only swaps the postgres image
#      name), a .env made from .env.example (fake Discord URLs, generated secrets),
#      competition.toml from competition.example.toml; `docker compose up -d --wait`; then checks:
#      postgres healthy, migrate ran once and exited 0, gateway/2 workers/2 web healthy, each web
#      replica answers /healthz 200 on its host port, the gateway reports its Discord connection
#      ready, the workers their REST login.
#   7. teardown (compose down -v, the fake removed) unless KEEP=1.
#
# Settings (environment): REPO (default: this checkout), WORK (default
# /tmp/podium-compose-smoke: the clone, logs), PROJECT (compose project name, default
# podium-smoke), FAKE_PORT (default 18090), REBUILD_BASE=1 (remake the base images), KEEP=1
# (leave the stack running), CACHE (default /var/cache/podium-compose-smoke: the Compose
# plugin).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=${REPO:-$(cd "$HERE/../.." && pwd)}
WORK=${WORK:-/tmp/podium-compose-smoke}
CACHE=${CACHE:-/var/cache/podium-compose-smoke}
PROJECT=${PROJECT:-podium-smoke}
FAKE_PORT=${FAKE_PORT:-18090}
REBUILD_BASE=${REBUILD_BASE:-0}
KEEP=${KEEP:-0}

PY_BASE=podium-base/python:3.11-bookworm
PG_ROOTFS=podium-base/postgres-rootfs:15-bookworm
PG_IMAGE=podium-base/postgres:15-bookworm
IMAGE=podium:local
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
COMPOSE_DEB="docker-compose=2.26.1-4"   # Debian trixie's Compose v2 (Go, needs libc6 >= 2.34)
DPKG_SLIM=(--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
           --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*')
PY_PACKAGES=python3,python3-venv,ca-certificates,netbase,tzdata
PG_PACKAGES=postgresql-15,ca-certificates,tzdata
WEB_PORTS=(8080 8081)   # compose.yaml publishes the web replicas on 127.0.0.1:8080-8081

export DEBIAN_FRONTEND=noninteractive
NICE=(nice -n 10)

T_START=$(date +%s.%N)
TIMES=()
step() {
  STEP=$1
  STEP_T0=$(date +%s.%N)
  echo
  echo "=== $STEP"
}
step_done() {
  local took
  took=$(awk -v a="$STEP_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  TIMES+=("$(printf '%-62s %6s s' "$STEP${1:+ ($1)}" "$took")")
  echo "=== $STEP: ${took} s${1:+ ($1)}"
}
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
hash_of() { sha256sum | cut -c1-16; }
image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }
# Each rebuild leaves the previous image untagged (460 MB for podium:local): remove it when
# nothing uses it any more.
drop_if_replaced() {  # NAME OLD_ID
  local new
  new=$(image_id "$1")
  if [ -n "$2" ] && [ "$2" != "$new" ]; then docker rmi "$2" >/dev/null 2>&1 || true; fi
}
label_of() { docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------
step "0. prerequisites"
mkdir -p "$WORK"
[ "$(id -u)" = 0 ] || fail "run as root (apt-get, mmdebstrap, dockerd)"
need=()
command -v docker >/dev/null || need+=(docker.io)
command -v dockerd >/dev/null || need+=(docker.io)
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v git >/dev/null || need+=(git)
command -v curl >/dev/null || need+=(curl)
command -v ip >/dev/null || need+=(iproute2)
command -v ss >/dev/null || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need[@]}" | sort -u) >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  echo "starting dockerd (log: /tmp/dockerd.log)"
  setsid nohup dockerd >/tmp/dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || fail "dockerd did not start (see /tmp/dockerd.log)"
fi
if ! docker compose version >/dev/null 2>&1; then
  plugins=$CACHE/docker-config/cli-plugins
  if [ ! -x "$plugins/docker-compose" ]; then
    apt_dir=$CACHE/apt
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/deb" "$plugins"
    echo "deb $MIRROR trixie main" > "$apt_dir/sources.list"
    apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir"
              -o APT::Sandbox::User=root)
    apt-get "${apt_opts[@]}" update -qq
    # The version this script was written with, else whatever trixie has now (a later
    # release may have replaced it there).
    (cd "$apt_dir/deb" && { apt-get "${apt_opts[@]}" download -qq "$COMPOSE_DEB" \
      || apt-get "${apt_opts[@]}" download -qq docker-compose; })
    rm -rf "$apt_dir/x"
    dpkg-deb -x "$apt_dir"/deb/docker-compose_*.deb "$apt_dir/x"
    install -m 755 "$apt_dir/x/usr/libexec/docker/cli-plugins/docker-compose" "$plugins/"
  fi
  export DOCKER_CONFIG=$CACHE/docker-config
fi
echo "docker: client $(docker version --format '{{.Client.Version}}'), engine $(docker version --format '{{.Server.Version}}'); $(docker compose version)"
step_done

# ---------------------------------------------------------------------------------------------
step "1. python base image (mmdebstrap | docker import)"
cas=()
for crt in /usr/local/share/ca-certificates/*.crt; do [ -f "$crt" ] && cas+=("$crt"); done
py_inputs=$( { echo "$SUITE $PY_PACKAGES ${DPKG_SLIM[*]} v1"; cat "${cas[@]}" 2>/dev/null; } | hash_of)
old_py=$(image_id "$PY_BASE")
if [ "$REBUILD_BASE" != 1 ] && [ "$(label_of "$PY_BASE" podium.base.inputs)" = "$py_inputs" ]; then
  step_done "reused"
else
  hooks=()
  if [ ${#cas[@]} -gt 0 ]; then
    hooks+=(--customize-hook="copy-in ${cas[*]} /usr/local/share/ca-certificates/"
            --customize-hook='chroot "$1" update-ca-certificates')
  fi
  "${NICE[@]}" mmdebstrap --quiet --variant=minbase --include="$PY_PACKAGES" "${DPKG_SLIM[@]}" \
      "${hooks[@]}" "$SUITE" - 2> >(grep -v -e '^Updating certificates' -e '^rehash: warning' -e '^Running hooks' -e '^done\.$' -e 'added, .* removed' >&2) \
    | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change "LABEL podium.base.inputs=$py_inputs" \
        --change 'CMD ["python3"]' \
        --message "mmdebstrap $SUITE minbase + $PY_PACKAGES" - "$PY_BASE" >/dev/null
  drop_if_replaced "$PY_BASE" "$old_py"
  step_done "built"
fi
docker run --rm "$PY_BASE" python3 -c 'import sys, ensurepip; print("python", sys.version.split()[0])'

# ---------------------------------------------------------------------------------------------
step "2. postgres base image (mmdebstrap, import, build)"
pg_inputs=$(echo "$SUITE $PG_PACKAGES ${DPKG_SLIM[*]} v1" | hash_of)
old_pg_rootfs=$(image_id "$PG_ROOTFS")
old_pg=$(image_id "$PG_IMAGE")
if [ "$REBUILD_BASE" != 1 ] && [ "$(label_of "$PG_ROOTFS" podium.base.inputs)" = "$pg_inputs" ]; then
  note=reused
else
  # No "main" cluster at install time: the entrypoint makes one in PGDATA at first start.
  "${NICE[@]}" mmdebstrap --quiet --variant=minbase --include="$PG_PACKAGES" "${DPKG_SLIM[@]}" \
      --essential-hook='mkdir -p "$1/etc/postgresql-common/createcluster.d" && echo "create_main_cluster = false" > "$1/etc/postgresql-common/createcluster.d/no-main-cluster.conf"' \
      "$SUITE" - \
    | docker import --change "LABEL podium.base.inputs=$pg_inputs" \
        --message "mmdebstrap $SUITE minbase + $PG_PACKAGES" - "$PG_ROOTFS" >/dev/null
  note=built
fi
ctx=$WORK/pg-context
rm -rf "$ctx" && mkdir -p "$ctx"
cp "$HERE/postgres.Dockerfile" "$ctx/Dockerfile"
install -m 755 "$HERE/postgres-entrypoint.sh" "$ctx/postgres-entrypoint.sh"
DOCKER_BUILDKIT=0 docker build --build-arg BASE="$PG_ROOTFS" -t "$PG_IMAGE" "$ctx" \
  > "$WORK/pg-build.log" 2>&1 || { cat "$WORK/pg-build.log"; fail "postgres image build"; }
drop_if_replaced "$PG_IMAGE" "$old_pg"
drop_if_replaced "$PG_ROOTFS" "$old_pg_rootfs"
docker run --rm --entrypoint postgres "$PG_IMAGE" --version
step_done "$note"

# ---------------------------------------------------------------------------------------------
step "3. fresh clone + docker build podium:local"
rm -rf "$WORK/podium"
git clone -q "$REPO" "$WORK/podium"
cd "$WORK/podium"
echo "commit $(git log -1 --format='%h %s' | cut -c1-100)"
old_image=$(image_id "$IMAGE")
# The legacy builder (BuildKit through buildx works too, when that plugin is installed).
DOCKER_BUILDKIT=0 "${NICE[@]}" docker build --build-arg PYTHON_IMAGE="$PY_BASE" -t "$IMAGE" . \
  > "$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log"; fail "docker build (log: $WORK/build.log)"; }
grep -E '^podium [0-9]' "$WORK/build.log" || true
drop_if_replaced "$IMAGE" "$old_image"
[ "$(docker image inspect --format '{{.Config.User}}' "$IMAGE")" = "podium:podium" ] \
  || fail "the image does not run as podium:podium"
step_done

# ---------------------------------------------------------------------------------------------
FAKE=$PROJECT-fake-discord
SOLO=$PROJECT-solo-web
compose() { docker compose -p "$PROJECT" -f compose.yaml -f "$HERE/compose.local-images.yaml" "$@"; }
cleanup() {
  local rc=$?
  if [ "$KEEP" = 1 ]; then
    echo "KEEP=1: left running (cd $WORK/podium && docker compose -p $PROJECT ... down -v; docker rm -f -v $FAKE)"
  else
    (cd "$WORK/podium" 2>/dev/null && compose down -v --remove-orphans >/dev/null 2>&1) || true
    docker rm -f -v "$FAKE" "$SOLO" >/dev/null 2>&1 || true
  fi
  exit $rc
}
trap cleanup EXIT

step "4. image alone: SQLite web, HEALTHCHECK, SIGTERM"
docker rm -f -v "$SOLO" >/dev/null 2>&1 || true
# The image's own HEALTHCHECK command, probed every 2 s instead of 30 s to save the wait.
docker run -d --name "$SOLO" --health-interval 2s \
  -e DISCORD_TOKEN=unused -e DISCORD_GUILD_ID=1 \
  -v "$WORK/podium/competition.example.toml:/srv/podium/competition.toml:ro" \
  "$IMAGE" run --only web >/dev/null
for _ in $(seq 60); do
  status=$(docker inspect --format '{{.State.Health.Status}}' "$SOLO")
  [ "$status" = healthy ] && break
  [ "$(docker inspect --format '{{.State.Running}}' "$SOLO")" = true ] || break
  sleep 1
done
[ "$status" = healthy ] || { docker logs "$SOLO" | tail -20; fail "solo web container is $status"; }
uid=$(docker exec "$SOLO" id -u)
[ "$uid" = 10001 ] || fail "solo web runs as uid $uid"
docker stop -t 20 "$SOLO" >/dev/null
code=$(docker inspect --format '{{.State.ExitCode}}' "$SOLO")
[ "$code" = 0 ] || { docker logs "$SOLO" | tail -20; fail "solo web exited $code on SIGTERM"; }
echo "healthy, uid $uid, SIGTERM -> exit 0"
docker rm -v "$SOLO" >/dev/null
step_done

# ---------------------------------------------------------------------------------------------
step "5. fake Discord on the host network"
GW=$(ip -4 -o addr show docker0 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }')
GW=${GW:-172.17.0.1}
TOKEN=smoke-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
GUILD_ID=900000000000000001
docker rm -f -v "$FAKE" >/dev/null 2>&1 || true
docker run -d --name "$FAKE" --network host --no-healthcheck \
  -v "$WORK/podium/tests:/fake/tests:ro" -v "$HERE/fake_discord.py:/fake/fake_discord.py:ro" \
  -e PYTHONPATH=/fake -w /fake --entrypoint python "$IMAGE" /fake/fake_discord.py \
  --listen "$GW" --port "$FAKE_PORT" --advertise "$GW" --guild-id "$GUILD_ID" --token "$TOKEN" >/dev/null
for _ in $(seq 60); do docker logs "$FAKE" 2>&1 | grep -q '^ready ' && break; sleep 0.5; done
docker logs "$FAKE" 2>&1 | grep '^ready ' || { docker logs "$FAKE"; fail "fake Discord did not start"; }
step_done

# ---------------------------------------------------------------------------------------------
step "6. compose up --wait (pg, migrate, gw, 2 wk, 2 web)"
for port in "${WEB_PORTS[@]}"; do
  [ -z "$(ss -Hltn "sport = :$port")" ] || fail "port $port is taken (compose.yaml publishes 8080-8081)"
done
cp competition.example.toml competition.toml
python3 - "$TOKEN" "$GUILD_ID" "http://$GW:$FAKE_PORT/api/v10" "ws://$GW:$FAKE_PORT/gateway" <<'PY'
import secrets, sys
token, guild, api, gateway = sys.argv[1:]
values = {"DISCORD_TOKEN": token, "DISCORD_GUILD_ID": guild,
          "DASHBOARD_SECRET": secrets.token_urlsafe(32)}
lines = []
for line in open(".env.example").read().splitlines():
    key = line.split("=", 1)[0]
    if key in values and not line.startswith("#"):
        line = f"{key}={values.pop(key)}"
    lines.append(line)
assert not values, f".env.example lacks {values}"
lines += ["", "# compose_smoke.sh", f"POSTGRES_PASSWORD={secrets.token_urlsafe(16)}",
          f"DISCORD_API_BASE_URL={api}", f"DISCORD_GATEWAY_URL={gateway}"]
with open(".env", "w") as env:
    env.write("\n".join(lines) + "\n")
PY
chmod 600 .env
compose config --quiet
compose up -d --no-build --wait --wait-timeout 300 > "$WORK/compose-up.log" 2>&1 || {
  cat "$WORK/compose-up.log"; compose ps -a; compose logs --tail 30; fail "compose up"; }
step_done

step "6b. checks"
compose ps -a --format 'table {{.Name}}\t{{.Status}}\t{{.Ports}}'
declare -A want=([postgres]=1 [migrate]=1 [gateway]=1 [worker]=2 [web]=2)
for service in "${!want[@]}"; do
  mapfile -t ids < <(compose ps -a -q "$service")
  [ "${#ids[@]}" = "${want[$service]}" ] || fail "$service: ${#ids[@]} containers, want ${want[$service]}"
  for id in "${ids[@]}"; do
    if [ "$service" = migrate ]; then
      state=$(docker inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$id")
      [ "$state" = "exited 0" ] || fail "migrate: $state"
      docker logs "$id" 2>&1 | grep -q 'database migrated' || fail "migrate did not migrate"
    else
      health=$(docker inspect --format '{{.State.Health.Status}}' "$id")
      [ "$health" = healthy ] || fail "$service $id: $health"
    fi
  done
done
for port in "${WEB_PORTS[@]}"; do
  body=$(curl -sS --max-time 5 -w ' %{http_code}' "http://127.0.0.1:$port/healthz")
  echo "web on 127.0.0.1:$port /healthz -> $body"
  [ "${body##* }" = 200 ] || fail "web on $port answered ${body##* }"
  case $body in *'"role": "web"'*) ;; *) fail "port $port is not a web replica" ;; esac
done
healthz() { docker exec "$1" python -c 'import urllib.request as u; print(u.urlopen("http://127.0.0.1:8080/healthz", timeout=5).read().decode())'; }
gateway=$(healthz "$(compose ps -q gateway)")
echo "gateway /healthz: $gateway"
case $gateway in *'"gateway": {"ok": true'*) ;; *) fail "gateway not connected to Discord" ;; esac
for id in $(compose ps -q worker); do
  worker=$(healthz "$id")
  echo "worker /healthz: $worker"
  case $worker in *'"discord": {"ok": true}'*) ;; *) fail "worker not logged in" ;; esac
done
step_done

# ---------------------------------------------------------------------------------------------
step "7. teardown"
if [ "$KEEP" != 1 ]; then
  compose down -v --remove-orphans >/dev/null 2>&1
  docker rm -f -v "$FAKE" >/dev/null
fi
trap - EXIT
[ "$KEEP" = 1 ] && cleanup_note="kept running" || cleanup_note=
step_done "$cleanup_note"

echo
echo "=== times"
printf '%s\n' "${TIMES[@]}"
awk -v a="$T_START" -v b="$(date +%s.%N)" 'BEGIN { printf "total %.1f s\n", b - a }'
echo "PASS: image built from $REPO, compose stack healthy"
