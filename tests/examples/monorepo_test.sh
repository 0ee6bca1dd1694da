#!/usr/bin/env bash
# examples/monorepo deployed for real: a copy of it in a temp dir, on free
# ports, with the real reship-supervisor, reship-back and the pinned pnpm.
#
#   monorepo_test.sh SUPERVISOR_BIN BACK_BIN CLI_BIN SOURCE_DIR
#
# Checks that scope platform builds only its two packages and restarts its two
# services (new pids, new code served), that a syntax error fails the deploy
# with its file and line in diagnostics[0], and that a service crashing at
# start after a deploy is reported with its stack trace. Exits 77 (skipped)
# without node and npm or the pinned pnpm (scripts/test installs it).
set -euo pipefail

supervisor_bin="$1" back_bin="$2" cli_bin="$3" source_dir="$4"
example="$source_dir/examples/monorepo"

skip() { echo "SKIPPED: $*"; exit 77; }
fail() {
  echo "FAILED: $*" >&2
  # The temp dir goes with the test: what the supervisor saw, before it does.
  if [ -f "${tmp:-}/supervisor.log" ]; then echo "-- the supervisor's log, last lines:" >&2; tail -n 40 "$tmp/supervisor.log" >&2; fi
  exit 1
}
step() { echo "== $*"; }

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  skip "node and npm are not installed (scripts/install-deps --node)"
fi
[ -x "$example/tools/node_modules/.bin/pnpm" ] ||
  skip "the pinned pnpm is not installed: run npm ci in examples/monorepo/tools (scripts/test does)"

# A short path: the control socket's must fit in sun_path.
tmp="$(mktemp -d /tmp/rsm.XXXXXX)"
mono="$tmp/m"
socket="$mono/run/supervisor.sock"
supervisor_pid=""

# Every process the test's supervisor starts carries this in its environment.
started_here() {
  local env pids=()
  for env in /proc/[0-9]*/environ; do
    if grep -qxF "RESHIP_SUPERVISOR_SOCKET=$socket" <<<"$(tr '\0' '\n' 2>/dev/null <"$env")"; then
      pids+=("$(basename "$(dirname "$env")")")
    fi
  done
  echo "${pids[*]}"
}

cleanup() {
  if [ -n "$supervisor_pid" ] && kill -0 "$supervisor_pid" 2>/dev/null; then
    kill -TERM "$supervisor_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$supervisor_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$supervisor_pid" 2>/dev/null || true
  fi
  local left
  left="$(started_here)"
  # shellcheck disable=SC2086
  [ -z "$left" ] || kill -KILL $left 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# Waits up to $2 seconds for the command $1 to succeed.
wait_for() {
  local deadline=$((SECONDS + $2))
  until eval "$1" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

# Prints the JavaScript expression $1 of the JSON on stdin, bound as `r`.
jget() {
  node -e '
    let s = "";
    process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const v = new Function("r", "return (" + process.argv[1] + ")")(JSON.parse(s));
      console.log(typeof v === "string" ? v : JSON.stringify(v));
    });' "$1"
}

# Five ports nothing listens on; the kernel picks them.
free_ports() {
  node -e '
    const net = require("node:net");
    const servers = Array.from({ length: 5 }, () => net.createServer());
    Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", () => ok(s.address().port)))))
      .then((ports) => { console.log(ports.join(" ")); servers.forEach((s) => s.close()); });'
}

step "copying the example to $mono, on free ports"
mkdir -p "$mono"
tar -C "$example" --exclude=./node_modules --exclude='./packages/*/node_modules' --exclude='./packages/*/dist' \
  --exclude=./tools/node_modules --exclude=./run --exclude=./state -cf - . | tar -C "$mono" -xf -
