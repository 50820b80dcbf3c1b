// Handoffs: a governed handoff is checked as the current agent's action
// `handoff:<target name>`, under that agent's delegation chain, before the model
// is offered it (`isEnabled`) and again when it is taken (`onInvokeHandoff`).
// After an allowed handoff the target acts under the chain the engine returned.

import { Handoff, handoff as sdkHandoff } from "@openai/agents";
import { MeshGuardError, PolicyDeniedError } from "../lib/errors.js";
import { requireAgent, requireMesh } from "./args.js";
import { handoffTargets, meshguardAgents } from "./identities.js";
import { GOVERNED, chainKey, chainOptions, runState, traceIdOf } from "./run-state.js";

/**
 * Whether `from` may hand off to `target`, decided once per run, agent and chain.
 * Offering is not handing off: an allowed offer is decided without recording it
 * (the handoff is recorded when taken); a refused one is recorded.
 */
function handoffOffer(mesh, s, from, targetIdentity) {
  const fromIdentity = meshguardAgents.identityOf(from);
  const chain = chainOptions(s, from);
  const key = `handoff|${fromIdentity.id}|${targetIdentity.id}|${chainKey(chain)}`;
  let decision = s.cache.get(key);
  if (!decision) {
    const options = { ...chain, metadata: { offered: false } };
    const traceId = traceIdOf(s);
    if (traceId) options.traceId = traceId;
    decision = mesh.explainHandoff(fromIdentity, targetIdentity, options);
    if (!decision.allowed) decision = mesh.checkHandoff(fromIdentity, targetIdentity, options);
    s.cache.set(key, decision);
  }
  return decision;
}

/** Records the handoff `from` -> `target` as it is taken; returns the decision. */
function takeHandoff(mesh, s, from, targetIdentity) {
  const options = chainOptions(s, from);
  const traceId = traceIdOf(s);
  if (traceId) options.traceId = traceId;
  return mesh.checkHandoff(meshguardAgents.identityOf(from), targetIdentity, options);
}

/**
 * A handoff to `target` (an Agent, or a Handoff to govern) that MeshGuard checks
 * as `handoff:<target name>` for the current agent, with the chain so far. A
 * denied handoff is not offered to the model; after an allowed one the target
 * acts under the chain the check returned. `identity` registers the target's
 * MeshGuard identity; other options go to the SDK's `handoff()`.
 *
 * Run with `meshguardRunOptions()` (or `runWithAudit`), so a call to a denied
 * handoff returns a message to the model instead of failing the run.
 */
export function governedHandoff(target, options) {
  const mesh = requireMesh(options, "governedHandoff");
  const { mesh: _mesh, identity, ...config } = options;
  if (target instanceof Handoff && Object.keys(config).length > 0) {
    throw new MeshGuardError(`governedHandoff: give handoff options (${Object.keys(config).join(", ")}) to handoff(), not with an existing Handoff`);
  }
  if (!(target instanceof Handoff)) requireAgent(target, "governedHandoff");
  const h = target instanceof Handoff ? target.clone({}) : sdkHandoff(target, config);
  const agent = h.agent;
  if (identity !== undefined) meshguardAgents.set(agent, identity);
  handoffTargets.add(agent);

  const userIsEnabled = h.isEnabled;
  const userInvoke = h.onInvokeHandoff;
  h.isEnabled = async ({ runContext, agent: from }) => {
    const s = runState(runContext);
    s.currentAgent = from;
    s.offers.delete(h);
    s.refused.delete(h.toolName);
    if (!(await userIsEnabled({ runContext, agent: from }))) return false;
    const decision = handoffOffer(mesh, s, from, meshguardAgents.identityOf(agent));
    s.offers.set(h, { from, decision });
    if (!decision.allowed) s.refused.set(h.toolName, { mesh, from, target: agent, decision });
    return decision.allowed;
  };
  h.onInvokeHandoff = async (runContext, args) => {
    const s = runState(runContext);
    const offer = s.offers.get(h);
    if (!offer || !offer.decision.allowed) {
      // The SDK only dispatches handoffs that isEnabled offered this turn.
      throw new MeshGuardError(`the handoff to ${agent.name} was not cleared by MeshGuard`, "policy_denied");
    }
    // The decision of record: a rate limit or a reload since the offer may refuse it.
    const decision = takeHandoff(mesh, s, offer.from, meshguardAgents.identityOf(agent));
    if (!decision.allowed) throw new PolicyDeniedError(decision);
    const next = await userInvoke(runContext, args);
    s.chains.set(next, decision.chain);
    s.currentAgent = next;
    return next;
  };
  Object.defineProperty(h, GOVERNED, { value: { action: `handoff:${agent.name}`, mesh } });
  return h;
}
