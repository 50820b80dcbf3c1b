// What the adapter knows about one run: the delegation chain of each agent, the
// agent whose turn it is, decisions waiting for a person's approval, and offers
// already decided. It lives in a symbol-keyed slot on the run's RunContext, so it
// follows the run across approval interruptions and is never shared between runs.
// Every check the adapter makes goes through `checkAs`, under the acting agent's
// chain; a chain the run cannot name is marked unknown, and the engine refuses.

import { getCurrentTrace } from "@openai/agents";
import { MeshGuardError } from "../lib/errors.js";
import { TURN, handoffTargets, meshguardAgents } from "./identities.js";

const RUN = Symbol.for("meshguard.openai-agents.run");

/** Marks what the adapter governs (tools, handoffs, agents) with how. */
export const GOVERNED = Symbol.for("meshguard.openai-agents.governed");

/** Stands for a delegation chain this adapter did not see being built. */
export const UNKNOWN_CHAIN = Symbol("unknown chain");

/** The adapter's state for one run, kept on its RunContext. */
export function runState(runContext) {
  if (!runContext || typeof runContext !== "object") {
    throw new MeshGuardError("the OpenAI Agents SDK passed no run context; is @openai/agents >= 0.20 installed?");
  }
  let s = runContext[RUN];
  if (!s) {
    s = {
      /** SDK agent -> the delegators above it (MeshGuard identities, root first). */
      chains: new Map(),
      /**
       * The agent whose turn it is, as last seen by a governed callback or by a
       * registered agent's `agent_start` event (both write the run context's TURN slot).
       */
      get currentAgent() {
        return runContext[TURN];
      },
      set currentAgent(agent) {
        runContext[TURN] = agent;
      },
      /** Set by runWithAudit: the trace id of every entry of the run. */
      traceId: undefined,
      /** callId -> the decision needsApproval made, for the guardrail to use. */
      decisions: new Map(),
      /** callId -> a call waiting for a person's approval. */
      awaiting: new Map(),
      /** governed handoff -> {from, decision} of its latest offer. */
      offers: new Map(),
      /** handoff tool name -> a refused offer, for the tool-not-found message. */
      refused: new Map(),
      /** MCP tool name -> a refused offer ({mesh, agent, decision, server}), likewise. */
      refusedTools: new Map(),
      /** cache key -> decision: handoff and hosted-tool offers are decided once per run. */
      cache: new Map(),
      /** Hosted tool call items already audited. */
      audited: new WeakSet(),
      /** First seen after the run had called a model: a restored RunState, most likely. */
      lateStart: (runContext.usage?.requests ?? 0) > 0,
      /** Set by meshguardRestore once it has rebuilt the chains. */
      restored: false,
    };
    Object.defineProperty(runContext, RUN, { value: s, configurable: true });
  }
  return s;
}

/** The run's state if the adapter has seen this run context, else undefined. */
export const existingRunState = (runContext) => runContext?.[RUN];

/** The trace id of the run's entries: runWithAudit's, else the current trace's. */
export function traceIdOf(s) {
  if (s.traceId) return s.traceId;
  const id = getCurrentTrace()?.traceId;
  return id && id !== "no-op" ? id : undefined;
}

/** The delegators above `agent` in this run, or UNKNOWN_CHAIN. */
export function chainOf(s, agent) {
  const chain = s.chains.get(agent);
  if (chain) return chain;
  // A delegate we never saw arrive: its delegators are unknown, so fail closed.
  if (s.lateStart && handoffTargets.has(agent)) return UNKNOWN_CHAIN;
  return [];
}

/** The chain options of `agent`'s checks: `{ chain }`, or `{ chainUnknown: true }`. */
export function chainOptions(s, agent) {
  const chain = agent ? chainOf(s, agent) : [];
  return chain === UNKNOWN_CHAIN ? { chainUnknown: true } : { chain };
}

/** A cache key for chain options. */
export const chainKey = (o) => (o.chainUnknown ? "?" : o.chain.map((a) => a.id).join(">"));

/** The options of a check as `agent` (or `identity`), under its chain and the run's trace id. */
function optionsAs(s, agent, { context, resource, metadata, identity, anyContext } = {}) {
  const who = identity ?? (agent ? meshguardAgents.identityOf(agent) : undefined);
  const options = { ...chainOptions(s, agent), context, metadata };
  if (resource !== undefined) options.resource = resource;
  if (anyContext) options.anyContext = true;
  if (who) options.agent = who; // else the MeshGuard's default agent
  const traceId = traceIdOf(s);
  if (traceId) options.traceId = traceId;
  return options;
}

/** `mesh.check` as `agent` (or `identity`), under its chain and the run's trace id. */
export const checkAs = (mesh, action, s, agent, options) => mesh.check(action, optionsAs(s, agent, options));

/** `mesh.explain` (nothing recorded, no budget spent) as `checkAs` would check. */
export const explainAs = (mesh, action, s, agent, options) => mesh.explain(action, optionsAs(s, agent, options));

/** Whether a decision refuses outright (deny), rather than allowing or asking a person. */
export const refuses = (d) => !d.allowed && d.decision !== "require_approval";

/** Text of a refused call, as the model receives it. */
export const refusalMessage = (decision) =>
  decision.decision === "require_approval"
    ? `Action blocked by policy: ${decision.reason} (it needs a person's approval, and none was given)`
    : `Action blocked by policy: ${decision.reason}`;

/** Whether a decision asks a person (require_approval). */
export const asksPerson = (d) => !d.allowed && d.decision === "require_approval";

/** Records the outcome of approvals a person decided since we last looked. */
export function settleApprovals(s, runContext) {
  for (const [callId, pending] of s.awaiting) {
    if (runContext.isToolApproved({ toolName: pending.toolName, callId }) !== false) continue;
    s.awaiting.delete(callId);
    s.decisions.delete(callId);
    pending.mesh.auditLog({
      action: pending.action,
      decision: "deny",
      agent: pending.identity,
      traceId: pending.traceId ?? traceIdOf(s),
      reason: "a person rejected the call",
      metadata: { tool: pending.toolName, call_id: callId, approval: "rejected", policy: pending.decision.policy, rule: pending.decision.rule },
    });
  }
}