mkdir -p "$mono/tools"
ln -s "$example/tools/node_modules" "$mono/tools/node_modules"
read -r back_port p1 p2 p3 p4 <<<"$(free_ports)"
sed -i -e "s/7170/$back_port/g" -e "s/7181/$p1/g" -e "s/7182/$p2/g" -e "s/7183/$p3/g" -e "s/7184/$p4/g" "$mono/reship.toml"
PATH="$(dirname "$back_bin"):$PATH"
export PATH
export RESHIP_CONFIG="$mono/reship.toml"
unset RESHIP_TOKEN
"$supervisor_bin" --check --config "$mono/reship.toml"

step "pnpm install (offline, from the committed lockfile) and a first build of everything"
(cd "$mono" && tools/node_modules/.bin/pnpm install --offline --frozen-lockfile && tools/node_modules/.bin/pnpm --offline -r build) >"$tmp/setup.log" 2>&1 ||
  { cat "$tmp/setup.log"; fail "the example's setup failed"; }

step "starting reship-supervisor"
mkdir -p "$mono/run"
(cd "$mono" && exec "$supervisor_bin" --config reship.toml >"$tmp/supervisor.log" 2>&1) &
supervisor_pid=$!
services=(platform-front platform-back core-front core-back reship-back)
all_running() {
  local ps
  ps="$("$cli_bin" ps --json)"
  [ "$(jget 'r.services.filter((s) => s.state === "running").length' <<<"$ps")" = "${#services[@]}" ]
}
wait_for all_running 30 || { cat "$tmp/supervisor.log"; fail "the services did not all come up"; }
# Each Node service took the socket the supervisor holds (LISTEN_FDS, fd 3);
# its line may reach the supervisor's log a moment after it is ready.
for s in platform-front platform-back core-front core-back; do
  wait_for "grep -qF '[$s] $s serving the socket its supervisor holds (fd 3)' <<<\"\$(cat $tmp/supervisor.log)\"" 10 ||
    fail "$s did not take its socket from the supervisor: $(cat "$tmp/supervisor.log")"
done

pid_of() { jget "r.services.find((s) => s.name === '$1').pid" <<<"$("$cli_bin" ps --json)"; }
pids() { local s; for s in "${services[@]}"; do echo "$s $(pid_of "$s")"; done; }
# What the platform scope must not touch: the other packages' dist/.
others=(protocol sdk core-ui back front edge)
untouched() { (cd "$mono/packages" && find "${others[@]/%//dist}" -printf '%p %i %T@ %s\n' | sort); }
deploy() {
  curl -sS --max-time 120 -o "$tmp/answer.json" -w '%{http_code}' -X POST \
    "http://127.0.0.1:$back_port/api/v1/self/deploy" -d "{\"scope\":\"$1\",\"reason\":\"$2\"}"
}
routes="$mono/packages/platform-back/src/routes.js"

step "scope platform: an edit to platform-back goes live"
before_pids="$(pids)"
before_dist="$(untouched)"
grep -q "version\":1" <<<"$(curl -sS "http://127.0.0.1:$p2/")" || fail "platform-back does not serve version 1"
sed -i 's/^const VERSION = 1;/const VERSION = 2;/' "$routes"
code="$(deploy platform "test: version 2")"
[ "$code" = 200 ] || { cat "$tmp/answer.json"; fail "the platform deploy answered $code"; }
[ "$(jget r.status <"$tmp/answer.json")" = succeeded ] || fail "the platform deploy did not succeed"
[ "$(jget 'r.restarts.map((x) => x.service).sort().join(" ")' <"$tmp/answer.json")" = "platform-back platform-front" ] ||
  fail "the deploy restarted $(jget r.restarts <"$tmp/answer.json")"
after_pids="$(pids)"
for s in platform-front platform-back; do
  [ "$(grep "^$s " <<<"$before_pids")" != "$(grep "^$s " <<<"$after_pids")" ] || fail "$s kept its pid"
done
for s in core-front core-back reship-back; do
  [ "$(grep "^$s " <<<"$before_pids")" = "$(grep "^$s " <<<"$after_pids")" ] || fail "$s was restarted by scope platform"
