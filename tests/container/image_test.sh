#!/usr/bin/env bash
# docker/Dockerfile built and run for real, with rootful podman: the image a
# user builds (reship compiled in its build stage), run as a user runs it,
# with a restart policy and a named volume. Checks, in order:
#
#   - the image: under 150 MB (its size is printed), no build tools, stripped
#     binaries, no apt lists or caches, the HEALTHCHECK kept, the example
#     platform without the leftovers of a local run; the debug target
#     carries the symbols
#   - a bind-mounted state directory it cannot write: exit 2 and what to do;
#     started as root, it hands it to uid 10001 and runs as that user
#   - PID 1 is reship-supervisor; `reship ps` lists every service running
#   - the healthcheck: healthy, unhealthy while reship-back is frozen
#   - a platform deploy: 200, the new version served
#   - an orphan is reaped by PID 1
#   - a deploy of scope `all` (the edge bounce): answered 200 with
#     selfRestart "pending", the container restarts (RestartCount up), every
#     service comes back, the record says selfRestart "done", no zombie
#   - `podman stop`: exit 0, well within the stop timeout
#   - a new container on the same volume keeps the deploy history
#
# Exit 0 passed, 1 failed, 77 skipped (no engine can run here: said loudly).
# Runs as root. See tests/container/README.md.
set -euo pipefail
test_name="container-image"
# shellcheck source=tests/container/lib.sh
. "$(dirname "$0")/lib.sh"

token=reship-demo-token  # docker/reship.toml's demo token, on the container's loopback
setup_engine
"$(dirname "$0")/base-images.sh"
check_engine_runs docker.io/library/debian:bookworm-slim
prune_old_build_cache

image="localhost/$(unique_name image):latest"
debug_image="localhost/$(unique_name image):debug"
cleanup_later "podman rmi -f '$image' '$debug_image'"
work=""
new_temp_dir work
container=""
on_failure() {
  [ -n "$container" ] || return 0
  echo "--- podman logs $container (last 60 lines) ---" >&2
  podman logs --tail 60 "$container" >&2 2>&1 || true
  podman inspect --format 'state {{.State.Status}} exit {{.State.ExitCode}} restarts {{.RestartCount}}' \
    "$container" >&2 || true
}

# ---- the image ---------------------------------------------------------------
build_image "$image"
build_image "$debug_image" --target debug

size=$(podman image inspect --format '{{.Size}}' "$image")
say "image size: $(awk -v s="$size" 'BEGIN { printf "%.1f MB", s / 1e6 }') ($size bytes; limit 150 MB)"
[ "$size" -lt 150000000 ] || fail "the runtime image is $size bytes, over 150 MB"
say "debug image size: $(awk -v s="$(podman image inspect --format '{{.Size}}' "$debug_image")" 'BEGIN { printf "%.1f MB", s / 1e6 }')"
[ -n "$(podman image inspect --format '{{.Config.Healthcheck}}' "$image" | tr -d '<>nil{} ')" ] ||
  fail "the image has no HEALTHCHECK (built without --format docker?)"

