#!/usr/bin/env bash
# Prints the path of a Debian bookworm root filesystem tarball made with `debootstrap --variant=minbase`,
# building it first unless the cache already holds one. Needs root (debootstrap chroots), or sudo.
#
#   scripts/images/debian-rootfs.sh [cache-dir]
#
# DEBIAN_MIRROR overrides the archive; by default it is the first Debian mirror this machine's apt uses.
set -euo pipefail

cache="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/ecsmon-standins}"
suite=bookworm
tarball="$cache/debian-$suite-minbase.tar"

if [ -s "$tarball" ]; then
  echo "$tarball"
  exit 0
fi

apt_mirror() {
  # deb822 sources (URIs: ...) first, then one-line sources (deb URL suite ...).
  local uri
  uri=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)
  [ -n "$uri" ] || uri=$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
    awk '{print $2}' | grep -v security | head -n1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}
mirror="${DEBIAN_MIRROR:-$(apt_mirror)}"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
mkdir -p "$cache"
work=$(mktemp -d "$cache/rootfs.XXXXXX")
trap '$sudo rm -rf "$work"' EXIT

echo "debian-rootfs: debootstrap --variant=minbase $suite from $mirror" >&2
$sudo debootstrap --variant=minbase "$suite" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  echo "debian-rootfs: debootstrap failed (log above)" >&2
  exit 1
}
# Images do not need the package index debootstrap downloaded, nor apt's archive cache. As in the official
# images: packages installed later start no services (there is no init in a build), and "slim" leaves out docs.
$sudo rm -rf "$work/root/var/lib/apt/lists/"* "$work/root/var/cache/apt/"*.bin "$work/root/var/cache/apt/archives/"*.deb
printf '#!/bin/sh\nexit 101\n' | $sudo tee "$work/root/usr/sbin/policy-rc.d" >/dev/null
$sudo chmod 755 "$work/root/usr/sbin/policy-rc.d"
printf 'path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\n' |
  $sudo tee "$work/root/etc/dpkg/dpkg.cfg.d/docker-slim" >/dev/null
$sudo tar --numeric-owner -C "$work/root" -cf "$work/rootfs.tar" .
$sudo chown "$(id -u):$(id -g)" "$work/rootfs.tar"
mv "$work/rootfs.tar" "$tarball"
echo "$tarball"
