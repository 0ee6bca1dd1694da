"use strict";
function loadConfig(env) {
  const settings = env.APP_SETTINGS ? JSON.parse(env.APP_SETTINGS) : undefined;
  return { port: settings.http.port, host: settings.http.host };
}
module.exports = { loadConfig };
