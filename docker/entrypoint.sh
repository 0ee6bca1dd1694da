#!/bin/sh
# The container's entrypoint: checks the config, then replaces itself with
# reship-supervisor, so that the supervisor is PID 1: it gets `docker stop`'s
# SIGTERM, stops every service gracefully, and reaps every orphan.
#
#   entrypoint.sh [SUPERVISOR_FLAGS...]   run the supervisor (e.g. --log-format json)
#   entrypoint.sh COMMAND [ARGS...]       run COMMAND instead (e.g. sh, for a look inside)
#
# Environment (every path can be moved, so the script also runs outside Docker):
#   RESHIP_CONFIG      the config file            (default /etc/reship/reship.toml)
#   RESHIP_SUPERVISOR  the reship-supervisor binary (default: found in PATH)
#   RESHIP_BACK        the reship-back binary       (default: found in PATH; the
#                      check is skipped when there is none)
#
# Exit codes: those of reship-supervisor (0 after SIGTERM, 75 when a restart
# included "edge", for the restart policy to start it afresh), or 2 when the
# config is missing or invalid (its problems are printed as PATH:LINE: message).
set -eu

config="${RESHIP_CONFIG:-/etc/reship/reship.toml}"
supervisor="${RESHIP_SUPERVISOR:-reship-supervisor}"
back="${RESHIP_BACK:-reship-back}"

# Anything that is not a flag is a command to run instead of the supervisor.
case "${1-}" in
  '' | -*) ;;
  *) exec "$@" ;;
esac

say() { printf 'reship entrypoint: %s\n' "$*" >&2; }

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

exec "$supervisor" --config "$config" "$@"
