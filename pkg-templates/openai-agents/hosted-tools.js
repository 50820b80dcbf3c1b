// Hosted tools (web search, file search, code interpreter, image generation) run on
// OpenAI's servers, so they cannot be stopped mid-call: the tools the policy does
// not allow are left out of each model request, and the calls the model made are
// audited from the run's result.

import { describe, isPlainObject } from "../lib/args.js";
import { MeshGuardError } from "../lib/errors.js";
import { defaultContext, parseArguments, requireAgent, requireMesh } from "./args.js";
import { runContextOfResult } from "./compat.js";
import { meshguardAgents } from "./identities.js";
import { GOVERNED, chainKey, chainOptions, checkAs, runState } from "./run-state.js";

/** The actions the hosted (server-side) tools are checked as, unless `actions` says otherwise. */
export const HOSTED_TOOL_ACTIONS = Object.freeze({
  web_search: "read:web_search",
  file_search: "read:file_search",
  code_interpreter: "execute:code_interpreter",
  image_generation: "write:image_generation",
});

const hostedAction = (name, actions) => actions?.[name] ?? HOSTED_TOOL_ACTIONS[name] ?? `execute:${name}`;

/**
 * Governs an agent's hosted tools (web search, file search, ...), which run on
 * OpenAI's servers: before each model request, the hosted tools whose action
 * (`read:web_search`, `read:file_search`, or `actions[name]`) the policy does not
 * allow are left out of the request. Overrides `agent.getAllTools`; returns the agent.
 */
export function governHostedTools(agent, options) {
  requireAgent(agent, "governHostedTools");
  const mesh = requireMesh(options, "governHostedTools");
  const actions = options.actions;
  if (actions !== undefined && !isPlainObject(actions)) throw new MeshGuardError(`actions must map hosted tool names to actions; got ${describe(actions)}`);
  if (agent[GOVERNED]) throw new MeshGuardError(`the hosted tools of agent ${agent.name} are already governed`);
  const original = agent.getAllTools;
  agent.getAllTools = async function getAllTools(runContext, ...rest) {
    const tools = await original.call(this, runContext, ...rest);
    const s = runState(runContext);
    s.currentAgent = this;
    return tools.filter((t) => t.type !== "hosted_tool" || hostedAllowed(mesh, s, this, t.name, actions));
  };
  Object.defineProperty(agent, GOVERNED, { value: { mesh }, configurable: true });
  return agent;
}

/** Whether `agent` may be offered hosted tool `name`, decided once per run and chain. */
function hostedAllowed(mesh, s, agent, name, actions) {
  const action = hostedAction(name, actions);
  const identity = meshguardAgents.identityOf(agent);
  const chain = chainOptions(s, agent);
  const key = `hosted|${identity.id}|${name}|${chainKey(chain)}`;
  let allowed = s.cache.get(key);
  if (allowed === undefined) {
    // Offering is not using: ask without recording, and record only a refusal.
    allowed = mesh.explain(action, { agent: identity, ...chain }).allowed;
    if (!allowed) allowed = checkAs(mesh, action, s, agent, { metadata: { hosted_tool: name, removed_from_request: true } }).allowed;
    s.cache.set(key, allowed);
  }
  return allowed;
}

function hostedContext(raw) {
  const data = raw.providerData ?? {};
  const query = data.action?.query ?? (Array.isArray(data.queries) ? data.queries.join(" | ") : data.query);
  return typeof query === "string" ? { query: query.slice(0, 200) } : {};
}

/**
 * Audits the hosted tool calls (`hosted_tool_call` items) of a run result: each
 * is checked as its action, so the trail shows the call and whether the policy
 * allows it. Items already audited are skipped. Returns the decisions.
 */
export function auditHostedToolCalls(result, options) {
  const mesh = requireMesh(options, "auditHostedToolCalls");
  const runContext = runContextOfResult(result);
  if (!runContext) throw new MeshGuardError("auditHostedToolCalls needs a run result");
  const s = runState(runContext);
  const decisions = [];
  for (const item of result.newItems ?? []) {
    const raw = item.rawItem;
    if (raw?.type !== "hosted_tool_call" || s.audited.has(raw)) continue;
    s.audited.add(raw);
    const kind = raw.providerData?.type ?? raw.name;
    // Hosted MCP approvals are decided (and recorded) by decideHostedMcpApprovals; a listing runs nothing.
    if (kind === "mcp_approval_request" || kind === "mcp_approval_response" || kind === "mcp_list_tools") continue;
    if (kind === "mcp_call") {
      const { name, server_label: label, arguments: args } = raw.providerData;
      decisions.push(
        checkAs(mesh, `mcp:${label}:${name}`, s, item.agent, {
          context: defaultContext(parseArguments(args)),
          metadata: { mcp_server: label, tool: name, call_id: raw.id, status: raw.status, error: raw.providerData.error ?? undefined, executed_by: "openai" },
        }),
      );
      continue;
    }
    const name = String(raw.name ?? kind ?? "hosted_tool").replace(/_call$/, "");
    decisions.push(
      checkAs(mesh, hostedAction(name, options.actions), s, item.agent, {
        context: hostedContext(raw),
        metadata: { hosted_tool: name, call_id: raw.id, status: raw.status, executed_by: "openai" },
      }),
    );
  }
  return decisions;
}
