// What core-front answers: a page, laid out by @example/core-ui.
'use strict';

const { page } = require('@example/core-ui');

const VERSION = 1;

function handle(req, res) {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(page({ title: 'core-front', lines: [`version ${VERSION}`, `pid ${process.pid}`, `path ${req.url}`] }));
}

module.exports = { handle, VERSION };
