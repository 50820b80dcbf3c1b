// MCP servers the agent connects to (stdio, streamable HTTP, SSE): the model is
// offered only the tools whose action could be allowed for the calling agent (a
// `toolFilter`, decided with `anyContext`), and each call is checked with its
// arguments before the server sees it (a tool input guardrail on the server).

import { describe, isPlainObject } from "../lib/args.js";
import { MeshGuardError } from "../lib/errors.js";
import { contextFor, defaultContext, parseArguments, requireMesh } from "./args.js";
import { meshguardAgents } from "./identities.js";
import { GOVERNED, chainKey, chainOptions, checkAs, explainAs, refusalMessage, refuses, runState } from "./run-state.js";
import { noteRefusal } from "./tracing.js";

/** Whether the server's own filter (static or callable) lets `tool` through, as the SDK reads it. */
async function ownFilterAllows(filter, context, tool) {
  if (!filter) return true;
  if (typeof filter === "function") return Boolean(await filter(context, tool));
  const allowed = filter.allowedToolNames ?? [];
  const blocked = filter.blockedToolNames ?? [];
  return (allowed.length === 0 || allowed.includes(tool.name)) && !blocked.includes(tool.name);
}

/**
 * Governs an MCP server (MCPServerStdio, MCPServerStreamableHttp, MCPServerSSE):
 * the model is offered only the tools whose action, `mcp:<server name>:<tool
 * name>` or `action(serverName, tool)`, could be allowed for the calling agent (and
 * that the server's own `toolFilter` lets through); each call is checked with its
 * arguments as context (or `contextFrom(args, details)`) before the server runs it.
 * A refused call is never sent; the model reads `Action blocked by policy:
 * <reason>`. Local MCP tools cannot interrupt a run in @openai/agents 0.20, so a
 * call that needs a person's approval is refused, saying so. Returns the server.
 */
export function governMcpServer(server, options) {
  const mesh = requireMesh(options, "governMcpServer");
  if (!server || typeof server !== "object" || typeof server.name !== "string" || typeof server.listTools !== "function") {
    throw new MeshGuardError(`governMcpServer needs an MCP server (MCPServerStdio, MCPServerStreamableHttp, MCPServerSSE); got ${describe(server)}`);
  }
  if (server[GOVERNED]) throw new MeshGuardError(`MCP server ${server.name} is already governed`);
  const actionOf = options.action ?? ((serverName, tool) => `mcp:${serverName}:${tool.name}`);
  const contextFrom = options.contextFrom ?? defaultContext;
  for (const [name, fn] of [["action", actionOf], ["contextFrom", contextFrom]]) {
    if (typeof fn !== "function") throw new MeshGuardError(`governMcpServer: ${name} must be a function; got ${describe(fn)}`);
  }
  const own = server.toolFilter;
  if (own !== undefined && typeof own !== "function" && !isPlainObject(own)) {
    throw new MeshGuardError(`governMcpServer: the server's toolFilter must be a function or { allowedToolNames, blockedToolNames }; got ${describe(own)}`);
  }
  /** The MCP tools listed so far, by name (the action override sees the tool). */
  const listed = new Map();
  const action = (tool) => {
    const a = actionOf(server.name, tool);
    if (typeof a !== "string" || a.length === 0) throw new MeshGuardError(`governMcpServer: action(${JSON.stringify(server.name)}, ${tool.name}) must give a non-empty string; got ${describe(a)}`);
    return a;
  };

  server.toolFilter = async (context, tool) => {
    const { runContext, agent } = context;
    const s = runState(runContext);
    s.currentAgent = agent;
    listed.set(tool.name, tool);
    if (!(await ownFilterAllows(own, context, tool))) return false;
    const decision = offer(mesh, s, agent, action(tool), { mcp_server: server.name, tool: tool.name });
    if (!refuses(decision)) return true;
    // For the model that calls it anyway (meshguardRunOptions' toolErrorFormatter).
    for (const name of [tool.name, `mcp_${server.name}__${tool.name}`]) s.refusedTools.set(name, { mesh, agent, decision, server: server.name });
    return false;
  };

  const guardrail = {
    type: "tool_input",
    name: "meshguard",
    run: async ({ context: runContext, agent, toolCall }) => {
      const s = runState(runContext);
      s.currentAgent = agent;
      // With mcpConfig.includeServerInToolNames the model sees `mcp_<server>__<tool>`.
      const prefix = `mcp_${server.name}__`;
      const name = !listed.has(toolCall.name) && toolCall.name.startsWith(prefix) ? toolCall.name.slice(prefix.length) : toolCall.name;
      const tool = listed.get(name) ?? { name };
      const args = parseArguments(toolCall.arguments);
      const a = action(tool);
      const details = { agent, runContext, callId: toolCall.callId, toolName: name, serverName: server.name };
      const decision = checkAs(mesh, a, s, agent, {
        context: contextFor(contextFrom, args, details, a),
        metadata: { mcp_server: server.name, tool: name, call_id: toolCall.callId },
      });
      if (decision.allowed) return { behavior: { type: "allow" }, outputInfo: { decision } };
      noteRefusal(decision);
      return { behavior: { type: "rejectContent", message: refusalMessage(decision) }, outputInfo: { decision } };
    },
  };
  server.toolInputGuardrails = [guardrail, ...(server.toolInputGuardrails ?? [])];
  Object.defineProperty(server, GOVERNED, { value: { mesh, action: actionOf }, configurable: true });
  return server;
}

/**
 * Whether `agent` may be offered an MCP tool, decided once per run, action and
 * chain, for any arguments (`anyContext`). Offering is not calling: a tool that
 * could be allowed is offered unrecorded; a refused one is recorded.
 */
function offer(mesh, s, agent, action, metadata) {
  const key = `mcp|${meshguardAgents.identityOf(agent).id}|${action}|${chainKey(chainOptions(s, agent))}`;
  let decision = s.cache.get(key);
  if (!decision) {
    decision = explainAs(mesh, action, s, agent, { anyContext: true });
    if (refuses(decision)) decision = checkAs(mesh, action, s, agent, { anyContext: true, metadata: { ...metadata, offered: false } });
    s.cache.set(key, decision);
  }
  return decision;
}
