#!/usr/bin/env node
// The build of every package of the workspace, run by pnpm in the package's
// folder: checks the syntax of each src/**/*.js with `node --check` and, when
// all pass, replaces dist/ with a copy of src/. A syntax error fails the build
// with node's own report ("/path/src/file.js:LINE", the line, a caret,
// "SyntaxError: ..."), which reship-back turns into a diagnostic.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const name = JSON.parse(fs.readFileSync('package.json', 'utf8')).name;

function sources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.js') ? [full] : [];
  });
}

const files = sources('src');
const broken = files.filter((file) => {
  const check = spawnSync(process.execPath, ['--check', path.resolve(file)], { stdio: 'inherit' });
  return check.status !== 0;
});
if (broken.length > 0) {
  console.error(`${name}: build failed: syntax errors in ${broken.join(', ')}; fix them and build again`);
  process.exit(1);
}

// Written beside dist/ and swapped in, so a failed copy never leaves half a
// dist/; a running service has its modules in memory already.
const staging = 'dist.new';
fs.rmSync(staging, { recursive: true, force: true });
fs.cpSync('src', staging, { recursive: true });
fs.rmSync('dist', { recursive: true, force: true });
fs.renameSync(staging, 'dist');
console.log(`${name}: checked and built ${files.length} file(s) into dist/`);
