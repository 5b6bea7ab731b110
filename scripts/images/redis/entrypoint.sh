#!/bin/sh
# `redis-server ARGS` runs with the official image's defaults: protected mode off, listening on every interface.
set -e
if [ "${1:-}" = "redis-server" ]; then
  shift
  set -- redis-server --protected-mode no --bind "* -::*" "$@"
fi
exec "$@"
