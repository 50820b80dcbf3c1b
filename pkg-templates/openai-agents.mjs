// @meshguard/policy/openai-agents: MeshGuard governance for the OpenAI Agents SDK
// (@openai/agents >= 0.20). Policy checks run inside the SDK's own extension points:
// tool input guardrails and `needsApproval` for function tools, `isEnabled` and
// `onInvokeHandoff` for handoffs, an agent input guardrail, `getAllTools` for the
// hosted tools, a Computer wrapper for computer use, and a tracing processor for
// the audit trail. The decisions are made by the `MeshGuard` instance you pass.
//
// Per-run state (the delegation chain of each agent, pending approvals, cached
// offers) lives in a symbol-keyed slot on the run's `RunContext`, so it follows
// the run across approval interruptions and is never shared between runs.

import { Handoff, RunContext, RunState, generateTraceId, getCurrentTrace, handoff as sdkHandoff, run as sdkRun, tool as sdkTool, withTrace } from "@openai/agents";
import { describe, isPlainObject, requireAction } from "./lib/args.js";
import { MeshGuardError, PolicyDeniedError } from "./lib/errors.js";

const RUN = Symbol.for("meshguard.openai-agents.run");
const GOVERNED = Symbol.for("meshguard.openai-agents.governed");
/** Stands for a delegation chain this adapter did not see being built. */
const UNKNOWN_CHAIN = Symbol("unknown chain");

/** The actions the hosted (server-side) tools are checked as, unless `actions` says otherwise. */
export const HOSTED_TOOL_ACTIONS = Object.freeze({
  web_search: "read:web_search",
  file_search: "read:file_search",
  code_interpreter: "execute:code_interpreter",
  image_generation: "write:image_generation",
});

/** Text of a denied tool call, as the model receives it. */
const blockedMessage = (decision) =>
  decision.decision === "require_approval"
    ? `Action blocked by policy: ${decision.reason} (it needs a person's approval, and none was given)`
    : `Action blocked by policy: ${decision.reason}`;

// ---------------------------------------------------------------------------
// Arguments

function requireMesh(options, fn) {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new MeshGuardError(`${fn} needs options with a MeshGuard: { mesh }; got ${describe(options)}`);
  }
  const { mesh } = options;
  if (!mesh || typeof mesh.check !== "function" || typeof mesh.auditLog !== "function") {
    throw new MeshGuardError(`${fn} needs { mesh }: a MeshGuard instance; got ${describe(mesh)}`);
  }
  return mesh;
}

function requireAgent(agent, fn) {
  if (!agent || typeof agent !== "object" || typeof agent.name !== "string") {
    throw new MeshGuardError(`${fn} needs an Agent; got ${describe(agent)}`);
  }
}


// ---------------------------------------------------------------------------
// Identities

function checkIdentity(identity, agent) {
  if (!isPlainObject(identity) || typeof identity.id !== "string" || identity.id.length === 0) {
    throw new MeshGuardError(`the MeshGuard identity of agent ${JSON.stringify(agent?.name)} must be an object with a non-empty string id; got ${describe(identity)}`);
  }
  return Object.freeze({ ...identity, name: identity.name ?? agent?.name ?? identity.id, tags: identity.tags ? [...identity.tags] : undefined });
}

/**
 * Which MeshGuard identity (`{id, name, trustTier, tags, orgId}`) each SDK agent
 * acts as. Unregistered agents act as `{ id: agent.name, name: agent.name }`.
 */
class AgentRegistry {
  #byAgent = new WeakMap();
  #byName = new Map();

  /** Registers the identity `agent` acts as; returns the registry. */
  set(agent, identity) {
    requireAgent(agent, "meshguardAgents.set");
    const id = checkIdentity(identity, agent);
    this.#byAgent.set(agent, id);
    this.#byName.set(agent.name, id);
    return this;
  }

  /** The identity registered for `agent`, if any. */
  get(agent) {
    return agent ? this.#byAgent.get(agent) : undefined;
  }

