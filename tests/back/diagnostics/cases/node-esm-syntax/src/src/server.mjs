import http from "node:http";
import { routes } from "./routes.mjs";

const handlers = {};
routes({ get: (path, fn) => (handlers[path] = fn) });
http.createServer().listen(3000);
