# What the container tests share (sourced, not run): messages, the engine
# and its configuration, waits with deadlines, and the cleanup of everything
# a test starts.
#
# Environment:
#   RESHIP_CONTAINER_CACHE   where base images and the build's ccache are kept
#                            between runs (default /var/cache/reship/container)
#   RESHIP_CONTAINER_KEEP=1  leave containers and images behind for a look
# shellcheck shell=bash

RESHIP_SOURCE_DIR="${RESHIP_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
RESHIP_CONTAINER_CACHE="${RESHIP_CONTAINER_CACHE:-/var/cache/reship/container}"
# CTest's "skipped" (SKIP_RETURN_CODE in tests/container/CMakeLists.txt).
readonly kSkip=77

test_name="${test_name:-container}"
test_start=$(date +%s%N)

say() { printf '%s: [%5.1fs] %s\n' "$test_name" "$(elapsed)" "$*"; }
elapsed() { awk -v a="$test_start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }
fail() {
  printf '%s: FAILED: %s\n' "$test_name" "$*" >&2
  on_failure
  exit 1
}
# Loud, and a CTest skip rather than a pass.
skip() {
  {
    printf '\n%s: ********************************************************************\n' "$test_name"
    printf '%s: SKIPPED: %s\n' "$test_name" "$*"
    printf '%s: ********************************************************************\n\n' "$test_name"
  } >&2
  exit "$kSkip"
}
# A test's own hook: what to print when a check fails (container logs).
on_failure() { :; }

# ---- cleanup -------------------------------------------------------------------
# Every container, image, volume, temp dir and process a test creates is
# registered here and removed on exit, whatever the exit.
cleanups=()
on_exit() {
  local rc=$?
  if [ "${RESHIP_CONTAINER_KEEP:-0}" = 1 ]; then
    say "RESHIP_CONTAINER_KEEP=1: leaving behind: ${cleanups[*]:-nothing}"
    return "$rc"
  fi
  local i
  for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do
    eval "${cleanups[i]}" >/dev/null 2>&1 || true
  done
  return "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT TERM
cleanup_later() { cleanups+=("$*"); }

# new_temp_dir VAR: a short temp dir in VAR, removed at the end. (Not a
# $(command substitution): its subshell would register the cleanup, then
# forget it.)
new_temp_dir() {
  local d
  d=$(mktemp -d "/tmp/rc.XXXXXX")
  cleanup_later "rm -rf '$d'"
  printf -v "$1" '%s' "$d"
}

# ---- waiting ---------------------------------------------------------------------
# wait_for SECONDS WHAT COMMAND...: runs COMMAND until it succeeds, failing
# the test with WHAT after SECONDS. Polls every 0.1 s; never a fixed sleep.
wait_for() {
  local limit=$1 what=$2
  shift 2
  local deadline=$(($(date +%s%N) + limit * 1000000000))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s%N)" -gt "$deadline" ]; then
      fail "$what: not within ${limit}s"
    fi
    sleep 0.1
  done
}

# ---- the engine ----------------------------------------------------------------
# Rootful podman with runc: crun refuses a cgroup v1 "hybrid" host, and the
# default ulimits podman asks for (nproc 4194304) are above what a process
# without CAP_SYS_RESOURCE may set. The project's own containers.conf says
# both; it is written from this host's hard limits at each run.
setup_engine() {
  if ! command -v podman >/dev/null 2>&1; then
    skip "podman is not installed (scripts/install-deps --container installs it): the container tests cannot run"
  fi
  if [ "$(id -u)" -ne 0 ]; then
    skip "the container tests use rootful podman: run them as root"
  fi
  local conf_dir nofile nproc
  new_temp_dir conf_dir
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] && nofile=1048576
  # conmon runs containers with at most 32768 processes here: stay below it.
  if [ "$nproc" = unlimited ] || [ "$nproc" -gt 16384 ]; then nproc=16384; fi
  local runtime=runc
  command -v runc >/dev/null 2>&1 || runtime=crun
  cat >"$conf_dir/containers.conf" <<EOF
# Written by tests/container/lib.sh for this run.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "$runtime"
EOF
  export CONTAINERS_CONF="$conf_dir/containers.conf"
  local info
  if ! info=$(command podman info --format '{{.Host.OCIRuntime.Name}}' 2>&1); then
    skip "podman does not work on this host: $info"
  fi
  say "engine: $(podman --version), runtime $runtime ($($runtime --version 2>/dev/null | head -1)), ulimits nofile=$nofile nproc=$nproc"
}

# Without systemd on the host, podman logs an error for the healthcheck timer
# it cannot make, at each run, start and removal of a container with a
# HEALTHCHECK: noise, since the tests run the healthcheck themselves.
podman() { command podman "$@" 2> >(grep -v 'unable to get systemd connection' >&2); }

# Runs a container that only says "ok": the engine works on this host, or
# the tests are skipped (loudly) with the engine's own words.
check_engine_runs() {
  local image=$1 out
  if ! out=$(podman run --rm --network none "$image" sh -c 'echo ok' 2>&1) || [ "$out" != ok ]; then
    skip "podman cannot run a container on this host: $out"
  fi
}

# A name unique to this run, for containers, images and volumes.
unique_name() { printf 'reship-test-%s-%s\n' "$1" "$$"; }

# The host pid of a running container's PID 1 (0 when it is not running).
container_pid() { podman inspect --format '{{.State.Pid}}' "$1" 2>/dev/null || echo 0; }

# Runs COMMAND... in the network namespace of container $1, from the host:
# the container's loopback, and a process that outlives the container's
# restarts (a `podman exec` would be killed with the container's PID 1).
in_netns() {
  local name=$1 pid
  shift
  pid=$(container_pid "$name")
  [ "$pid" -gt 0 ] || return 1
  nsenter --net="/proc/$pid/ns/net" -- "$@"
}

# ---- the image -------------------------------------------------------------------
# build_image TAG [FLAGS...]: docker/Dockerfile built by podman from the
# repository, as a user would (the build stage compiles reship), with
# ccache's directory kept in the cache between runs so that a rebuild only
# compiles what changed, and podman's layer cache for everything else.
# --format docker keeps the HEALTHCHECK, which podman's OCI format drops.
build_image() {
  local tag=$1 dir log t0
  shift
  mkdir -p "$RESHIP_CONTAINER_CACHE/ccache"
  [ -f "$RESHIP_CONTAINER_CACHE/ccache/ccache.conf" ] || echo "max_size = 2G" >"$RESHIP_CONTAINER_CACHE/ccache/ccache.conf"
  new_temp_dir dir
  log=$dir/build.log
  t0=$(date +%s)
  say "podman build -f docker/Dockerfile -t $tag $*"
  if ! podman build --format docker --network host --layers \
    -v "$RESHIP_CONTAINER_CACHE/ccache:/var/cache/ccache" \
    -f "$RESHIP_SOURCE_DIR/docker/Dockerfile" -t "$tag" "$@" "$RESHIP_SOURCE_DIR" >"$log" 2>&1; then
    tail -40 "$log" >&2
    fail "podman build failed (its last lines above)"
  fi
  say "built $tag in $(($(date +%s) - t0))s"
}

# The build cache of earlier runs (layers with the Dockerfile's labels, no
# tag) goes after a week, so that a CI machine's disk does not fill up.
prune_old_build_cache() {
  local title
  for title in "reship build stage" "reship"; do
    podman image prune -f --filter "label=org.opencontainers.image.title=$title" --filter until=168h >/dev/null 2>&1 || true
  done
}
