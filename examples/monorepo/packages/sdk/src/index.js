// @example/sdk: what every service of the platform shares: it takes its
// listening socket from reship-supervisor (or binds its own port when run
// alone), answers /healthz, and stops gracefully on SIGTERM.
'use strict';

const http = require('node:http');

// --port N, else $PORT, else the service's own default.
function portFrom(argv, fallback) {
  const at = argv.indexOf('--port');
  const given = at >= 0 ? argv[at + 1] : process.env.PORT;
  const port = Number(given ?? fallback);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`bad port ${JSON.stringify(given)}: pass --port with a number from 0 to 65535`);
    process.exit(2);
  }
  return port;
}

// sd_listen_fds(3): the supervisor passes the socket it holds as fd 3, with
// LISTEN_PID naming the process it is for, so that a child of this service
// never takes it by mistake (and the variables are not passed on).
function inheritedSocket() {
  const count = Number(process.env.LISTEN_FDS || 0);
  if (count < 1 || Number(process.env.LISTEN_PID) !== process.pid) return null;
  delete process.env.LISTEN_FDS;
  delete process.env.LISTEN_PID;
  delete process.env.LISTEN_FDNAMES;
  return { fd: 3 };
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

// Serves `handle(req, res)` on the supervisor's socket or on 127.0.0.1:port.
function serve({ name, port, handle }) {
  let stopping = false;
  const server = http.createServer((req, res) => {
    // A keep-alive connection would hold a stopping process open.
    if (stopping) res.setHeader('connection', 'close');
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    Promise.resolve()
      .then(() => handle(req, res))
      .catch((err) => {
        console.error(err);
        json(res, 500, { error: `${name} failed to answer: ${err.message}` });
      });
  });

  const inherited = inheritedSocket();
  const where = inherited ? 'the socket its supervisor holds (fd 3)' : `127.0.0.1:${port}`;
  server.on('error', (err) => {
    console.error(`${name}: cannot listen on ${where}: ${err.message}; stop what uses it or pass another --port`);
    process.exit(1);
  });
  server.listen(inherited ?? { host: '127.0.0.1', port }, () => console.log(`${name} serving ${where}`));

  // Finish the requests in hand, then exit; connections that arrive
  // meanwhile wait in the supervisor's backlog for the next process.
  const stop = (signal) => {
    console.log(`${name}: ${signal}, finishing the requests in hand`);
    stopping = true;
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return server;
}

module.exports = { serve, portFrom, json };
