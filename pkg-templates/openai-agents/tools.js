// Function tools: a governed tool is checked as its action before `execute` runs.
// The check sits in the SDK's own extension points: `needsApproval` (so that
// require_approval interrupts the run for a person) and a tool input guardrail
// (which refuses the call, so `execute` never runs, and tells the model why).

import { tool as sdkTool } from "@openai/agents";
import { describe, requireAction } from "../lib/args.js";
import { MeshGuardError } from "../lib/errors.js";
import { contextFor, defaultContext, parseArguments, requireMesh } from "./args.js";
import { meshguardAgents } from "./identities.js";
import { GOVERNED, checkAs, refusalMessage, runState, settleApprovals, traceIdOf } from "./run-state.js";
import { noteRefusal } from "./tracing.js";

/**
 * Governs an existing function tool: returns a copy whose calls are checked as
 * `action` before `execute` runs. Deny: the model receives `Action blocked by
 * policy: <reason>` and `execute` never runs. require_approval: the run
 * interrupts for a person (the SDK's `needsApproval`). The check's context is
 * `contextFrom(parsedArguments)`, or the arguments themselves.
 */
export function governTool(tool, action, options) {
  if (!tool || tool.type !== "function" || typeof tool.invoke !== "function") {
    throw new MeshGuardError(`governTool needs a function tool (from tool()); got ${describe(tool)}`);
  }
  requireAction(action, "governTool: the action");
  const mesh = requireMesh(options, "governTool");
  const contextFrom = options.contextFrom ?? defaultContext;
  if (typeof contextFrom !== "function") throw new MeshGuardError(`contextFrom must be a function; got ${describe(contextFrom)}`);
  if (tool[GOVERNED]) throw new MeshGuardError(`tool ${tool.name} is already governed (as ${tool[GOVERNED].action})`);

  const userNeedsApproval = tool.needsApproval;
  const userIsEnabled = tool.isEnabled;
  const governed = { ...tool };
  const check = (s, agent, input, runContext, callId) => {
    const context = contextFor(contextFrom, input, { agent, runContext, callId, toolName: tool.name }, action);
    return checkAs(mesh, action, s, agent, { context, metadata: { tool: tool.name, call_id: callId } });
  };

  governed.isEnabled = async (runContext, agent) => {
    runState(runContext).currentAgent = agent;
    if (typeof userIsEnabled === "function") return userIsEnabled(runContext, agent);
    return typeof userIsEnabled === "boolean" ? userIsEnabled : true;
  };

  governed.needsApproval = async (runContext, input, callId) => {
    const s = runState(runContext);
    settleApprovals(s, runContext);
    const wanted = typeof userNeedsApproval === "function" ? await userNeedsApproval(runContext, input, callId) : Boolean(userNeedsApproval);
    const agent = s.currentAgent;
    if (!agent) return wanted; // the guardrail checks (it knows the agent)
    const decision = check(s, agent, input, runContext, callId);
    s.decisions.set(callId, { decision, agent });
    const ask = (!decision.allowed && decision.decision === "require_approval") || (decision.allowed && wanted);
    if (ask) s.awaiting.set(callId, { mesh, action, identity: meshguardAgents.identityOf(agent), decision, toolName: tool.name, traceId: traceIdOf(s) });
    return ask;
  };

  const guardrail = {
    type: "tool_input",
    name: "meshguard",
    run: async ({ context: runContext, agent, toolCall }) => {
      const s = runState(runContext);
      s.currentAgent = agent;
      const callId = toolCall.callId;
      const cached = s.decisions.get(callId);
      const decision = cached && cached.agent === agent ? cached.decision : check(s, agent, parseArguments(toolCall.arguments), runContext, callId);
      const approved = runContext.isToolApproved({ toolName: toolCall.name, callId }) === true;
      const asked = s.awaiting.has(callId);
      const done = () => {
        s.decisions.delete(callId);
        s.awaiting.delete(callId);
      };
      // A guardrail pass before the person decided (toolExecution.preApprovalInputGuardrails):
      // let the SDK interrupt, and keep the decision for the pass after the approval.
      if (asked && !approved && (decision.allowed || decision.decision === "require_approval")) {
        return { behavior: { type: "allow" }, outputInfo: { decision } };
      }
      if (approved && (asked || decision.decision === "require_approval") && (decision.allowed || decision.decision === "require_approval")) {
        done();
        mesh.auditLog({
          action,
          decision: "allow",
          agent: meshguardAgents.identityOf(agent),
          traceId: traceIdOf(s),
          reason: "approved by a person",
          metadata: { tool: tool.name, call_id: callId, approval: "approved", policy: decision.policy, rule: decision.rule },
        });
        return { behavior: { type: "allow" }, outputInfo: { decision, approved: true } };
      }
      done();
      if (decision.allowed) return { behavior: { type: "allow" }, outputInfo: { decision } };
      noteRefusal(decision);
      return { behavior: { type: "rejectContent", message: refusalMessage(decision) }, outputInfo: { decision } };
    },
  };
  governed.inputGuardrails = [guardrail, ...(tool.inputGuardrails ?? [])];
  Object.defineProperty(governed, GOVERNED, { value: { action, mesh } });
  return governed;
}

/**
 * `tool(toolOptions)` governed as `action`: see `governTool`. Options: `mesh`,
 * `contextFrom(parsedArguments, {agent, runContext, callId, toolName})`.
 */
export function governedTool(action, toolOptions, options) {
  requireAction(action, "governedTool: the action");
  requireMesh(options, "governedTool");
  return governTool(sdkTool(toolOptions), action, options);
}
