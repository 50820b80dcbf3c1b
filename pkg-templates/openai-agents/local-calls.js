// Local tools the SDK runs through an object of yours: the shell tool's Shell and
// apply_patch's Editor. A call is decided in the tool's `needsApproval`, where the
// SDK names the run (so require_approval interrupts it for a person), and enforced
// where your object is called: the SDK passes the same payload object (the
// ShellAction, the ApplyPatchOperation) to both, and that object keys the decision.
// A call the SDK runs without asking `needsApproval` (it holds an approval for it:
// a resumed run, or `alwaysApprove`) is decided where it runs.

import { describe } from "../lib/args.js";
import { MeshGuardError } from "../lib/errors.js";
import { meshguardAgents } from "./identities.js";
import { asksPerson, checkAs, explainAs, refuses, runState, settleApprovals, traceIdOf } from "./run-state.js";
import { noteRefusal } from "./tracing.js";

/** Payload object -> { g, s, agent, callId, decided? }: calls decided, or expected after a restore. */
const calls = new WeakMap();

/**
 * The state of one governed local tool: `checksOf(payload)` gives the checks of a
 * call (`[{ action, resource?, context }]`); `tool` is set once the SDK tool exists.
 */
export function localGovernor(fn, options, checksOf) {
  if (options.agent !== undefined && (typeof options.agent !== "object" || typeof options.agent?.name !== "string")) {
    throw new MeshGuardError(`${fn}: agent must be an SDK Agent; got ${describe(options.agent)}`);
  }
  return { fn, mesh: options.mesh, agent: options.agent, identity: options.identity, checksOf, tool: undefined };
}

/**
 * The agent a call acts as: `agent` given, else the agent whose turn it is (as a
 * governed callback or a registered agent's `agent_start` last saw it) if it holds the tool.
 */
function actingAgent(g, s) {
  if (g.agent) return g.agent;
  const current = s.currentAgent;
  if (current && (current.tools ?? []).includes(g.tool)) return current;
  if (g.identity || g.mesh.agent) return undefined; // the identity given, or the MeshGuard's own agent
  throw new MeshGuardError(
    `${g.fn}: MeshGuard cannot tell which agent runs this ${g.tool.name} call; register the agent (meshguardAgents.set), run it with runWithAudit, or give ${g.fn}(…, { mesh, agent })`,
  );
}

/**
 * Decides every check of a call as `agent`. A call is allowed only if every check
 * is; when one is refused, only that one is recorded (nothing ran, no budget spent).
 */
function decide(g, s, agent, payload, callId) {
  const checks = g.checksOf(payload);
  const opts = (c) => ({ context: c.context, resource: c.resource, identity: g.identity });
  const check = (c) => ({ check: c, decision: checkAs(g.mesh, c.action, s, agent, { ...opts(c), metadata: { tool: g.tool.name, call_id: callId } }) });
  if (checks.length > 1) {
    const refused = checks.find((c) => refuses(explainAs(g.mesh, c.action, s, agent, opts(c))));
    if (refused) return [check(refused)];
  }
  return checks.map(check);
}

/** The tool's `needsApproval`: decides the call; asks a person for require_approval (or when `wanted` does). */
export function needsApproval(g, wanted) {
  const userWants = typeof wanted === "function" ? wanted : async () => Boolean(wanted);
  return async (runContext, payload, callId) => {
    const s = runState(runContext);
    settleApprovals(s, runContext);
    const agent = actingAgent(g, s);
    const decided = decide(g, s, agent, payload, callId);
    calls.set(payload, { g, s, agent, callId, decided });
    // A refused call is never put to a person: it is refused where it runs.
    if (decided.some((d) => refuses(d.decision))) return false;
    const ask = decided.find((d) => asksPerson(d.decision))?.decision;
    const askAnyway = Boolean(await userWants(runContext, payload, callId));
    if (ask || askAnyway) {
      const decision = ask ?? decided[0].decision;
      const identity = g.identity ?? (agent ? meshguardAgents.identityOf(agent) : g.mesh.agent);
      s.awaiting.set(callId, { mesh: g.mesh, action: decision.action, identity, decision, toolName: g.tool.name, traceId: traceIdOf(s) });
    }
    return Boolean(ask) || askAnyway;
  };
}

/** After `meshguardRestore`: the call of `payload`, waiting in a restored run, acts as `agent`. */
export function expectCall(tool, payload, { s, agent, callId }) {
  const g = tool?.[LOCAL];
  if (g && payload && typeof payload === "object") calls.set(payload, { g, s, agent: g.agent ?? agent, callId });
}

/** Marks an SDK tool as governed by `g` (for expectCall). */
export const LOCAL = Symbol("meshguard local tool");

/**
 * Where the call runs: `{ refusal, message }` when it must not run, else `{}`. A call
 * that needed a person runs only once one approved it, which is recorded here.
 */
export function admit(g, payload, runContext) {
  const rec = calls.get(payload);
  calls.delete(payload);
  let decided;
  let s;
  let agent;
  if (rec) {
    ({ s, agent } = rec);
    decided = rec.decided ?? decide(g, s, agent, payload, rec.callId);
  } else if (runContext) {
    s = runState(runContext);
    agent = actingAgent(g, s);
    decided = decide(g, s, agent, payload, undefined);
  } else {
    // No run to name: the delegators of whoever acts are unknown, and the engine refuses.
    const [c] = g.checksOf(payload);
    const who = g.identity ?? (g.agent ? meshguardAgents.identityOf(g.agent) : undefined);
    const options = { chainUnknown: true, context: c.context, resource: c.resource, metadata: { tool: g.tool.name, attempted: true } };
    if (who) options.agent = who;
    decided = [{ check: c, decision: g.mesh.check(c.action, options) }];
  }
  const refused = decided.find((d) => refuses(d.decision));
  if (refused) {
    noteRefusal(refused.decision);
    return { refusal: refused.decision, check: refused.check };
  }
  for (const { decision } of decided.filter((d) => asksPerson(d.decision))) {
    if (rec?.callId !== undefined) s.awaiting.delete(rec.callId);
    g.mesh.auditLog({
      action: decision.action,
      decision: "allow",
      agent: g.identity ?? (agent ? meshguardAgents.identityOf(agent) : g.mesh.agent),
      traceId: traceIdOf(s),
      reason: "approved by a person",
      metadata: { tool: g.tool.name, call_id: rec?.callId, approval: "approved", policy: decision.policy, rule: decision.rule },
    });
  }
  return {};
}
