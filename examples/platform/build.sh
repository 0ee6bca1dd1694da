#!/usr/bin/env bash
# The example platform's build, run by reship-back in this folder:
#   ./build.sh platform   compiles the two platform services
#   ./build.sh shop       compiles the shop (the second application)
#   ./build.sh all        all three, plus the "core" step
# It prints what a real build prints, over a few seconds, and fails like one
# (a compiler error exits non-zero) when src/app.c does not compile.
set -euo pipefail
cd "$(dirname "$0")"

scope="${1:-platform}"
version="$(cat src/VERSION)"
built_at="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
mkdir -p build/bin

step() { echo "$*"; sleep 0.3; }

echo "> example-platform@${version} build (scope ${scope}, deploy ${RESHIP_DEPLOY_ID:-manual})"
step "resolving dependencies... 3 packages, all up to date"
case "$scope" in
  shop) services=(shop) ;;
  all) services=(platform-front platform-back shop) ;;
  *) services=(platform-front platform-back) ;;
esac
for service in "${services[@]}"; do
  step "compiling src/app.c for ${service}"
  cc -O2 -Wall -Werror -DAPP_VERSION="\"${version}\"" -DAPP_BUILT_AT="\"${built_at}\"" \
    -o "build/bin/${service}.new" src/app.c
  # Replace the binary in one rename: the running service keeps its old file.
  mv -f "build/bin/${service}.new" "build/bin/${service}"
  echo "  built build/bin/${service} ($(stat -c %s "build/bin/${service}") bytes)"
done
step "running tests"
for t in routes healthz version; do
  echo "  ✓ ${t}"
done
echo "  3 passed"
if [ "$scope" = "all" ]; then
  step "building core (reship-back is restarted from its installed binary)"
  echo "  core up to date"
fi
echo "build done: version ${version}"
