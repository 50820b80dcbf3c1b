// Running governed agents: run options that keep a run going past a refused
// handoff, restoring the delegation chains of a saved run, and `runWithAudit`,
// which records the session around a run.

import { Handoff, RunContext, RunState, generateTraceId, getCurrentTrace, run as sdkRun, withTrace } from "@openai/agents";
import { describe, isPlainObject } from "../lib/args.js";
import { MeshGuardError } from "../lib/errors.js";
import { clip, requireAgent, requireMesh } from "./args.js";
import { generatedItemsOfState, localCallsOfState, runContextOfState } from "./compat.js";
import { decideHostedMcpApprovals, requestIdOf } from "./hosted-mcp.js";
import { auditHostedToolCalls } from "./hosted-tools.js";
import { meshguardAgents } from "./identities.js";
import { expectCall } from "./local-calls.js";
import { GOVERNED, UNKNOWN_CHAIN, chainOf, existingRunState, runState, settleApprovals, traceIdOf } from "./run-state.js";

/**
 * After `RunState.fromString`: rebuilds, from the state's history, which agents
 * delegated to whom, so a delegate keeps its chain when the run resumes. Without it
 * a delegate of a restored run is refused (its chain is unknown). Each governed
 * handoff of the history is decided again under the current policies, by
 * `explainHandoff` (nothing recorded, no rate limit spent); a delegate whose
 * handoff is no longer allowed stays unknown and is refused. `runWithAudit` does
 * this itself. Returns the state.
 */
export function meshguardRestore(state) {
  if (!(state instanceof RunState)) {
    throw new MeshGuardError(`meshguardRestore needs a RunState (from RunState.fromString); got ${describe(state)}`);
  }
  const s = runState(runContextOfState(state));
  // Seen from the start of the run, the chains are known; rebuild them only once.
  if (!s.lateStart || s.restored) return state;
  s.restored = true;
  s.currentAgent = state.currentAgent;
  // Shell and apply_patch calls waiting in the state act as the agent that made them.
  const owners = new Map(state.getInterruptions().map((item) => [item.rawItem?.callId, item.agent]));
  for (const { tool, payload, callId } of localCallsOfState(state)) {
    expectCall(tool, payload, { s, agent: owners.get(callId) ?? state.currentAgent, callId });
  }
  const handoffs = generatedItemsOfState(state).filter((item) => item?.type === "handoff_output_item");
  // The run began with the source of its first handoff, or with the current agent.
  const root = handoffs[0]?.sourceAgent ?? state.currentAgent;
  if (root) s.chains.set(root, []);
  for (const { sourceAgent: from, targetAgent: to } of handoffs) {
    const governed = from?.handoffs?.find((h) => h instanceof Handoff && h.agent === to && h[GOVERNED]);
    const above = chainOf(s, from);
    s.chains.delete(to);
    if (!governed || above === UNKNOWN_CHAIN) continue;
    const decision = governed[GOVERNED].mesh.explainHandoff(meshguardAgents.identityOf(from), meshguardAgents.identityOf(to), { chain: above });
    if (decision.allowed) s.chains.set(to, decision.chain);
  }
  return state;
}

/**
 * Run options that keep a run going when the model calls a handoff the policy
 * denied: `toolNotFoundBehavior: 'return_error_to_model'` and a
 * `toolErrorFormatter` that tells the model why. It also records approvals a
 * person rejected. Pass your other run options through it. Plain `run()` without
 * these fails with ModelBehaviorError when the model calls a denied handoff.
 */
export function meshguardRunOptions(options = {}) {
  if (!isPlainObject(options)) throw new MeshGuardError(`meshguardRunOptions takes run options; got ${describe(options)}`);
  const { mesh: _mesh, toolErrorFormatter: userFormatter, ...rest } = options;
  return {
    ...rest,
    toolNotFoundBehavior: "return_error_to_model",
    toolErrorFormatter: async (args) => {
      const s = existingRunState(args.runContext);
      if (s && args.kind === "tool_not_found") {
        const refused = s.refused.get(args.toolName);
        if (refused && refused.from === s.currentAgent) {
          const { mesh, from, target, decision } = refused;
          mesh.auditLog({
            action: decision.action ?? `handoff:${target.name}`,
            decision: "deny",
            agent: meshguardAgents.identityOf(from),
            traceId: traceIdOf(s),
            reason: `the model called a handoff the policy denies: ${decision.reason}`,
            metadata: { tool: args.toolName, call_id: args.callId, attempted: true, policy: decision.policy, rule: decision.rule },
          });
          return `Handoff to ${target.name} blocked by policy: ${decision.reason}. Continue without it.`;
        }
        const tool = s.refusedTools.get(args.toolName);
        if (tool && tool.agent === s.currentAgent) {
          tool.mesh.auditLog({
            action: tool.decision.action,
            decision: "deny",
            agent: meshguardAgents.identityOf(tool.agent),
            traceId: traceIdOf(s),
            reason: `the model called a tool the policy denies: ${tool.decision.reason}`,
            metadata: { mcp_server: tool.server, tool: args.toolName, call_id: args.callId, attempted: true, policy: tool.decision.policy, rule: tool.decision.rule },
          });
          return `Action blocked by policy: ${tool.decision.reason}`;
        }
      }
      if (s && args.kind === "approval_rejected") settleApprovals(s, args.runContext);
      return userFormatter ? userFormatter(args) : undefined;
    },
  };
}

