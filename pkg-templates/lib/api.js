// The public API of @meshguard/policy. A thin layer: it checks argument types,
// moves JSON across to the WebAssembly core, and raises errors as classes. Every
// decision is made in Rust.

import { Core, issueAgentToken as coreIssue, verifyAudit as coreVerify } from "../glue/meshguard_policy.js";
import { describe, requireAction, requireObject } from "./args.js";
import { MeshGuardError, PolicyDeniedError, fromCore } from "./errors.js";

export { MeshGuardError, PolicyError, PolicyDeniedError, TokenError } from "./errors.js";

/** Set once the WebAssembly instance has trapped; every later call fails closed. */
let poisoned = null;

/** Runs a core call, translating what it throws. */
function call(fn) {
  if (poisoned !== null) {
    throw new MeshGuardError(
      `the policy engine stopped after an internal failure (${poisoned}); reload the module`,
      "engine_failed",
    );
  }
  try {
    return fn();
  } catch (e) {
    if (typeof e === "string") throw fromCore(e);
    if (e instanceof WebAssembly.RuntimeError) {
      poisoned = e.message;
      throw new MeshGuardError(`the policy engine failed: ${e.message}`, "engine_failed");
    }
    throw e;
  }
}

function json(value, what) {
  try {
    return JSON.stringify(value ?? {});
  } catch (e) {
    throw new MeshGuardError(`${what}: ${e.message}`);
  }
}

