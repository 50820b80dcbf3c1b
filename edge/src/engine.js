// One decision-maker: a MeshGuard instance, the bundle it has in force, and the
// outbox of its audit chain. Each isolate has one (for agents without rate limits),
// and so does each agent's Durable Object.

import { MeshGuard } from "@meshguard/policy";

import { Outbox } from "./audit.js";
import { BundleState } from "./bundle.js";
import { settings } from "./config.js";

/** The ring only serves queries; every entry leaves through the outbox. */
const AUDIT_RING = 1024;

export class Engine {
  /** @param kind names the audit chain's owner: `isolate` or `limits`. */
  constructor(env, kind) {
    const s = settings(env);
    this.outbox = new Outbox(kind, s.auditBacklog);
    this.mesh = new MeshGuard({
      mode: s.mode,
      audit: { capacity: AUDIT_RING, redact: s.redact },
      onAudit: (entry) => this.outbox.add(entry),
    });
    this.bundle = new BundleState((policies) => {
      this.mesh.loadPolicies(policies);
      return this.policyNames();
    });
  }

  /** The names of the policies in force, in load order (from `explain`, which records nothing). */
  policyNames() {
    const { explanation } = this.mesh.explain("meshguard:policies", { agent: { id: "meshguard" } });
    return explanation.policies.map((p) => p.policy);
  }

  /**
   * Decides `call` for `agent`: `{ action, options }` for a check, `{ to, options }`
   * for a handoff. Throws the package's errors for bad input.
   */
  decide(agent, call) {
    this.outbox.requireRoom();
    return call.to === undefined
      ? this.mesh.check(call.action, { ...call.options, agent })
      : this.mesh.checkHandoff(agent, call.to, call.options);
  }
}