  has(agent) {
    return this.#byAgent.has(agent);
  }

  delete(agent) {
    if (agent && this.#byName.get(agent.name) === this.#byAgent.get(agent)) this.#byName.delete(agent.name);
    return this.#byAgent.delete(agent);
  }

  /** The identity `agent` acts as: the registered one, else `{id: name, name}`. */
  identityOf(agent) {
    return this.#byAgent.get(agent) ?? { id: agent.name, name: agent.name };
  }

  /** The identity of the agent with this SDK name (trace spans carry only names). */
  identityByName(name) {
    return this.#byName.get(name) ?? { id: name, name };
  }
}

/** The registry of MeshGuard identities of SDK agents. */
export const meshguardAgents = new AgentRegistry();

/** Agents that some governed handoff leads to: they may act as delegates. */
const handoffTargets = new WeakSet();

// ---------------------------------------------------------------------------
// Per-run state

/** The adapter's state for one run, kept on its RunContext. */
function runState(runContext) {
  if (!runContext || typeof runContext !== "object") {
    throw new MeshGuardError("the OpenAI Agents SDK passed no run context; is @openai/agents >= 0.20 installed?");
  }
  let s = runContext[RUN];
  if (!s) {
    s = {
      /** SDK agent -> the delegators above it (MeshGuard identities, root first). */
      chains: new Map(),
      /** The agent whose turn it is, as last seen by a governed callback. */
      currentAgent: undefined,
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

function traceIdOf(s) {
  if (s.traceId) return s.traceId;
  const id = getCurrentTrace()?.traceId;
  return id && id !== "no-op" ? id : undefined;
}

function chainOf(s, agent) {
  const chain = s.chains.get(agent);
  if (chain) return chain;
  // A delegate we never saw arrive: its delegators are unknown, so fail closed.
  if (s.lateStart && handoffTargets.has(agent)) return UNKNOWN_CHAIN;
  return [];
}

const chainKey = (chain) => chain.map((a) => a.id).join(">");

function unknownChainDecision(mesh, action, identity, traceId) {
  const reason = `MeshGuard does not know which agents delegated to ${identity.name} in this run (a RunState restored without meshguardRestore, or an ungoverned handoff), so it refuses`;
  mesh.auditLog({ action, decision: "deny", agent: identity, traceId, reason, metadata: { rule: "unknownChain" } });
  return { allowed: false, decision: "deny", action, agentId: identity.id, policy: null, rule: "unknownChain", reason, traceId, timestamp: new Date().toISOString(), mode: "enforce", enforced: true };
}

/** `mesh.check` as `agent`, under its chain and the run's trace id. */
function checkAs(mesh, action, s, agent, { context, metadata, identity } = {}) {
  const who = identity ?? (agent ? meshguardAgents.identityOf(agent) : undefined);
  const chain = agent ? chainOf(s, agent) : [];
  const traceId = traceIdOf(s);
  if (chain === UNKNOWN_CHAIN) return unknownChainDecision(mesh, action, who, traceId);
  const options = { chain, context, metadata };
  if (who) options.agent = who; // else the MeshGuard's default agent
  if (traceId) options.traceId = traceId;
  return mesh.check(action, options);
}

/** Records the outcome of approvals a person decided since we last looked. */
function settleApprovals(s, runContext) {
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

// ---------------------------------------------------------------------------
// Function tools

function parseArguments(text) {
  if (typeof text !== "string" || text.length === 0) return {};
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

function defaultContext(input) {
  return isPlainObject(input) ? input : input === undefined ? {} : { input };
}

function contextFor(contextFrom, input, details, action) {
  const context = contextFrom(input, details);
  if (context !== undefined && !isPlainObject(context)) {
    throw new MeshGuardError(`contextFrom for ${action} must return an object; got ${describe(context)}`);
  }
  return context ?? {};
}

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
    const identity = meshguardAgents.identityOf(agent);
    const context = contextFor(contextFrom, input, { agent, runContext, callId, toolName: tool.name }, action);
    const decision = checkAs(mesh, action, s, agent, { context, metadata: { tool: tool.name, call_id: callId } });
    s.decisions.set(callId, { decision, agent });
    const ask = (!decision.allowed && decision.decision === "require_approval") || (decision.allowed && wanted);
    if (ask) s.awaiting.set(callId, { mesh, action, identity, decision, toolName: tool.name, traceId: traceIdOf(s) });
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
      let decision = cached && cached.agent === agent ? cached.decision : undefined;
      if (!decision) {
        const input = parseArguments(toolCall.arguments);
        const context = contextFor(contextFrom, input, { agent, runContext, callId, toolName: tool.name }, action);
        decision = checkAs(mesh, action, s, agent, { context, metadata: { tool: tool.name, call_id: callId } });
      }
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
      if (decision.allowed) {
        done();
        return { behavior: { type: "allow" }, outputInfo: { decision } };
      }
      done();
      return { behavior: { type: "rejectContent", message: blockedMessage(decision) }, outputInfo: { decision } };
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

// ---------------------------------------------------------------------------
// Handoffs

/**
 * Whether `from` may hand off to `target`, decided once per run, agent and chain.
 * Offering is not handing off: an allowed offer is decided without recording it
 * (the handoff is recorded when taken); a refused one is recorded.
 */
function handoffOffer(mesh, s, from, targetIdentity) {
  const fromIdentity = meshguardAgents.identityOf(from);
  const chain = chainOf(s, from);
  const traceId = traceIdOf(s);
  if (chain === UNKNOWN_CHAIN) return unknownChainDecision(mesh, `handoff:${targetIdentity.name}`, fromIdentity, traceId);
  const key = `handoff|${fromIdentity.id}|${targetIdentity.id}|${chainKey(chain)}`;
  let decision = s.cache.get(key);
  if (!decision) {
    const options = { chain, metadata: { offered: false } };
    if (traceId) options.traceId = traceId;
    decision = mesh.explainHandoff(fromIdentity, targetIdentity, options);
    if (!decision.allowed) decision = mesh.checkHandoff(fromIdentity, targetIdentity, options);
    s.cache.set(key, decision);
  }
  return decision;
}

/** Records the handoff `from` -> `target` as it is taken; returns the decision. */
function takeHandoff(mesh, s, from, targetIdentity) {
  const options = { chain: chainOf(s, from) };
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
  const s = runState(state._context);
  // Seen from the start of the run, the chains are known; rebuild them only once.
  if (!s.lateStart || s.restored) return state;
  s.restored = true;
  const handoffs = (state._generatedItems ?? []).filter((item) => item?.type === "handoff_output_item");
  // The run began with the source of its first handoff, or with the current agent.
  const root = handoffs[0]?.sourceAgent ?? state._currentAgent;
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
      const s = args.runContext?.[RUN];
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
      }
      if (s && args.kind === "approval_rejected") settleApprovals(s, args.runContext);
      return userFormatter ? userFormatter(args) : undefined;
    },
  };
}

// ---------------------------------------------------------------------------
// Input guardrail

function inputLength(input) {
  if (typeof input === "string") return input.length;
  try {
    return JSON.stringify(input)?.length ?? 0;
  } catch {
    return 0;
  }
}

/**
 * An agent input guardrail that checks `invoke:<agent name>` before the model is
 * called (`runInParallel: false`), with context `{ input_length }`. A decision
 * other than allow trips `InputGuardrailTripwireTriggered`; `outputInfo` holds
 * `{allowed, decision, reason, policy, rule, action}`.
 */
export function meshguardInputGuardrail(options) {
  const mesh = requireMesh(options, "meshguardInputGuardrail");
  const name = options.name ?? "meshguard";
  const contextFrom = options.contextFrom ?? ((input) => ({ input_length: inputLength(input) }));
  return {
    name,
    runInParallel: false,
    execute: async ({ agent, input, context: runContext }) => {
      const s = runState(runContext);
      s.currentAgent = agent;
      const identity = meshguardAgents.identityOf(agent);
      const action = `invoke:${identity.name}`;
      const context = contextFor(contextFrom, input, { agent, runContext }, action);
      const d = checkAs(mesh, action, s, agent, { context, metadata: { guardrail: name } });
      return {
        tripwireTriggered: !d.allowed,
        outputInfo: { allowed: d.allowed, decision: d.decision, reason: d.reason, policy: d.policy, rule: d.rule, action },
      };
    },
  };
}

// ---------------------------------------------------------------------------
// Hosted tools

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

function hostedAllowed(mesh, s, agent, name, actions) {
  const action = hostedAction(name, actions);
  const identity = meshguardAgents.identityOf(agent);
  const chain = chainOf(s, agent);
  if (chain === UNKNOWN_CHAIN) return false;
  const key = `hosted|${identity.id}|${name}|${chainKey(chain)}`;
  let allowed = s.cache.get(key);
  if (allowed === undefined) {
    // Offering is not using: ask without recording, and record only a refusal.
    const options = { agent: identity, chain };
    allowed = mesh.explain(action, options).allowed;
    if (!allowed) {
      const d = checkAs(mesh, action, s, agent, { metadata: { hosted_tool: name, removed_from_request: true } });
      allowed = d.allowed;
    }
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
  const runContext = result?.runContext ?? result?.state?._context;
  if (!runContext) throw new MeshGuardError("auditHostedToolCalls needs a run result");
  const s = runState(runContext);
  const decisions = [];
  for (const item of result.newItems ?? []) {
    const raw = item.rawItem;
    if (raw?.type !== "hosted_tool_call" || s.audited.has(raw)) continue;
    s.audited.add(raw);
    const name = String(raw.name ?? raw.providerData?.type ?? "hosted_tool").replace(/_call$/, "");
    const action = hostedAction(name, options.actions);
    decisions.push(
      checkAs(mesh, action, s, item.agent, {
        context: hostedContext(raw),
        metadata: { hosted_tool: name, call_id: raw.id, status: raw.status, executed_by: "openai" },
      }),
    );
  }
  return decisions;
}

// ---------------------------------------------------------------------------
// Computer use

const COMPUTER_ACTIONS = {
  click: (x, y, button) => ({ target: `${x},${y}`, button }),
  doubleClick: (x, y) => ({ target: `${x},${y}` }),
  move: (x, y) => ({ target: `${x},${y}` }),
  scroll: (x, y, scrollX, scrollY) => ({ target: `${x},${y}`, scroll_x: scrollX, scroll_y: scrollY }),
  drag: (path) => ({ target: (path ?? []).map((p) => (Array.isArray(p) ? p.join(",") : `${p.x},${p.y}`)).join(" -> ") }),
  type: (text) => ({ target: String(text ?? "").slice(0, 100) }),
  keypress: (keys) => ({ target: (Array.isArray(keys) ? keys : [keys]).join("+") }),
  wait: () => ({ target: "" }),
  screenshot: () => ({ target: "" }),
};
const ACTION_TYPES = { doubleClick: "double_click" };

function wrapComputer(inner, mesh, runContext, options) {
  const s = runState(runContext);
  let screenshotOwed = false;
  const wrapped = {
    get environment() {
      return inner.environment;
    },
    get dimensions() {
      return inner.dimensions;
    },
  };
  for (const [method, contextOf] of Object.entries(COMPUTER_ACTIONS)) {
    if (typeof inner[method] !== "function") continue;
    wrapped[method] = async (...args) => {
      // The SDK takes a screenshot after every action; it belongs to that action.
      if (method === "screenshot" && screenshotOwed) {
        screenshotOwed = false;
        return inner.screenshot();
      }
      screenshotOwed = false;
      const agent = options.agent ?? s.currentAgent;
      const context = { action_type: ACTION_TYPES[method] ?? method, ...contextOf(...args) };
      for (const k of Object.keys(context)) if (context[k] === undefined) delete context[k];
      const decision = checkAs(mesh, "execute:computer_use", s, agent, { context, identity: options.identity, metadata: { tool: "computer" } });
      if (!decision.allowed) throw new PolicyDeniedError(decision);
      const out = await inner[method](...args);
      if (method !== "screenshot") screenshotOwed = true;
      return out;
    };
  }
  return wrapped;
}

/**
 * Governs computer use: returns a computer provider for `computerTool({ computer })`
 * whose every action is checked as `execute:computer_use` with context
 * `{ action_type, target }` before it reaches `computer`; a refused action throws
 * PolicyDeniedError (the SDK records it and the action never runs). `computer`
 * may be a Computer, an initializer or a provider. It acts as `agent` (an SDK
 * Agent) or `identity`, else as the agent whose turn it is.
 */
export function governedComputer(computer, options) {
  const mesh = requireMesh(options, "governedComputer");
  if (!computer || (typeof computer !== "object" && typeof computer !== "function")) {
    throw new MeshGuardError(`governedComputer needs a Computer; got ${describe(computer)}`);
  }
  const opts = { agent: options.agent, identity: options.identity && checkIdentity(options.identity, options.agent) };
  const provider = typeof computer === "function" ? { create: computer } : typeof computer.create === "function" && typeof computer.click !== "function" ? computer : null;
  const inners = new WeakMap();
  return {
    create: async ({ runContext }) => {
      const inner = provider ? await provider.create({ runContext }) : computer;
      const wrapped = wrapComputer(inner, mesh, runContext, opts);
      inners.set(wrapped, inner);
      return wrapped;
    },
    dispose: async ({ runContext, computer: wrapped }) => {
      if (provider?.dispose) await provider.dispose({ runContext, computer: inners.get(wrapped) });
    },
  };
}

// ---------------------------------------------------------------------------
// Audit from the run

const clip = (v, n = 200) => (typeof v === "string" ? (v.length > n ? `${v.slice(0, n)}…` : v) : v);

/**
 * A tracing processor (for `addTraceProcessor` / `setTraceProcessors`) that writes
 * the run's agent, function-tool, handoff and guardrail spans into the audit
 * trail as `trace:agent:<name>`, `trace:tool:<name>`, `trace:handoff:<to>` and
 * `trace:guardrail:<name>`, under the SDK's trace id. A span with an error, or a
 * tripped guardrail, is recorded as deny. Audit failures go to `onError`.
 */
export function meshguardTraceProcessor(options) {
  const mesh = requireMesh(options, "meshguardTraceProcessor");
  const onError = options.onError ?? ((e) => console.error(`[meshguard] could not audit a trace span: ${e?.message ?? e}`));
  const agentOfSpan = new Map();
  const agentOf = (span) => {
    const name = agentOfSpan.get(span.parentId);
    return name === undefined ? undefined : meshguardAgents.identityByName(name);
  };
  const record = (entry) => {
    try {
      mesh.auditLog(entry);
    } catch (e) {
      onError(e);
    }
  };
  return {
    async onTraceStart() {},
    async onTraceEnd() {},
    async onSpanStart(span) {
      const d = span.spanData;
      if (d?.type === "agent") agentOfSpan.set(span.spanId, d.name);
      else if (d?.type === "turn" && d.agent_name) agentOfSpan.set(span.spanId, d.agent_name);
      else if (span.parentId && agentOfSpan.has(span.parentId)) agentOfSpan.set(span.spanId, agentOfSpan.get(span.parentId));
    },
    async onSpanEnd(span) {
      const d = span.spanData ?? {};
      const error = span.error ? clip(span.error.data?.error ?? span.error.message) : undefined;
      const base = { traceId: span.traceId, metadata: { span: d.type, span_id: span.spanId } };
      let entry;
      switch (d.type) {
        case "agent":
          entry = { action: `trace:agent:${d.name}`, agent: meshguardAgents.identityByName(d.name), metadata: { tools: d.tools, handoffs: d.handoffs }, reason: "agent ran" };
          break;
        case "function": {
          // A call a governed tool's guardrail refused ends normally, with the refusal as its output.
          const refused = typeof d.output === "string" && d.output.startsWith("Action blocked by policy: ");
          entry = { action: `trace:tool:${d.name}`, agent: agentOf(span), metadata: { input: clip(d.input), output: clip(d.output) }, denied: refused, reason: refused ? clip(d.output) : "tool ran" };
          break;
        }
        case "handoff":
          entry = { action: `trace:handoff:${d.to_agent}`, agent: d.from_agent ? meshguardAgents.identityByName(d.from_agent) : undefined, metadata: { from_agent: d.from_agent, to_agent: d.to_agent }, reason: "handed off" };
          break;
        case "guardrail":
          entry = { action: `trace:guardrail:${d.name}`, agent: agentOf(span), metadata: { triggered: Boolean(d.triggered) }, denied: Boolean(d.triggered), reason: d.triggered ? "guardrail tripped" : "guardrail passed" };
          break;
      }
      agentOfSpan.delete(span.spanId);
      if (!entry) return;
      const denied = entry.denied || error !== undefined;
      const metadata = { ...base.metadata, ...entry.metadata };
      if (error !== undefined) metadata.error = error;
      for (const k of Object.keys(metadata)) if (metadata[k] === undefined || metadata[k] === "") delete metadata[k];
      const out = { action: entry.action, decision: denied ? "deny" : "allow", reason: error ?? entry.reason, traceId: base.traceId, metadata };
      if (entry.agent) out.agent = entry.agent;
      record(out);
    },
    async shutdown() {},
    async forceFlush() {},
  };
}

/**
 * Runs `agent` with MeshGuard's run options under one trace id, recording
 * `session:start` (or `session:resume` for a RunState) and `session:complete`
 * (metadata `trace_id`, `user_id`, `agent`, `final_agent`, `output_length`), or
 * `session:interrupted` / `session:error`, and auditing hosted tool calls.
 * Returns `{ output, traceId, finalAgent, result }`; resume an interrupted run by
 * passing `result.state` as `input`.
 */
export async function runWithAudit(agent, input, options) {
  requireAgent(agent, "runWithAudit");
  const mesh = requireMesh(options, "runWithAudit");
  const { mesh: _m, userId, runner, workflowName, traceId: givenTraceId, hostedActions, stream, ...runOptions } = options;
  if (stream) throw new MeshGuardError("runWithAudit does not stream; use run() with meshguardRunOptions() to stream");
  const resuming = input instanceof RunState;
  if (resuming) meshguardRestore(input);
  const runContext = resuming ? input._context : runOptions.context instanceof RunContext ? runOptions.context : new RunContext(runOptions.context);
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

  const go = () => (runner ?? { run: sdkRun }).run(agent, input, meshguardRunOptions(runOptions));
  let result;
  try {
    result = current ? await go() : await withTrace(workflowName ?? `governed-${agent.name}`, go, { traceId });
  } catch (e) {
    mesh.auditLog({ action: "session:error", decision: "deny", agent: identity, traceId, reason: clip(String(e?.message ?? e), 500), metadata: { ...session, error: e?.name ?? "Error" } });
    throw e;
  }
  auditHostedToolCalls(result, { mesh, actions: hostedActions });
  settleApprovals(s, runContext);
  const finalAgent = result.lastAgent?.name;
  if (result.interruptions?.length) {
    mesh.auditLog({
      action: "session:interrupted",
      decision: "require_approval",
      agent: identity,
      traceId,
      reason: "waiting for a person's approval",
      metadata: { ...session, final_agent: finalAgent, pending: result.interruptions.map((i) => i.name ?? i.rawItem?.name) },
    });
    return { output: undefined, traceId, finalAgent, result };
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
  return { output, traceId, finalAgent, result };
}
