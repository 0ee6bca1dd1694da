#!/bin/bash
# The container's HEALTHCHECK: GET /healthz from reship-back, healthy on a 2xx.
#
#   healthcheck.sh [HOST:PORT]    default $RESHIP_HEALTH_ADDR, else 127.0.0.1:7070
#
# debian:bookworm-slim has no curl or wget, and the `reship` CLI has no health
# command; bash is in every Debian image and its /dev/tcp is enough for one
# HTTP/1.1 request. Exit 0 healthy, 1 unhealthy (what Docker expects), with
# one line saying why (`docker inspect` shows it). Every wait is bounded: the
# answer must come within RESHIP_HEALTH_TIMEOUT seconds (default 3), and
# Docker's own --timeout bounds the connect.
set -u

addr="${1:-${RESHIP_HEALTH_ADDR:-127.0.0.1:7070}}"
timeout="${RESHIP_HEALTH_TIMEOUT:-3}"
host="${addr%:*}"
port="${addr##*:}"

if ! exec 3<>"/dev/tcp/$host/$port"; then
  echo "unhealthy: nothing listens on $addr (is reship-back running?)"
  exit 1
fi 2>/dev/null
printf 'GET /healthz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$addr" >&3
if ! IFS=' ' read -r -t "$timeout" proto status _ <&3; then
  echo "unhealthy: no answer from $addr within ${timeout}s"
  exit 1
fi
case "$proto $status" in
  HTTP/1.[01]\ 2[0-9][0-9])
    echo "healthy: GET http://$addr/healthz answered $status"
    exit 0
    ;;
esac
echo "unhealthy: GET http://$addr/healthz answered: $proto ${status:-}"
exit 1
