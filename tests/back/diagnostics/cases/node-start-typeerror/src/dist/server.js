"use strict";
const http = require("http");
const { loadConfig } = require("./config");

function main() {
  const config = loadConfig(process.env);
  http.createServer((req, res) => res.end("ok")).listen(config.port, config.host);
  console.log(`listening on ${config.host}:${config.port}`);
}

console.log("platform-back starting");
main();
