// @example/edge: the edge's route table, which service answers which path.
// In this example the edge is reship-supervisor itself: it takes a change to
// what it runs only when it restarts, so this package is built with scope
// "all", the scope that lists "edge".
'use strict';

const routes = [
  { path: '/', service: 'platform-front' },
  { path: '/api/', service: 'platform-back' },
  { path: '/core/', service: 'core-front' },
  { path: '/core/api/', service: 'core-back' },
];

// The longest path that prefixes the url.
function route(url) {
  const matches = routes.filter((r) => url.startsWith(r.path));
  return matches.sort((a, b) => b.path.length - a.path.length)[0] ?? null;
}

module.exports = { routes, route };
