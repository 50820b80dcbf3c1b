// AgentLimits: the Durable Object, one per agent id, that decides the checks of
// agents whose policies have rate limits. It runs the same engine as the isolates,
// on the bundle version the asking isolate has in force, and keeps its own audit
// chain. Budgets live in its memory: they hold across isolates for as long as the
// object lives (see the README on eviction).

import { DurableObject } from "cloudflare:workers";

import { settings } from "./config.js";
import { Engine } from "./engine.js";
import { toHttpError } from "./http.js";

export class AgentLimits extends DurableObject {
  /** Made on the first call, not in the constructor, like the isolate's. */
  #engine = null;

  /**
   * Decides `call` for `agent` with bundle `version` (or the newest this object can
   * load). Returns `{ decision, version }` or `{ error: { status, code, message, extra } }`:
   * errors cross the RPC boundary as data.
   */
  async decide({ agent, call, version }) {
    this.#engine ??= new Engine(this.env, "limits");
    const engine = this.#engine;
    try {
      await engine.bundle.load(this.env, version);
      // Not there (yet)? Then the newest bundle it can load, or a 503.
      if (engine.bundle.version === null) await engine.bundle.ready(this.env, settings(this.env).refreshMs);
      return { decision: engine.decide(agent, call), version: engine.bundle.version };
    } catch (e) {
      const { status, code, message, extra } = toHttpError(e);
      return { error: { status, code, message, extra } };
    } finally {
      this.ctx.waitUntil(engine.outbox.flush(this.env.AUDIT_QUEUE));
    }
  }
}