function randomBytes(n) {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

function base64url(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Secrets may be text or bytes; bytes cross as base64url. */
function secretFields(options) {
  const { secret, ...rest } = options;
  if (secret instanceof Uint8Array) return { ...rest, secretBase64url: base64url(secret) };
  return secret === undefined ? rest : { ...rest, secret };
}

/**
 * Policy texts with their names, as two arrays of strings. They cross into the core
 * as strings of their own, not inside the options' JSON, so the core's size limit
 * refuses an oversized text before anything escapes or parses it.
 */
function policyList(policies) {
  if (!Array.isArray(policies)) {
    throw new MeshGuardError(`policies must be an array of YAML or JSON texts; got ${describe(policies)}`);
  }
  const names = [];
  const texts = [];
  policies.forEach((p, i) => {
    if (typeof p === "string") {
      names.push(`policies[${i}]`);
      texts.push(p);
    } else if (p && typeof p === "object" && typeof p.text === "string") {
      names.push(String(p.name ?? `policies[${i}]`));
      texts.push(p.text);
    } else if (p && typeof p === "object") {
      names.push(`policies[${i}]`);
      texts.push(JSON.stringify(p));
    } else {
      throw new MeshGuardError(`policies[${i}] must be a policy text, {name, text}, or a policy object; got ${describe(p)}`);
    }
  });
  return { names, texts };
}

/**
 * Decisions repeat: the same agent, action and rule give the same JSON but for the
 * timestamp, which the core writes last. What was parsed is reused, for a fresh
 * object each time.
 */
const parsed = new Map();
const TIMESTAMP = ',"timestamp":"';

function parseDecision(text) {
  const cut = text.lastIndexOf(TIMESTAMP);
  const key = text.slice(0, cut);
  let d = parsed.get(key);
  if (d === undefined) {
    if (parsed.size >= 1024) parsed.clear();
    d = JSON.parse(`${key}}`);
    parsed.set(key, d);
  }
  return {
    allowed: d.allowed,
    decision: d.decision,
    action: d.action,
    agentId: d.agentId,
    policy: d.policy,
    rule: d.rule,
    reason: d.reason,
    traceId: d.traceId,
    timestamp: text.slice(cut + TIMESTAMP.length, -2),
    mode: d.mode,
    enforced: d.enforced,
  };
}

/** The JSON arguments of a handoff call: `fromAgent` null means the instance's agent. */
function handoffArgs(fromAgent, toAgent, options) {
  if (toAgent === undefined) throw new MeshGuardError("a handoff needs the agent to hand off to");
  requireObject(toAgent, "toAgent");
  if (fromAgent != null) requireObject(fromAgent, "fromAgent");
  requireObject(options, "handoff options");
  const from = fromAgent == null ? "null" : json(fromAgent, "fromAgent");
  return [from, json(toAgent, "toAgent"), json(options, "handoff options")];
}

/**
 * A policy engine with an identity and an audit trail. One instance serves many
 * agents: pass `agent` per call, or set a default.
 */
export class MeshGuard {
  #core;
  #onAudit;
  /** Whether the core's own ids are drawn; that waits for the first call, since a
   *  Cloudflare Worker's module scope may not draw random values. */
  #seeded = false;

  constructor(options = {}) {
    requireObject(options, "MeshGuard options");
    const { onAudit, policies = [], verify, ...rest } = options;
    if (onAudit !== undefined && typeof onAudit !== "function") {
      throw new MeshGuardError(`onAudit must be a function; got ${describe(onAudit)}`);
    }
    const { names, texts } = policyList(policies);
    const config = { ...rest };
    if (verify !== undefined) {
      requireObject(verify, "verify");
      config.verify = secretFields(verify);
    }
    this.#core = call(() => new Core(json(config, "MeshGuard options"), names, texts, Date.now(), new Uint8Array(0)));
    this.#onAudit = onAudit;
    if (onAudit) this.#core.setSink(true);
  }

  /** The core, with its trace and audit ids drawn on first use. */
  #ready() {
    if (!this.#seeded) {
      this.#core.reseed(randomBytes(8));
      this.#seeded = true;
    }
    return this.#core;
  }

  /** Hands new audit entries to `onAudit`; a sink that throws makes the call throw. */
  #flush() {
    if (!this.#onAudit) return;
    const entries = JSON.parse(this.#core.takePending());
    let failure;
    for (const entry of entries) {
      try {
        this.#onAudit(entry);
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure) throw failure;
  }

  /** Decides whether the agent may take `action`. Synchronous; never throws for a denial. */
  check(action, options = {}) {
    requireAction(action);
    requireObject(options, "check options");
    const decision = parseDecision(call(() => this.#ready().check(action, json(options, "check options"), Date.now())));
    this.#flush();
    return decision;
  }

  /** Like `check`, but throws `PolicyDeniedError` unless the action is allowed. */
  enforce(action, options = {}) {
    const decision = this.check(action, options);
    if (!decision.allowed) throw new PolicyDeniedError(decision);
    return decision;
  }

  /** Runs `fn(decision)` only when `action` is allowed, and returns its result. */
  async govern(action, fn, options = {}) {
    if (typeof fn !== "function") throw new MeshGuardError(`govern needs a function to run; got ${describe(fn)}`);
    const decision = this.enforce(action, options);
    return await fn(decision);
  }

  /** The decision `check` would make, with the path taken. Records nothing and spends no rate limit. */
  explain(action, options = {}) {
    requireAction(action);
    requireObject(options, "explain options");
    return JSON.parse(call(() => this.#ready().explain(action, json(options, "explain options"), Date.now())));
  }

  /**
   * Decides whether `fromAgent` (the default agent when null) may hand off to
   * `toAgent`. The result's `chain` is what the delegate's checks must carry.
   */
  checkHandoff(fromAgent, toAgent, options = {}) {
    const out = call(() => this.#ready().checkHandoff(...handoffArgs(fromAgent, toAgent, options), Date.now()));
    this.#flush();
    return JSON.parse(out);
  }

  /** The decision `checkHandoff` would make, with the path taken. Records nothing and spends no rate limit. */
  explainHandoff(fromAgent, toAgent, options = {}) {
    return JSON.parse(call(() => this.#ready().explainHandoff(...handoffArgs(fromAgent, toAgent, options), Date.now())));
  }

  /** Replaces every policy at once, or changes nothing and throws `PolicyError`. Returns the warnings. */
  loadPolicies(policies) {
    const { names, texts } = policyList(policies);
    return JSON.parse(call(() => this.#core.loadPolicies(names, texts)));
  }

  /**
   * Whether checks by `agent` (the default agent when null) may spend rate-limit
   * budget: a policy that applies to it has a rule with `rateLimit`. Budgets live in
   * this instance, so a host with many instances (Workers isolates) sends such an
   * agent's checks to one place.
   */
  hasRateLimits(agent = null) {
    if (agent !== null) requireObject(agent, "agent");
    return call(() => this.#core.rateLimits(agent === null ? "null" : json(agent, "agent")));
  }

  /**
   * The rate-limit budget spent in the last hour: `[{ policy, rule, agent, at }]`,
   * `at` in epoch milliseconds. For a host that must keep budgets across a restart
   * (a Durable Object that may be evicted): save it, and give it to `restoreRateLimits`.
   */
  rateLimitsSpent() {
    return JSON.parse(call(() => this.#core.rateLimitsSpent(Date.now())));
  }

  /** Adds budget spent before (what `rateLimitsSpent` gave), or changes nothing and throws. */
  restoreRateLimits(spent) {
    if (!Array.isArray(spent)) throw new MeshGuardError(`restoreRateLimits needs the list rateLimitsSpent gave; got ${describe(spent)}`);
    call(() => this.#core.restoreRateLimits(json(spent, "rate-limit state")));
  }

  /** Warnings about the policies in force (a policy for nobody, an unreachable rule). */
  get warnings() {
    return JSON.parse(call(() => this.#core.warnings()));
  }

  /** Every rule of the policies in force, in load order: `{policy, rule, effect, actions, source, line}`. */
  rules() {
    return JSON.parse(call(() => this.#core.rules()));
  }

  /** The default agent, or null. */
  get agent() {
    return JSON.parse(call(() => this.#core.agent()));
  }

  /** The trace id of calls that bring none. */
  get traceId() {
    return call(() => this.#ready().traceId());
  }

  /** Verifies an agent token with this instance's `verify` settings; returns the agent. */
  verifyAgentToken(token) {
    if (typeof token !== "string") throw new MeshGuardError(`token must be a string; got ${describe(token)}`);
    return JSON.parse(call(() => this.#core.verifyAgentToken(token, Date.now())));
  }

  /** Appends a manual entry (`{action, decision, metadata}`) to the audit trail. */
  auditLog(entry) {
    requireObject(entry, "audit entry");
    if (entry === undefined) throw new MeshGuardError("auditLog needs {action, decision}");
    requireAction(entry.action, "audit entry action");
    const out = call(() => this.#ready().auditLog(json(entry, "audit entry"), Date.now()));
    this.#flush();
    return JSON.parse(out);
  }

  /** Audit entries, newest first: `{limit, agentId, action, decision, traceId, since, until}`. */
  getAuditLog(filter = {}) {
    requireObject(filter, "audit filter");
    return JSON.parse(call(() => this.#core.auditQuery(json(filter, "audit filter"))));
  }

  /** Counts of the entries the trail holds: `{total, allowed, denied, approvalRequired, recorded}`. */
  auditStats() {
    return JSON.parse(call(() => this.#core.auditStats()));
  }

  /** The trail as JSON Lines, oldest first. */
  exportAudit() {
    return call(() => this.#core.exportAudit());
  }

  /** Same as the module's `verifyAudit`. */
  verifyAudit(jsonl) {
    return verifyAudit(jsonl);
  }
}

/** Checks an exported trail: `{ok, entries, firstBadSeq, problem}`. */
export function verifyAudit(jsonl) {
  if (typeof jsonl !== "string") throw new MeshGuardError(`verifyAudit needs the JSON Lines text; got ${describe(jsonl)}`);
  return JSON.parse(call(() => coreVerify(jsonl)));
}

/** Signs an agent token: `{secret}` (HS256) or `{privateKey}` (EdDSA), `expiresIn` seconds. */
export function issueAgentToken(agent, options = {}) {
  requireObject(agent, "agent");
  requireObject(options, "token options");
  return call(() => coreIssue(json(agent, "agent"), json(secretFields(options), "token options"), Date.now()));
}