/**
 * Runs `agent` with MeshGuard's run options under one trace id, recording
 * `session:start` (or `session:resume` for a RunState) and `session:complete`
 * (metadata `trace_id`, `user_id`, `agent`, `final_agent`, `output_length`), or
 * `session:interrupted` / `session:error`, and auditing hosted tool calls.
 * Hosted MCP approval requests are decided by MeshGuard (`decideHostedMcpApprovals`),
 * and the run goes on by itself when none is left to a person. Returns
 * `{ output, traceId, finalAgent, result, pending }` (`pending`: the interruptions
 * waiting for a person); resume an interrupted run by passing `result.state` as `input`.
 */
export async function runWithAudit(agent, input, options) {
  requireAgent(agent, "runWithAudit");
  const mesh = requireMesh(options, "runWithAudit");
  const { mesh: _m, userId, runner, workflowName, traceId: givenTraceId, hostedActions, stream, ...runOptions } = options;
  if (stream) throw new MeshGuardError("runWithAudit does not stream; use run() with meshguardRunOptions() to stream");
  const resuming = input instanceof RunState;
  if (resuming) meshguardRestore(input);
  const runContext = resuming ? runContextOfState(input) : runOptions.context instanceof RunContext ? runOptions.context : new RunContext(runOptions.context);
  if (!resuming) runOptions.context = runContext;
  else delete runOptions.context;
  const s = runState(runContext);
  const current = getCurrentTrace()?.traceId;
  s.traceId ??= givenTraceId ?? (current && current !== "no-op" ? current : generateTraceId());
  const traceId = s.traceId;
  const identity = meshguardAgents.identityOf(agent);
  const session = { trace_id: traceId, user_id: userId, agent: agent.name };
  if (userId === undefined) delete session.user_id;
  mesh.auditLog({ action: resuming ? "session:resume" : "session:start", decision: "allow", agent: identity, traceId, reason: resuming ? "session resumed" : "session started", metadata: session });

  if (resuming) decideHostedMcpApprovals(input);
  else s.currentAgent = agent;
  // Each agent of the run says when its turn begins, so checks know who acts.
  const agents = reachableAgents(agent);
  const onStart = (ctx, a) => {
    if (ctx === runContext) s.currentAgent = a;
  };
  for (const a of agents) a.on?.("agent_start", onStart);
  const go = (from) => (runner ?? { run: sdkRun }).run(agent, from, meshguardRunOptions(runOptions));
  // Hosted MCP approval requests MeshGuard decided resume the run by themselves.
  let decided = new Set();
  const goOn = async () => {
    let r = await go(input);
    for (;;) {
      auditHostedToolCalls(r, { mesh, actions: hostedActions });
      const stopped = r.interruptions ?? [];
      if (stopped.length === 0) return r;
      const { approved, rejected } = decideHostedMcpApprovals(r);
      decided = new Set([...approved, ...rejected].map(requestIdOf));
      if (decided.size < stopped.length) return r;
      r = await go(r.state);
    }
  };
  let result;
  try {
    result = current ? await goOn() : await withTrace(workflowName ?? `governed-${agent.name}`, goOn, { traceId });
  } catch (e) {
    mesh.auditLog({ action: "session:error", decision: "deny", agent: identity, traceId, reason: clip(String(e?.message ?? e), 500), metadata: { ...session, error: e?.name ?? "Error" } });
    throw e;
  } finally {
    for (const a of agents) a.off?.("agent_start", onStart);
  }
  settleApprovals(s, runContext);
  const finalAgent = result.lastAgent?.name;
  if (result.interruptions?.length) {
    const pending = result.interruptions.filter((i) => !decided.has(requestIdOf(i)));
    mesh.auditLog({
      action: "session:interrupted",
      decision: "require_approval",
      agent: identity,
      traceId,
      reason: "waiting for a person's approval",
      metadata: { ...session, final_agent: finalAgent, pending: pending.map((i) => i.name ?? i.rawItem?.name) },
    });
    return { output: undefined, traceId, finalAgent, result, pending };
  }
  const output = result.finalOutput;
  const text = typeof output === "string" ? output : output === undefined ? "" : JSON.stringify(output);
  mesh.auditLog({
    action: "session:complete",
    decision: "allow",
    agent: identity,
    traceId,
    reason: "session completed",
    metadata: { ...session, final_agent: finalAgent, output_length: text.length },
  });
  return { output, traceId, finalAgent, result, pending: [] };
}

/** `root` and every agent its handoffs lead to. */
function reachableAgents(root) {
  const seen = new Set([root]);
  for (const a of seen) {
    for (const h of a.handoffs ?? []) {
      const next = h instanceof Handoff ? h.agent : h;
      if (next && typeof next === "object" && !seen.has(next)) seen.add(next);
    }
  }
  return [...seen];
}
