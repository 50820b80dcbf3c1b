// MeshGuard edge checks: the Worker's entry. Routes requests, consumes the audit
// queue, and exports the rate-limit Durable Object. Module scope only defines:
// no I/O, no randomness.

import { consume } from "./audit.js";
import { HttpError, errorResponse } from "./http.js";
import { check } from "./routes/check.js";
import { handoff } from "./routes/handoff.js";
import { health } from "./routes/health.js";
import { putPolicies } from "./routes/policies.js";
import { proxy } from "./routes/proxy.js";

export { AgentLimits } from "./limits.js";

const routes = {
  "/v1/check": { POST: check },
  "/v1/handoff": { POST: handoff },
  "/v1/health": { GET: health },
  "/v1/policies": { PUT: putPolicies },
};

function route(request) {
  const { pathname } = new URL(request.url);
  if (pathname === "/proxy" || pathname.startsWith("/proxy/")) return proxy;
  const methods = routes[pathname];
  if (!methods) throw new HttpError(404, "not_found", `no route ${pathname}`);
  const handler = methods[request.method];
  if (!handler) {
    const allow = Object.keys(methods).join(", ");
    throw new HttpError(405, "method_not_allowed", `${pathname} takes ${allow}, not ${request.method}`, { allow });
  }
  return handler;
}

export default {
  async fetch(request, env, ctx) {
    try {
      return await route(request)(request, env, ctx);
    } catch (e) {
      return errorResponse(e);
    }
  },

  async queue(batch, env) {
    await consume(batch, env);
  },
};