done
[ "$before_dist" = "$(untouched)" ] || fail "scope platform rebuilt packages outside its filter"
served="$(curl -sS "http://127.0.0.1:$p2/")"
[ "$(jget r.version <<<"$served")" = 2 ] || fail "platform-back serves $served, not version 2"
[ "$(jget r.pid <<<"$served")" = "$(pid_of platform-back)" ] || fail "platform-back answered from another process: $served"
echo "platform-back now serves $served"

step "a syntax error fails the deploy with its file and line"
cp "$routes" "$tmp/routes.good"
line=$(($(wc -l <"$routes") + 1))
echo "const limit = ;" >>"$routes"
code="$(deploy platform "test: a syntax error")"
[ "$code" = 500 ] || { cat "$tmp/answer.json"; fail "the broken deploy answered $code"; }
diagnostic="$(jget 'r.diagnostics[0]' <"$tmp/answer.json")"
if [ "$(jget r.file <<<"$diagnostic")" != packages/platform-back/src/routes.js ] ||
   [ "$(jget r.line <<<"$diagnostic")" != "$line" ]; then
  fail "diagnostics[0] is $diagnostic, not routes.js:$line"
fi
[ "$(jget 'r.restarts.length' <"$tmp/answer.json")" = 0 ] || fail "a failed build restarted services"
[ "$(pids)" = "$after_pids" ] || fail "a failed build changed the services' pids"
[ "$(jget r.version <<<"$(curl -sS "http://127.0.0.1:$p2/")")" = 2 ] || fail "platform-back stopped serving version 2"
echo "diagnostics[0]: $diagnostic"

step "a service crashing at start is reported with its stack trace"
cp "$tmp/routes.good" "$routes"
# Valid syntax, so the build passes; it throws when platform-back loads it.
sed -i 's/^const VERSION = 2;/const VERSION = 2;\nconst { limits } = {};\nconst maxBody = limits.maxBody;/' "$routes"
crash_line=$(grep -n '^const maxBody' "$routes" | cut -d: -f1)
code="$(deploy platform "test: a crash at start")"
[ "$code" = 500 ] || { cat "$tmp/answer.json"; fail "the crashing deploy answered $code"; }
restart="$(jget 'r.restarts.find((x) => x.service === "platform-back")' <"$tmp/answer.json")"
[ "$(jget r.ok <<<"$restart")" = false ] || fail "platform-back's restart did not fail: $restart"
output="$(jget r.output <<<"$restart")"
if ! grep -q "TypeError: Cannot read properties of undefined (reading 'maxBody')" <<<"$output" ||
   ! grep -q "packages/platform-back/dist/routes.js:$crash_line:" <<<"$output"; then
  fail "the restart's output has no stack trace: $output"
fi
diagnostic="$(jget 'r.diagnostics[0]' <"$tmp/answer.json")"
if [ "$(jget r.file <<<"$diagnostic")" != packages/platform-back/dist/routes.js ] ||
   [ "$(jget r.line <<<"$diagnostic")" != "$crash_line" ]; then
  fail "diagnostics[0] is $diagnostic, not dist/routes.js:$crash_line"
fi
echo "errorSummary: $(jget r.errorSummary <"$tmp/answer.json")"

step "the fix deployed: platform-back serves again"
cp "$tmp/routes.good" "$routes"
code="$(deploy platform "test: the fix")"
[ "$code" = 200 ] || { cat "$tmp/answer.json"; fail "the fixed deploy answered $code"; }
[ "$(jget r.version <<<"$(curl -sS "http://127.0.0.1:$p2/")")" = 2 ] || fail "platform-back does not serve after the fix"

step "stopping"
kill -TERM "$supervisor_pid"
wait_for "! kill -0 $supervisor_pid" 30 || fail "the supervisor did not stop on SIGTERM"
[ -z "$(started_here)" ] || fail "processes left behind: $(started_here)"
echo "passed"