look=$(podman run --rm --network none --entrypoint sh "$image" -c '
  for t in g++ c++ cmake make ld.gold clang; do command -v "$t" && echo "build tool: $t"; done
  ls -A /var/lib/apt/lists /var/cache/apt | grep -v -e "^/" -e "^$" | sed "s/^/apt leftover: /"
  ls -A /srv/platform | tr "\n" " "; echo
  for f in /usr/local/bin/reship-supervisor /usr/local/bin/reship-back /usr/local/bin/reship; do
    cat "$f" > /dev/null || echo "missing: $f"
  done' 2>&1)
say "the image's /srv/platform: $(tail -1 <<<"$look")"
if grep -e "^build tool:" -e "^apt leftover:" -e "^missing:" <<<"$look"; then
  fail "the runtime image carries what it should not (above)"
fi
for leftover in run state; do
  grep -qw "$leftover" <<<"$(tail -1 <<<"$look")" && fail "/srv/platform/$leftover came into the image"
done
# Stripped: no DWARF in the shipped binaries; the debug image has it.
probe=$(unique_name probe)
cleanup_later "podman rm -f -v '$probe'"
podman create --name "$probe" "$debug_image" >/dev/null
for binary in reship-supervisor reship-back reship; do
  podman cp "$probe:/usr/local/bin/$binary" "$work/$binary"
  podman cp "$probe:/usr/lib/debug/usr/local/bin/$binary.debug" "$work/$binary.debug"
  grep -q '\.debug_info' <<<"$(readelf -S "$work/$binary" 2>/dev/null)" && fail "$binary is not stripped"
  grep -q '\.debug_info' <<<"$(readelf -S "$work/$binary.debug" 2>/dev/null)" || fail "$binary.debug has no debug info"
  grep -q "$binary.debug" <<<"$(readelf --string-dump=.gnu_debuglink "$work/$binary")" ||
    fail "$binary has no debuglink to $binary.debug"
done
podman rm -f -v "$probe" >/dev/null
say "binaries stripped, debug symbols in the debug target, no build tools or apt caches"

# ---- helpers on a running container -------------------------------------------
# api METHOD PATH [BODY] [CURL FLAGS...]: reship-back's API from inside the
# container's network, by a curl of the host's that outlives a bounce.
api() {
  local path=$2 args=(-s -m 60 -H "Authorization: Bearer $token" -X "$1")
  shift 2
  if [ $# -gt 0 ] && [ "${1:0:1}" != - ]; then
    args+=(-H 'Content-Type: application/json' -d "$1")
    shift
  fi
  in_netns "$container" curl "${args[@]}" "$@" "http://127.0.0.1:7070$path"
}
ps_json() { podman exec "$container" reship ps --json; }
all_running() { ps_json 2>/dev/null | jq -e '(.services | length) > 0 and all(.services[]; .state == "running")' >/dev/null; }
restarts() { podman inspect --format '{{.RestartCount}}' "$container"; }
service_pid() { ps_json | jq -r --arg n "$1" '.services[] | select(.name == $n) | .pid'; }
zombies() {
  podman exec "$container" sh -c 'for s in /proc/[0-9]*/stat; do read -r l < "$s" 2>/dev/null || continue;
    case "${l##*) }" in Z*) echo "${s%/stat}: $l";; esac; done'
}
run_container() {  # run_container NAME [RUN FLAGS...]
  container=$1
  shift
  cleanup_later "podman rm -f -v -t 0 '$container'"
  podman run -d --name "$container" --network none "$@" "$image" >/dev/null
  wait_for 60 "every service of $container running" all_running
}

# ---- a state directory it cannot write --------------------------------------------
bind="$work/state"
mkdir -m 0755 "$bind"
chown 1234:1234 "$bind"
container=$(unique_name nowrite)
cleanup_later "podman rm -f -v -t 0 '$container'"
rc=0
podman run --name "$container" --network none -v "$bind:/var/lib/reship" "$image" >"$work/nowrite.log" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "a state directory owned by 1234 should stop the container with exit 2, not $rc"
grep -q "/var/lib/reship (owner 1234:1234) is not writable by uid 10001:10001" "$work/nowrite.log" ||
  fail "no message saying what to do: $(cat "$work/nowrite.log")"
say "state dir owned by 1234: exit 2, '$(grep -o 'chown -R [^ ]* the directory mounted there' "$work/nowrite.log")'"
podman rm -f -v "$container" >/dev/null
run_container "$(unique_name asroot)" --user root -v "$bind:/var/lib/reship"
[ "$(stat -c %u "$bind")" = 10001 ] || fail "started as root, the state dir was not handed to uid 10001"
[ "$(podman exec "$container" stat -c %u "/proc/$(service_pid reship-back)")" = 10001 ] ||
  fail "started as root, reship-back does not run as uid 10001"
[ "$(podman exec "$container" stat -c %u /proc/1)" = 10001 ] || fail "started as root, PID 1 did not drop to uid 10001"
podman rm -f -v -t 10 "$container" >/dev/null
say "started as root: the state dir handed to 10001, every process runs as 10001"

# ---- the container with its restart policy ------------------------------------------
volume=$(unique_name state)
podman volume create "$volume" >/dev/null
cleanup_later "podman volume rm -f '$volume'"
# The image's healthcheck with a start period of 1 s instead of 30 s:
# podman ignores every failure within it, even after a success (Docker
# counts them from the first success), and podman 4.3 applies a new start
# period only with the whole healthcheck given again. The deploys below take
# longer than that second.
hc() { podman image inspect --format "{{.Config.Healthcheck.$1}}" "$image"; }
hc_cmd=$(podman image inspect --format '{{range $i, $a := .Config.Healthcheck.Test}}{{if $i}}{{$a}} {{end}}{{end}}' "$image")
hc_flags=(--health-cmd "${hc_cmd% }" --health-retries "$(hc Retries)"
  --health-timeout "$(hc Timeout)" --health-start-period 1s)
run_container "$(unique_name platform)" --restart unless-stopped -v "$volume:/var/lib/reship" "${hc_flags[@]}"

pid1=$(podman exec "$container" cat /proc/1/cmdline | tr '\0' ' ')
case "$pid1" in
  reship-supervisor\ *) say "PID 1: $pid1" ;;
  *) fail "PID 1 is not reship-supervisor: $pid1" ;;
esac
podman exec "$container" reship ps | sed 's/^/    /'

# A platform deploy: the new version is built inside the container and served.
podman exec "$container" sh -c 'echo 2 > /srv/platform/src/VERSION'
answer=$(api POST /api/v1/self/deploy '{"scope":"platform","reason":"container test"}')
[ "$(jq -r .status <<<"$answer")" = succeeded ] || fail "the platform deploy did not succeed: $answer"
platform_deploy=$(jq -r .deployId <<<"$answer")
grep -q "version 2" <<<"$(in_netns "$container" curl -s -m 10 http://127.0.0.1:7081/)" || fail "version 2 is not served"
say "platform deploy $platform_deploy: succeeded in $(jq -r .durationMs <<<"$answer") ms, version 2 served"

