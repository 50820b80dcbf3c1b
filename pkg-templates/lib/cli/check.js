// `meshguard check`: one decision, from a terminal, by the engine production uses.

import { TokenError } from "../../node.mjs";
import { loadEngine } from "./diagnostics.js";
import { renderDecision } from "./explain.js";
import { EXIT, jsonArg, list, loadError, painter, print, readAgents, readPolicies, usageError } from "./io.js";
import { KEY_OPTIONS, verifyToken } from "./keys.js";

const TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * An agent from `--agent`-style text: JSON, a key (or id) of the --agents file, or
 * a token verified with the key options. The text is never echoed: it may be a token.
 */
export function resolveAgent(text, agents, values, what = "--agent") {
  const t = text.trim();
  if (t.startsWith("{")) return jsonArg(t, what);
  if (agents?.has(t)) return agents.get(t);
  if (TOKEN.test(t)) {
    try {
      return verifyToken(t, values);
    } catch (e) {
      if (e instanceof TokenError) throw loadError(`${what}: the token was refused (${e.code}): ${e.message}`);
      throw e;
    }
  }
  throw usageError(`${what} must be an agent as JSON, a key or id of the --agents file, or an agent token`);
}

/** The delegators above the agent, root first: a JSON array (agents or ids) or keys/ids separated by commas. */
function resolveChain(text, agents) {
  if (text === undefined) return [];
  const items = text.trim().startsWith("[") ? jsonArg(text, "--chain") : list([text]);
  if (!Array.isArray(items)) throw usageError("--chain must be a JSON array or keys separated by commas");
  return items.map((item) => (typeof item === "string" ? agents?.get(item) ?? { id: item } : item));
}

export default {
  name: "check",
  summary: "Decide one action (or handoff) and print the decision, optionally with its explanation",
  usage: "meshguard check --policies <files> --agent <json|key|token> (--action <a> | --handoff-to <agent>) [--context <json>] [--resource <r>] [--chain <…>] [--now <time>] [--explain] [--json]",
  description:
    "Loads the policies as validate does and decides once, recording nothing. --agent takes JSON " +
    "({\"id\": …, \"trustTier\": …, \"tags\": […]}), a key or id of the --agents file (the vector " +
    "format's agents: map), or an agent token, verified with --secret-file, --secret-env or --jwks. " +
    "Exits 0 when the action is allowed, 1 when it is denied or needs approval.",
  options: {
    policies: { type: "string", multiple: true, arg: "files", help: "policy files or directories (repeat, or separate with commas)" },
    agent: { type: "string", arg: "json|key|token", help: "who acts" },
    agents: { type: "string", arg: "file", help: "a file with an agents: map (a vector file will do), for keys in --agent and --chain" },
    action: { type: "string", arg: "action", help: "the action, like write:refund" },
    "handoff-to": { type: "string", arg: "json|key", help: "decide a handoff from --agent to this agent instead of an action" },
    context: { type: "string", arg: "json", help: "the check's context, a JSON object" },
    resource: { type: "string", arg: "text", help: "the resource acted on" },
    chain: { type: "string", arg: "json|keys", help: "the delegators above the agent, root first" },
    now: { type: "string", arg: "time", help: "the evaluation time, RFC 3339 (default: now)" },
    explain: { type: "boolean", help: "show the path taken: policies, rules, conditions" },
    json: { type: "boolean", help: "print the decision as JSON" },
    ...KEY_OPTIONS,
    jwks: { type: "string", arg: "file", help: "Ed25519 public keys (a JWKS or one JWK) for a token in --agent" },
    issuer: { type: "string", arg: "iss", help: "the issuer a token in --agent must name (default meshguard)" },
  },
  examples: [
    [`meshguard check --policies policies/ --agent '{"id":"agent_support","trustTier":"verified","tags":["support"]}' --action write:refund --context '{"amount":150}'`, "may support refund $150?"],
    ["meshguard check --policies policies/ --agents tests/agents.yaml --agent billing --chain tier1 --action write:email --explain", "a delegate's check, with the path taken"],
    ["meshguard check --policies policies/ --agents tests/agents.yaml --agent tier1 --handoff-to escalation", "may Tier 1 hand off to Escalation?"],
  ],
  positionals: false,

  async run({ values }) {
    const files = list(values.policies);
    if (files.length === 0) throw usageError("which policies? e.g. --policies policies/");
    if (values.agent === undefined) throw usageError("who acts? give --agent");
    if ((values.action === undefined) === (values["handoff-to"] === undefined)) throw usageError("give --action, or --handoff-to for a handoff (one of them)");
    const agents = values.agents === undefined ? undefined : readAgents(values.agents);
    const agent = resolveAgent(values.agent, agents, values);
    const context = values.context === undefined ? {} : jsonArg(values.context, "--context");
    const options = { context, chain: resolveChain(values.chain, agents) };
    if (values.now !== undefined) options.now = values.now;
    const policies = readPolicies(files);
    const p = painter();
    const mesh = loadEngine(policies);
    let decision;
    try {
      if (values["handoff-to"] !== undefined) {
        if (values.resource !== undefined) throw usageError("a handoff has no --resource");
        const to = resolveAgent(values["handoff-to"], agents, values, "--handoff-to");
        decision = values.explain ? mesh.explainHandoff(agent, to, options) : mesh.checkHandoff(agent, to, options);
      } else {
        if (values.resource !== undefined) options.resource = values.resource;
        decision = values.explain ? mesh.explain(values.action, { agent, ...options }) : mesh.check(values.action, { agent, ...options });
      }
    } catch (e) {
      // Bad input (an unknown tier, a malformed time) names the option it came from.
      if (e.code === "invalid_argument") throw usageError(e.message);
      throw e;
    }
    if (values.json) print(JSON.stringify(decision, null, 2));
    else print(renderDecision(decision, { who: `${agent.name ?? agent.id} (${agent.id})`, p }).join("\n"));
    return decision.allowed ? EXIT.OK : EXIT.FAILED;
  },
};
