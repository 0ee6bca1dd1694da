// @example/core-ui: the one page layout every front renders through, so
// that a change to it shows in both fronts once scope "all" is deployed.
'use strict';

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page({ title, lines }) {
  const items = lines.map((line) => `<li>${escape(line)}</li>`).join('');
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escape(title)}</title></head>` +
    `<body><h1>${escape(title)}</h1><ul>${items}</ul></body></html>\n`;
}

module.exports = { escape, page };
