// @example/protocol: what the platform's services answer, one JSON shape for
// all of them, so that a caller (or a deploy's check) sees who answered,
// which version and which process.
'use strict';

const PROTOCOL_VERSION = 1;

function describe(service, version, extra = {}) {
  return { service, version, protocol: PROTOCOL_VERSION, pid: process.pid, ...extra };
}

module.exports = { PROTOCOL_VERSION, describe };
