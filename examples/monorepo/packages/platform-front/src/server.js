// platform-front: the platform's web front.
// Run by reship-supervisor (reship.toml), which holds its port; run alone:
// node packages/platform-front/dist/server.js --port 7181
'use strict';

const { serve, portFrom } = require('@example/sdk');
const { handle } = require('./routes');

serve({ name: 'platform-front', port: portFrom(process.argv, 7181), handle });
