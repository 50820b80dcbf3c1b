// AgentLimits: the Durable Object, one per agent id, that decides the checks of
// agents whose policies have rate limits. It runs the same engine as the isolates,
// on the bundle version the asking isolate has in force, and keeps its own audit
// chain. After each allowed decision it saves the budget spent in the last hour to
// its storage, and an object that was hibernated or evicted starts from it, so a
// pause of the agent never resets a budget.

import { DurableObject } from "cloudflare:workers";

import { settings } from "./config.js";
import { Engine } from "./engine.js";
import { HttpError, toHttpError } from "./http.js";

/** The storage key of the spent budget. */
const SPENT = "rateLimitsSpent";

export class AgentLimits extends DurableObject {
  /** The engine, with the saved budget restored; made on the first call. */
  #engine = null;

  async #ready() {
    this.#engine ??= this.ctx.blockConcurrencyWhile(async () => {
      const engine = new Engine(this.env, "limits");
      const spent = await this.ctx.storage.get(SPENT);
      try {
        if (spent) engine.mesh.restoreRateLimits(spent);
      } catch (e) {
        // Starting afresh would hand the agent a new budget: refuse instead.
        throw new HttpError(500, "rate_limit_state", `the saved rate-limit budget cannot be restored: ${e.message}`);
      }
      return engine;
    });
    try {
      return await this.#engine;
    } catch (e) {
      this.#engine = null;
      throw e;
    }
  }

  /**
   * Decides `call` for `agent` with bundle `version` (or the newest this object can
   * load). Returns `{ decision, version }` or `{ error: { status, code, message, extra } }`:
   * errors cross the RPC boundary as data.
   */
  async decide({ agent, call, version }) {
    let engine = null;
    try {
      engine = await this.#ready();
      await engine.bundle.load(this.env, version);
      // Not there (yet)? Then the newest bundle it can load, or a 503.
      if (engine.bundle.version === null) await engine.bundle.ready(this.env, settings(this.env).refreshMs);
      const decision = engine.decide(agent, call);
      // Only an allow spends budget; the response waits until the write is stored.
      if (decision.decision === "allow") await this.ctx.storage.put(SPENT, engine.mesh.rateLimitsSpent());
      return { decision, version: engine.bundle.version };
    } catch (e) {
      const { status, code, message, extra } = toHttpError(e);
      return { error: { status, code, message, extra } };
    } finally {
      if (engine) this.ctx.waitUntil(engine.outbox.flush(this.env.AUDIT_QUEUE));
    }
  }
}
