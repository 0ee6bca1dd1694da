// What core-back answers: who it is and the version it was built from.
'use strict';

const { describe } = require('@example/protocol');
const { json } = require('@example/sdk');

const VERSION = 1;

function handle(req, res) {
  json(res, 200, describe('core-back', VERSION, { path: req.url }));
}

module.exports = { handle, VERSION };