# An orphan: its parent exits at once, PID 1 adopts it and must reap it
# once it exits (a zombie would stay in /proc).
orphan=$(podman exec "$container" sh -c 'sleep 2 & echo $!')
adopted() { podman exec "$container" grep -qx 'PPid:[[:space:]]*1' "/proc/$orphan/status"; }
wait_for 5 "orphan $orphan adopted by PID 1" adopted
orphan_gone() { ! podman exec "$container" test -e "/proc/$orphan"; }
wait_for 10 "orphan $orphan reaped by PID 1" orphan_gone
say "orphan $orphan: adopted by PID 1, reaped after its exit"

# The healthcheck, run as the engine runs it (podman's timer needs systemd).
podman healthcheck run "$container" >/dev/null 2>&1 || fail "the healthcheck says unhealthy with everything up"
[ "$(podman inspect --format '{{.State.Health.Status}}' "$container")" = healthy ] || fail "not healthy"
back_pid=$(service_pid reship-back)
podman exec "$container" sh -c "kill -STOP $back_pid"
for _ in $(seq "$(hc Retries)"); do
  if podman healthcheck run "$container" >/dev/null 2>&1; then
    podman exec "$container" sh -c "kill -CONT $back_pid"
    fail "the healthcheck says healthy while reship-back is frozen"
  fi
done
health=$(podman inspect --format '{{.State.Health.Status}}' "$container")
podman exec "$container" sh -c "kill -CONT $back_pid"
[ "$health" = unhealthy ] || fail "$(hc Retries) failed checks left the status '$health', not unhealthy"
podman healthcheck run "$container" >/dev/null 2>&1 || fail "not healthy again once reship-back is thawed"
say "healthcheck: healthy, unhealthy while reship-back is frozen, healthy again"

# The edge bounce: scope all with the unrestricted token.
before=$(restarts)
code=$(api POST /api/v1/self/deploy '{"scope":"all","reason":"container test: the edge bounce"}' \
  -o "$work/all.json" -w '%{http_code}' || true)
answer=$(cat "$work/all.json" 2>/dev/null || true)
[ "$code" = 200 ] || fail "the deploy of scope all was answered $code: $answer"
[ "$(jq -r .selfRestart <<<"$answer")" = pending ] || fail "selfRestart is not pending in the answer: $answer"
jq -e '.targets | index("edge")' <<<"$answer" >/dev/null || fail "edge is not among the targets: $answer"
all_deploy=$(jq -r .deployId <<<"$answer")
restarted() { [ "$(restarts)" -gt "$before" ] && [ "$(podman inspect --format '{{.State.Status}}' "$container")" = running ]; }
wait_for 30 "the container restarted by its policy (RestartCount above $before)" restarted
wait_for 60 "every service back after the bounce" all_running
self_done() { [ "$(api GET "/api/v1/deploys/$all_deploy" | jq -r .selfRestart)" = "done" ]; }
wait_for 30 "deploy $all_deploy recorded as selfRestart done" self_done
# Read the whole log before matching: grep -q stops at the first match, and under
# pipefail the SIGPIPE it leaves the writer with would fail the check.
grep -q "exiting with code 75" <<<"$(podman logs "$container" 2>&1)" || fail "the supervisor did not exit with code 75"
podman healthcheck run "$container" >/dev/null 2>&1 || fail "not healthy after the bounce"
z=$(zombies)
[ -z "$z" ] || fail "zombies in the container: $z"
say "edge bounce: answered 200 (selfRestart pending), exit 75, RestartCount $before -> $(restarts), every service back, selfRestart done, no zombie"

# podman stop: SIGTERM to PID 1, every service stopped gracefully, exit 0.
t0=$(date +%s%N)
podman stop -t 30 "$container" >/dev/null
took=$((($(date +%s%N) - t0) / 1000000))
[ "$(podman inspect --format '{{.State.ExitCode}}' "$container")" = 0 ] || fail "podman stop: exit code is not 0"
[ "$took" -lt 10000 ] || fail "podman stop took ${took} ms (stop timeout 30 s; the services stop in 5 s at most)"
[ "$(podman inspect --format '{{.State.Status}}' "$container")" = exited ] || fail "the policy restarted a stopped container"
say "podman stop: exit 0 in ${took} ms"

# A new container on the same volume: the history is still there.
podman rm -f -v "$container" >/dev/null
run_container "$(unique_name again)" -v "$volume:/var/lib/reship"
history=$(api GET "/api/v1/deploys?limit=10" | jq -r '.deploys[].deployId')
for id in "$platform_deploy" "$all_deploy"; do
  grep -qx "$id" <<<"$history" || fail "deploy $id is gone from the new container's history: $history"
done
podman stop -t 30 "$container" >/dev/null
say "a new container on volume $volume keeps deploys $platform_deploy and $all_deploy"
say "passed"
