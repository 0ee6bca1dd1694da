#!/usr/bin/env bash
# systemd/ for real: a Debian 12 container with systemd 252 as PID 1
# (podman run --systemd=always), reship installed in it by the very commands
# of systemd/README.md (its ```sh blocks, in order), from the repository and
# the binaries of this build mounted at /src. Checks, in order:
#
#   arrangement A (reship-back one of the supervisor's services):
#   - `systemctl enable --now` returns once every service is ready
#     (Type=notify), STATUS= "all services ready"; `reship ps` in a plain root
#     shell finds /etc/reship/reship.toml by itself
#   - while a service is not ready, the unit stays activating and STATUS=
#     says which one and why
#   - `reship restart edge`: exit 75, Restart= starts it again (NRestarts up,
#     a new MainPID, every service back), the unit never failed
#   - a deploy of scope `all` over HTTP: 200 with selfRestart "pending", the
#     bounce, then selfRestart "done"
#   - a dozen bounces in a row, more than any start limit would allow
#   - `systemctl stop`: exit 0, quick, nothing of the unit left running
#   arrangement B (reship-back.service beside the supervisor's unit):
#   - both units active, a platform deploy, a deploy of `all` that bounces
#     the supervisor while reship-back keeps running and completes its record
#   - reship-back outlives `systemctl stop reship-supervisor`
#
# Needs the default build's binaries (RESHIP_BUILD_DIR, default build/default).
# Exit 0 passed, 1 failed, 77 skipped (no engine can run here: said loudly).
set -euo pipefail
test_name="container-systemd"
# shellcheck source=tests/container/lib.sh
. "$(dirname "$0")/lib.sh"

build_dir="${RESHIP_BUILD_DIR:-$RESHIP_SOURCE_DIR/build/default}"
for binary in supervisor/reship-supervisor back/reship-back cli/reship; do
  [ -x "$build_dir/$binary" ] ||
    fail "$build_dir/$binary is missing: build it first (cmake --build --preset default), or set RESHIP_BUILD_DIR"
done
token="systemd-test-$RANDOM$RANDOM$RANDOM"
token_hash=$(printf %s "$token" | sha256sum | cut -d' ' -f1)

setup_engine
"$(dirname "$0")/base-images.sh"
check_engine_runs docker.io/library/debian:bookworm-slim
prune_old_build_cache

base="localhost/$(unique_name runtime-base):latest"
host_image="localhost/$(unique_name systemd-host):latest"
cleanup_later "podman rmi -f '$host_image' '$base'"
work=""
new_temp_dir work
build_image "$base" --target runtime-base
say "podman build -f tests/container/systemd.Containerfile -t $host_image"
podman build --network host --layers --build-arg "BASE=$base" -f "$RESHIP_SOURCE_DIR/tests/container/systemd.Containerfile" \
  -t "$host_image" "$RESHIP_SOURCE_DIR/tests/container" >"$work/host-build.log" 2>&1 ||
  { tail -30 "$work/host-build.log" >&2; fail "the systemd host image did not build"; }

container=$(unique_name systemd)
cleanup_later "podman rm -f -v -t 0 '$container'"
on_failure() {
  echo "--- journal of the reship units (last 80 lines) ---" >&2
  podman exec "$container" journalctl --no-pager -u reship-supervisor -u reship-back 2>&1 | tail -80 >&2 || true
}
podman run -d --name "$container" --systemd=always --network none \
  -v "$RESHIP_SOURCE_DIR:/src:ro" -v "$build_dir:/src/build/default:ro" "$host_image" >/dev/null

