// The Node twin of listen_target.c, for pm2's cluster mode (scripts/bench,
// restart under load): pm2 runs it as a cluster worker, and the cluster
// master (pm2's daemon) holds the port for every worker.
//
//   node listen_target.js PORT STAMP_FILE
//
// GET / answers 200 "ok\n" and closes; anything else 404. Once it listens it
// appends "ready PID NS" to STAMP_FILE (NS: CLOCK_MONOTONIC, through
// process.hrtime) and tells pm2 (process.send('ready'), for wait_ready). On
// SIGINT or SIGTERM (pm2 sends SIGINT), or pm2's 'shutdown' message, it stops
// accepting (server.close()), lets the requests in hand finish, appends
// "exit PID NS" and exits 0.
'use strict';
const fs = require('fs');
const http = require('http');

const port = Number(process.argv[2]);
const stampFile = process.argv[3];
const mark = (what) => fs.appendFileSync(stampFile, `${what} ${process.pid} ${process.hrtime.bigint()}\n`);

const server = http.createServer((req, res) => {
  const ok = req.method === 'GET' && req.url === '/';
  const body = ok ? 'ok\n' : 'not found\n';
  res.writeHead(ok ? 200 : 404, { 'Content-Type': 'text/plain', 'Content-Length': body.length, Connection: 'close' });
  res.end(body);
});
server.listen(port, '127.0.0.1', () => {
  mark('ready');
  if (process.send) process.send('ready');
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.close(() => {
    mark('exit');
    process.exit(0);
  });
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
process.on('message', (m) => { if (m === 'shutdown') stop(); });
