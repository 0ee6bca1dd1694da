// platform-back: the platform's API.
// Run by reship-supervisor (reship.toml), which holds its port; run alone:
// node packages/platform-back/dist/server.js --port 7182
'use strict';

const { serve, portFrom } = require('@example/sdk');
const { handle } = require('./routes');

serve({ name: 'platform-back', port: portFrom(process.argv, 7182), handle });