# ---- helpers ------------------------------------------------------------------------
in_root_shell() { podman exec -i -w / "$container" bash -euo pipefail "$@"; }
prop() { podman exec "$container" systemctl show -p "$2" --value "$1"; }
system_up() { case "$(podman exec "$container" systemctl is-system-running 2>/dev/null)" in running | degraded) ;; *) return 1 ;; esac; }
is_active() { [ "$(prop "$1" ActiveState)" = active ]; }
reship_ps() { podman exec -w / "$container" reship ps --json; }
# Every service of the supervisor's config runs (however many the example
# platform has).
all_running() { reship_ps 2>/dev/null | jq -e '(.services | length) > 0 and all(.services[]; .state == "running")' >/dev/null; }
api() {  # api METHOD PATH [BODY] [CURL FLAGS...], from the host inside the container's network
  local path=$2 args=(-s -m 60 -H "Authorization: Bearer $token" -X "$1")
  shift 2
  if [ $# -gt 0 ] && [ "${1:0:1}" != - ]; then
    args+=(-H 'Content-Type: application/json' -d "$1")
    shift
  fi
  in_netns "$container" curl "${args[@]}" "$@" "http://127.0.0.1:7070$path"
}
# Processes of the example platform or of reship still alive in the container
# (by their executable, so that the search does not find itself).
leftovers() {
  podman exec "$container" sh -c 'for p in /proc/[0-9]*; do
    case "$(readlink "$p/exe" 2>/dev/null)" in /usr/local/bin/reship*|/srv/platform/build/bin/*) echo "${p#/proc/}";; esac; done'
}
# bounced UNIT NRESTARTS MAINPID: restarted by systemd since then, active again.
bounced() {
  [ "$(prop "$1" NRestarts)" -gt "$2" ] && is_active "$1" && [ "$(prop "$1" MainPID)" != "$3" ]
}
self_done() { [ "$(api GET "/api/v1/deploys/$1" | jq -r .selfRestart)" = "done" ]; }

wait_for 60 "systemd up in the container" system_up
say "systemd in the container: $(podman exec "$container" systemctl --version | head -1)"

# ---- install as systemd/README.md says ---------------------------------------------
awk -v dir="$work" '/^```sh$/ { n++; inside = 1; next } /^```$/ { inside = 0; next }
  inside { print > (dir "/readme-" n ".sh") }' "$RESHIP_SOURCE_DIR/systemd/README.md"
for n in 1 2 3; do
  [ -s "$work/readme-$n.sh" ] || fail "systemd/README.md has no ${n}th sh block (install, start, arrangement B)"
done
grep -q '^install -m 0755 build/default' "$work/readme-1.sh" || fail "systemd/README.md's first block is not the install"
podman exec -i -w /src "$container" bash -euo pipefail <"$work/readme-1.sh" || fail "the README's install block failed"
# The example platform, as the README says, without what a local run left.
in_root_shell -c 'cp -r /src/examples/platform /srv/platform
  rm -rf /srv/platform/build /srv/platform/run /srv/platform/state
  chown -R reship: /srv/platform
  setpriv --reuid=reship --regid=reship --init-groups /srv/platform/build.sh all >/dev/null'
# An unrestricted token of the test's own, for the deploys of scope all.
in_root_shell -c "printf '\n[[tokens]]\nname = \"systemd-test\"\nsha256 = \"$token_hash\"\nscopes = [\"platform\", \"all\"]\nunrestricted = true\n' >> /etc/reship/reship.toml"
t0=$(date +%s%N)
podman exec -i -w /src "$container" bash -euo pipefail <"$work/readme-2.sh" || fail "the README's start block failed"
took=$((($(date +%s%N) - t0) / 1000000))
# enable --now returned: the unit must be active with every service ready.
is_active reship-supervisor || fail "enable --now returned with reship-supervisor $(prop reship-supervisor ActiveState)"
all_running || fail "enable --now returned before every service was ready: $(reship_ps)"
[ "$(prop reship-supervisor StatusText)" = "all services ready" ] ||
  fail "STATUS= is '$(prop reship-supervisor StatusText)', not 'all services ready'"
say "installed as the README says; enable --now returned in ${took} ms with every service ready (Type=notify)"
podman exec -w / "$container" reship ps | sed 's/^/    /'

# ---- STATUS= while activating ------------------------------------------------------
in_root_shell -c 'sed -i "s|ready = \"http://127.0.0.1:7082/healthz\"|ready = \"tcp://127.0.0.1:7099\"|" /etc/reship/reship.toml'
podman exec "$container" systemctl restart --no-block reship-supervisor
waiting_status() {
  [ "$(prop reship-supervisor ActiveState)" = activating ] &&
    [[ "$(prop reship-supervisor StatusText)" == "waiting for platform-back: not ready (tcp 127.0.0.1:7099)"* ]]
}
wait_for 20 "the unit activating, its STATUS= naming platform-back" waiting_status
say "activating: STATUS=$(prop reship-supervisor StatusText)"
in_root_shell -c 'sed -i "s|ready = \"tcp://127.0.0.1:7099\"|ready = \"http://127.0.0.1:7082/healthz\"|" /etc/reship/reship.toml'
podman exec "$container" systemctl restart reship-supervisor
if ! is_active reship-supervisor || ! all_running; then fail "not back to active after the config was restored"; fi

# ---- the edge bounce ---------------------------------------------------------------
n=$(prop reship-supervisor NRestarts)
pid=$(prop reship-supervisor MainPID)
podman exec -w / "$container" reship restart edge >"$work/restart-edge.out" 2>&1 ||
  fail "reship restart edge failed: $(cat "$work/restart-edge.out")"
wait_for 30 "reship-supervisor started again by Restart= after exit 75" bounced reship-supervisor "$n" "$pid"
wait_for 30 "every service back after the bounce" all_running
[ "$(prop reship-supervisor Result)" = success ] || fail "the unit's Result is $(prop reship-supervisor Result)"
# journald takes the old supervisor's last lines a moment after it is gone.
journal_has() { grep -q "$1" <<<"$(podman exec "$container" journalctl --no-pager -u reship-supervisor)"; }
wait_for 10 "the journal shows the exit with code 75" journal_has "exiting with code 75"
say "reship restart edge: exit 75, NRestarts $n -> $(prop reship-supervisor NRestarts), MainPID $pid -> $(prop reship-supervisor MainPID), every service back"

n=$(prop reship-supervisor NRestarts)
pid=$(prop reship-supervisor MainPID)
code=$(api POST /api/v1/self/deploy '{"scope":"all","reason":"systemd test"}' -o "$work/all.json" -w '%{http_code}' || true)
answer=$(cat "$work/all.json" 2>/dev/null || true)
[ "$code" = 200 ] || fail "the deploy of scope all was answered $code: $answer"
[ "$(jq -r .selfRestart <<<"$answer")" = pending ] || fail "selfRestart is not pending in the answer: $answer"
deploy=$(jq -r .deployId <<<"$answer")
wait_for 30 "reship-supervisor restarted after the deploy of all" bounced reship-supervisor "$n" "$pid"
wait_for 30 "every service back after the deploy of all" all_running
wait_for 30 "deploy $deploy recorded as selfRestart done" self_done "$deploy"
say "deploy of all $deploy: answered 200 (pending), bounced (NRestarts $(prop reship-supervisor NRestarts)), selfRestart done"

# A busy agent: a dozen bounces back to back, more starts than any
# StartLimitBurst= of a minute that a crash loop could not also reach.
t0=$(date +%s)
for i in $(seq 12); do
  n=$(prop reship-supervisor NRestarts)
  pid=$(prop reship-supervisor MainPID)
  podman exec -w / "$container" reship restart edge >/dev/null 2>&1 || fail "bounce $i: reship restart edge failed"
  wait_for 30 "bounce $i: reship-supervisor back (unit $(prop reship-supervisor ActiveState))" bounced reship-supervisor "$n" "$pid"
  wait_for 30 "bounce $i: every service back" all_running
done
[ "$(prop reship-supervisor Result)" = success ] || fail "after 12 bounces the unit's Result is $(prop reship-supervisor Result)"
say "12 bounces in $(($(date +%s) - t0)) s: the unit still active, NRestarts $(prop reship-supervisor NRestarts)"

# systemctl stop: SIGTERM to the supervisor, each service stopped, exit 0.
t0=$(date +%s%N)
podman exec "$container" systemctl stop reship-supervisor
took=$((($(date +%s%N) - t0) / 1000000))
[ "$(prop reship-supervisor ActiveState)" = inactive ] || fail "after stop the unit is $(prop reship-supervisor ActiveState)"
[ "$(prop reship-supervisor Result)" = success ] || fail "stop: the unit's Result is $(prop reship-supervisor Result)"
[ "$(prop reship-supervisor ExecMainStatus)" = 0 ] || fail "stop: the supervisor exited $(prop reship-supervisor ExecMainStatus)"
[ "$took" -lt 10000 ] || fail "systemctl stop took ${took} ms (TimeoutStopSec=30s, stop_timeout 5s)"
left=$(leftovers)
[ -z "$left" ] || fail "processes left after systemctl stop: $left"
say "systemctl stop: exit 0 in ${took} ms, nothing left running"

# ---- arrangement B: reship-back.service ----------------------------------------------
# What the README says to change in the config, done to the installed one.
cat >"$work/to-b.sh" <<'EOF'
awk '
  /^\[/ { skip = ($0 == "[services.reship-back]") }
  skip { next }
  /^service = / { print "service = \"\""; next }
  /^(platform|all) = \[/ { gsub(/, "reship-back"/, ""); gsub(/"reship-back", /, "") }
  { print }' /etc/reship/reship.toml >/tmp/b.toml
cat /tmp/b.toml >/etc/reship/reship.toml && rm /tmp/b.toml
EOF
in_root_shell <"$work/to-b.sh"
podman exec -i -w /src "$container" bash -euo pipefail <"$work/readme-3.sh" || fail "the README's arrangement B block failed"
is_active reship-supervisor || fail "B: reship-supervisor is $(prop reship-supervisor ActiveState)"
is_active reship-back || fail "B: reship-back is $(prop reship-back ActiveState)"
wait_for 30 "B: both platform services running" all_running
back_pid=$(prop reship-back MainPID)
say "arrangement B: both units active, reship-back pid $back_pid"

answer=$(api POST /api/v1/self/deploy '{"scope":"platform","reason":"systemd test, B"}')
[ "$(jq -r .status <<<"$answer")" = succeeded ] || fail "B: the platform deploy did not succeed: $answer"
say "B: platform deploy succeeded"

n=$(prop reship-supervisor NRestarts)
pid=$(prop reship-supervisor MainPID)
code=$(api POST /api/v1/self/deploy '{"scope":"all","reason":"systemd test, B: the bounce"}' -o "$work/b-all.json" -w '%{http_code}' || true)
answer=$(cat "$work/b-all.json" 2>/dev/null || true)
[ "$code" = 200 ] || fail "B: the deploy of scope all was answered $code: $answer"
deploy=$(jq -r .deployId <<<"$answer")
wait_for 30 "B: reship-supervisor restarted after the deploy of all" bounced reship-supervisor "$n" "$pid"
wait_for 30 "B: both platform services back" all_running
[ "$(prop reship-back MainPID)" = "$back_pid" ] || fail "B: reship-back was restarted by the bounce"
wait_for 30 "B: deploy $deploy recorded as selfRestart done by the same reship-back (answer: $answer)" self_done "$deploy"
say "B: deploy of all $deploy: answered 200, supervisor bounced, reship-back kept running, selfRestart done"

podman exec "$container" systemctl stop reship-supervisor
is_active reship-back || fail "B: reship-back stopped with the supervisor"
[ "$(api GET /healthz -o /dev/null -w '%{http_code}')" = 200 ] || fail "B: /healthz does not answer without the supervisor"
[ "$(api GET /api/v1/services -o /dev/null -w '%{http_code}')" = 503 ] ||
  fail "B: /api/v1/services should say 503 without the supervisor"
podman exec "$container" systemctl stop reship-back
[ "$(prop reship-back Result)" = success ] || fail "B: reship-back's Result after stop is $(prop reship-back Result)"
say "B: reship-back outlives the supervisor's stop (healthz 200, services 503), then stops cleanly"
say "passed"
