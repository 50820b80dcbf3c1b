// Hosted MCP: a remote MCP server the model calls directly, on OpenAI's side. The
// governed tool asks for approval of every call (`requireApproval: "always"`), so
// no call runs before the run stops at the SDK's approval interruption; there
// MeshGuard decides each request on `mcp:<serverLabel>:<tool>` with the call's
// arguments: allow approves it, deny rejects it with the reason, and
// require_approval leaves it to a person.

import { RunState, hostedMcpTool as sdkHostedMcpTool } from "@openai/agents";
import { describe, isPlainObject } from "../lib/args.js";
import { MeshGuardError } from "../lib/errors.js";
import { defaultContext, parseArguments, requireMesh } from "./args.js";
import { runContextOfState } from "./compat.js";
import { asksPerson, checkAs, refuses, runState } from "./run-state.js";

const HOSTED_MCP = Symbol.for("meshguard.openai-agents.hosted-mcp");

/**
 * `hostedMcpTool(options)` whose approvals MeshGuard decides: every call waits for
 * approval, and `decideHostedMcpApprovals` (which `runWithAudit` calls) approves,
 * rejects or leaves it to a person as the policy decides `mcp:<serverLabel>:<tool>`.
 * Without a MeshGuard decision the server's tools are never called.
 */
export function governedHostedMcpTool(options, govern) {
  const mesh = requireMesh(govern, "governedHostedMcpTool");
  if (!isPlainObject(options) || typeof options.serverLabel !== "string" || options.serverLabel.length === 0) {
    throw new MeshGuardError(`governedHostedMcpTool needs hostedMcpTool options with a serverLabel; got ${describe(options)}`);
  }
  for (const key of ["requireApproval", "onApproval"]) {
    if (options[key] !== undefined) throw new MeshGuardError(`governedHostedMcpTool: MeshGuard decides approvals, so leave out ${key}`);
  }
  const tool = sdkHostedMcpTool({ ...options, requireApproval: "always" });
  Object.defineProperty(tool, HOSTED_MCP, { value: { mesh, serverLabel: options.serverLabel } });
  return tool;
}

/** The id of a hosted MCP approval request item (undefined for other items). */
export function requestIdOf(item) {
  const raw = item?.rawItem;
  const data = raw?.providerData;
  return raw?.type === "hosted_tool_call" && data?.type === "mcp_approval_request" ? String(data.id ?? raw.id) : undefined;
}

/** The governed hosted MCP tool of `agent` for server `label`, if any. */
const governedFor = (agent, label) => (agent?.tools ?? []).map((t) => t?.[HOSTED_MCP]).find((g) => g?.serverLabel === label);

/**
 * Decides the hosted MCP approval requests a run stopped at (a RunResult or a
 * RunState), for the servers of `governedHostedMcpTool`: allow approves, deny
 * rejects with `Action blocked by policy: <reason>`, require_approval is left to a
 * person. A person's decision on it stands, except that MeshGuard's deny always
 * rejects. Each request is decided once per run. Returns `{ approved, rejected,
 * pending }` (the items).
 */
export function decideHostedMcpApprovals(resultOrState) {
  const state = resultOrState instanceof RunState ? resultOrState : resultOrState?.state;
  if (!(state instanceof RunState)) throw new MeshGuardError(`decideHostedMcpApprovals needs a RunResult or a RunState; got ${describe(resultOrState)}`);
  const s = runState(runContextOfState(state));
  s.hostedMcp ??= new Map();
  const out = { approved: [], rejected: [], pending: [] };
  for (const item of state.getInterruptions()) {
    const requestId = requestIdOf(item);
    if (requestId === undefined) continue;
    const raw = item.rawItem;
    const data = raw.providerData;
    const governed = governedFor(item.agent, data.server_label);
    if (!governed) continue;
    const name = String(data.name ?? raw.name);
    let decision = s.hostedMcp.get(requestId);
    const fresh = !decision;
    if (fresh) {
      decision = checkAs(governed.mesh, `mcp:${governed.serverLabel}:${name}`, s, item.agent, {
        context: defaultContext(parseArguments(data.arguments)),
        metadata: { mcp_server: governed.serverLabel, tool: name, approval_request: requestId, executed_by: "openai" },
      });
      s.hostedMcp.set(requestId, decision);
    }
    if (refuses(decision)) {
      state.reject(item, { message: `Action blocked by policy: ${decision.reason}` });
      out.rejected.push(item);
    } else if (asksPerson(decision)) {
      out.pending.push(item);
    } else {
      // Approved when first decided; a person who rejects it later has the last word.
      if (fresh) state.approve(item);
      out.approved.push(item);
    }
  }
  return out;
}
