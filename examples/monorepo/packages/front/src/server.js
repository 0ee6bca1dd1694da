// core-front: the core's web front (package @example/front).
// Run by reship-supervisor (reship.toml), which holds its port; run alone:
// node packages/front/dist/server.js --port 7183
'use strict';

const { serve, portFrom } = require('@example/sdk');
const { handle } = require('./routes');

serve({ name: 'core-front', port: portFrom(process.argv, 7183), handle });
