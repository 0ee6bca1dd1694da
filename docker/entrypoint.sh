#!/bin/sh
# The container's entrypoint: checks the config and the state directory, then
# replaces itself with reship-supervisor, so that the supervisor is PID 1: it
# gets `docker stop`'s SIGTERM, stops every service gracefully, and reaps
# every orphan.
#
#   entrypoint.sh [SUPERVISOR_FLAGS...]   run the supervisor (e.g. --log-format json,
#                                         or --config PATH for another config)
#   entrypoint.sh COMMAND [ARGS...]       run COMMAND instead (e.g. sh, for a look inside)
#
# Environment (every path can be moved, so the script also runs outside Docker):
#   RESHIP_CONFIG      the config file            (default /etc/reship/reship.toml;
#                      a --config flag wins)
#   RESHIP_STATE_DIR   reship-back's state_dir, checked for write access
#                      (default /var/lib/reship)
#   RESHIP_USER        who runs the supervisor when the container starts as
#                      root (default reship, when there is such a user, else
#                      root; root for services with `user =`)
#   RESHIP_SUPERVISOR  the reship-supervisor binary (default: found in PATH)
#   RESHIP_BACK        the reship-back binary       (default: found in PATH; the
#                      check is skipped when there is none)
#
# Started as root (docker run --user root) with RESHIP_USER other than root,
# it gives the state directory to that user, as official images do with
# their data directories, and drops to it before the supervisor starts.
#
# Exit codes: those of reship-supervisor (0 after SIGTERM, 75 when a restart
# included "edge", for the restart policy to start it afresh), or 2 when the
# config is missing or invalid (its problems are printed as PATH:LINE:
# message) or the state directory cannot be written.
set -eu

config="${RESHIP_CONFIG:-/etc/reship/reship.toml}"
state_dir="${RESHIP_STATE_DIR:-/var/lib/reship}"
run_as="${RESHIP_USER-}"
supervisor="${RESHIP_SUPERVISOR:-reship-supervisor}"
back="${RESHIP_BACK:-reship-back}"

# Anything that is not a flag is a command to run instead of the supervisor.
case "${1-}" in
  '' | -*) ;;
  *) exec "$@" ;;
esac

say() { printf 'reship entrypoint: %s\n' "$*" >&2; }

# A --config among the flags names the config; otherwise the entrypoint adds
# its own (the supervisor takes the flag once).
given=""
previous=""
for arg in "$@"; do
  case "$previous" in
    -c | --config) config="$arg" given=1 ;;
  esac
  case "$arg" in
    --config=*) config="${arg#--config=}" given=1 ;;
  esac
  previous="$arg"
done
if [ -z "$given" ]; then
  set -- --config "$config" "$@"
fi

# Files the services create are not for every user of the host (a bind
# mount) or of the container: as systemd's UMask=0027 in the units.
umask 027

if [ ! -r "$config" ]; then
  say "cannot read the config $config: mount one there, or set RESHIP_CONFIG to its path"
  exit 2
fi
if ! command -v "$supervisor" >/dev/null 2>&1; then
  say "cannot find $supervisor: put it in PATH, or set RESHIP_SUPERVISOR to its path"
  exit 2
fi

# The services started by the supervisor (reship-back among them) read the
# same file.
RESHIP_CONFIG="$config"
export RESHIP_CONFIG

# Validate before starting anything: a broken config then shows every problem
# once, instead of a supervisor that exits at once under the restart policy.
# reship-back's check adds the rule on open listeners (no [[tokens]] means
# loopback only), which otherwise would only show as a crash-looping service.
status=0
"$supervisor" --check --config "$config" >/dev/null || status=$?
if [ "$status" -eq 0 ] && command -v "$back" >/dev/null 2>&1; then
  "$back" --check --config "$config" >/dev/null || status=$?
fi
if [ "$status" -ne 0 ]; then
  say "$config is not valid (problems above); fix it and start again"
  exit 2
fi

if [ -z "$run_as" ]; then
  run_as=root
  if id reship >/dev/null 2>&1; then run_as=reship; fi
fi

# Root, asked to run as someone else: hand them the state directory (a bind
# mount from the host is often owned by another uid), then drop to them.
drop=""
if [ "$(id -u)" -eq 0 ] && [ "$run_as" != root ] && [ "$run_as" != 0 ]; then
  if ! id "$run_as" >/dev/null 2>&1; then
    say "RESHIP_USER=$run_as: no such user in this image"
    exit 2
  fi
  if [ -d "$state_dir" ] && [ -n "$(find "$state_dir" ! -user "$run_as" -print -quit)" ]; then
    say "giving $state_dir to $run_as ($(id -u "$run_as"):$(id -g "$run_as"))"
    find "$state_dir" ! -user "$run_as" -exec chown "$run_as:$(id -gn "$run_as")" {} +
  fi
  HOME=$(getent passwd "$run_as" | cut -d: -f6)
  export HOME
  drop="setpriv --reuid=$run_as --regid=$(id -g "$run_as") --init-groups --"
fi

# reship-back cannot open its lock or database in a directory it cannot
# write, and would only crash-loop as a service: say what to do instead.
if [ -d "$state_dir" ]; then
  writable=0
  if [ -n "$drop" ]; then
    $drop test -w "$state_dir" -a -x "$state_dir" && writable=1
  elif [ -w "$state_dir" ] && [ -x "$state_dir" ]; then
    writable=1
  fi
  if [ "$writable" -eq 0 ]; then
    owner=$(stat -c %u:%g "$state_dir")
    if [ -n "$drop" ]; then
      say "$state_dir (owner $owner) is not writable by $run_as even after handing it over:" \
        "is it mounted read-only?"
    else
      who="$(id -u):$(id -g)"
      say "$state_dir (owner $owner) is not writable by uid $who, which runs reship-back:" \
        "chown -R $who the directory mounted there, or start the container once as root" \
        "(docker run --user root ...), which hands it to $run_as and then runs as $run_as"
    fi
    exit 2
  fi
fi

# shellcheck disable=SC2086 # $drop is a command and its arguments, or nothing
exec $drop "$supervisor" "$@"
