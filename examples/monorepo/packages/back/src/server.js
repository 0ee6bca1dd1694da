// core-back: the core's API (package @example/back).
// Run by reship-supervisor (reship.toml), which holds its port; run alone:
// node packages/back/dist/server.js --port 7184
'use strict';

const { serve, portFrom } = require('@example/sdk');
const { handle } = require('./routes');

serve({ name: 'core-back', port: portFrom(process.argv, 7184), handle });
