// Where a decision is made: in this isolate's engine, or, for an agent whose
// policies have rate limits, in that agent's Durable Object, where every isolate's
// checks for it meet one budget.

import { settings } from "./config.js";
import { Engine } from "./engine.js";
import { HttpError } from "./http.js";

/** This isolate's engine, made on the first request (module scope does no I/O and draws no randomness). */
let isolate = null;

export function isolateEngine(env) {
  isolate ??= new Engine(env, "isolate");
  return isolate;
}

function limits(env, agentId) {
  if (!env.AGENT_LIMITS) throw new HttpError(500, "configuration_error", "no AGENT_LIMITS Durable Object binding");
  return env.AGENT_LIMITS.get(env.AGENT_LIMITS.idFromName(agentId));
}

/**
 * Decides `call` (`{ action, options }` or `{ to, options }`) for `agent`; returns
 * `{ decision, version }`, the version being the bundle that decided. Throws
 * HttpError (503 while no bundle has loaded) and the package's input errors.
 */
export async function decide(env, ctx, agent, call) {
  const engine = isolateEngine(env);
  const version = await engine.bundle.ready(env, settings(env).refreshMs);
  try {
    if (engine.mesh.hasRateLimits(agent)) {
      const out = await limits(env, agent.id).decide({ agent, call, version });
      if (out.error) throw new HttpError(out.error.status, out.error.code, out.error.message, out.error.extra);
      return out;
    }
    return { decision: engine.decide(agent, call), version };
  } finally {
    ctx.waitUntil(engine.outbox.flush(env.AUDIT_QUEUE));
  }
}
