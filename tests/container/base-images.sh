#!/usr/bin/env bash
# Makes the base images docker/Dockerfile starts from, debian:bookworm and
# debian:bookworm-slim, without a registry: `debootstrap --variant=minbase`
# from Debian's mirror, then `podman import`. The root filesystems are kept
# as tarballs in $RESHIP_CONTAINER_CACHE (default /var/cache/reship/container)
# so that later runs, CI's included, only import them (seconds) or find the
# images already there; a tarball older than 30 days is made anew.
#
#   tests/container/base-images.sh            make or reuse both images
#   RESHIP_CONTAINER_REFRESH=1 tests/...      make them anew from the mirror
#
# The slim image is to the full one what Docker's debian:bookworm-slim is:
# no manuals, docs or translations, and dpkg told to leave them out of every
# later install too.
set -euo pipefail
test_name="base-images"
# shellcheck source=tests/container/lib.sh
. "$(dirname "$0")/lib.sh"

mirror="${RESHIP_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security="${RESHIP_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
full_tar="$RESHIP_CONTAINER_CACHE/debian-bookworm-minbase.tar"
slim_tar="$RESHIP_CONTAINER_CACHE/debian-bookworm-slim.tar"
# The names the Dockerfile's FROM lines resolve to without a registry.
full_image=docker.io/library/debian:bookworm
slim_image=docker.io/library/debian:bookworm-slim

[ -n "${CONTAINERS_CONF:-}" ] || setup_engine

fresh() { [ -s "$1" ] && [ -z "$(find "$1" -mtime +30)" ] && [ "${RESHIP_CONTAINER_REFRESH:-0}" != 1 ]; }

make_rootfs() {
  command -v debootstrap >/dev/null 2>&1 ||
    fail "debootstrap is not installed: scripts/install-deps --container installs it"
  mkdir -p "$RESHIP_CONTAINER_CACHE"
  local dir root
  new_temp_dir dir
  root=$dir/root
  say "debootstrap --variant=minbase bookworm from $mirror (about a minute)"
  if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1; then
    tail -20 "$root.log" >&2
    fail "debootstrap failed (log above): is $mirror reachable?"
  fi
  # What an image of Debian's own carries: the security and point updates,
  # no downloaded packages or lists, no machine id.
  cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* \
    "$root"/var/log/* "$root"/tmp/*
  : >"$root/etc/machine-id"
  tar --numeric-owner -C "$root" -cf "$full_tar.new" .
  mv -f "$full_tar.new" "$full_tar"

  find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/usr/share/lintian/*
  cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
# A slim image: no documentation or translations, now or in later installs.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
  tar --numeric-owner -C "$root" -cf "$slim_tar.new" .
  mv -f "$slim_tar.new" "$slim_tar"
  rm -rf "$root"
}

import() {
  local tar=$1 image=$2
  say "podman import $tar as $image"
  podman import --quiet --change 'CMD ["bash"]' "$tar" "$image" >/dev/null
}

if fresh "$full_tar" && fresh "$slim_tar"; then
  say "base root filesystems cached in $RESHIP_CONTAINER_CACHE"
  refreshed=0
else
  make_rootfs
  refreshed=1
fi
for pair in "$full_tar=$full_image" "$slim_tar=$slim_image"; do
  tar=${pair%%=*}
  image=${pair#*=}
  if [ "$refreshed" = 1 ] || ! podman image exists "$image"; then
    import "$tar" "$image"
  fi
done
say "base images: $(podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep 'library/debian:bookworm' | tr '\n' ' ')"
