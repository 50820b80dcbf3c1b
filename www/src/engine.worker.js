// The engine, off the main thread: one MeshGuard from the package's browser entry,
// driven by messages. Every decision, verification and test verdict comes from the
// package; this file only routes requests to it.

import { MeshGuard, PolicyError, issueAgentToken, readConformance, runConformance, verifyAudit } from "@meshguard/policy";

/** The engine of the current mode; its audit trail is the playground's. */
let mesh = null;
let mode = "enforce";
/** Whether the last policies sent loaded; checks wait for a clean load. */
let loaded = false;

function engine() {
  mesh ??= new MeshGuard({ mode });
  return mesh;
}

/** Diagnostics out of a load: `{ok, errors, warnings}`. */
function load({ policies, mode: wanted }) {
  let restarted = false;
  if (wanted && wanted !== mode) {
    mode = wanted;
    mesh = null;
    restarted = true;
  }
  try {
    const warnings = engine().loadPolicies(policies);
    loaded = true;
    return { ok: true, errors: [], warnings, restarted };
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    loaded = false;
    return { ok: false, errors: e.errors, warnings: e.warnings, restarted };
  }
}

function requireLoaded() {
  if (!loaded) throw new Error("the policies have errors: fix them, then check again");
}

function trail() {
  return { entries: engine().getAuditLog({ limit: 500 }), stats: engine().auditStats() };
}

/** Names of the policies that apply to `agent` (an explanation with no chain says). */
function applicable(agent, action) {
  return engine()
    .explain(action, { agent })
    .explanation.policies.filter((p) => p.applies)
    .map((p) => p.policy);
}

/** Whether one of the agent's own policies names this handoff in a rule. */
function named(from, to) {
  const { policies } = engine().explain(`handoff:${to.name ?? to.id}`, { agent: from }).explanation;
  return policies.some((p) => p.applies && p.rules.some((r) => r.matchedPattern?.startsWith("handoff:")));
}

const handlers = {
  load,

  check({ action, options }) {
    requireLoaded();
    // `explain` records nothing and spends no rate limit, so the check after it decides the same.
    const { explanation } = engine().explain(action, options);
    const decision = engine().check(action, options);
    return { decision, explanation, trail: trail() };
  },

  /** Every named handoff between the agents, decided (not recorded) from the chain. */
  graph({ agents, chain, now }) {
    requireLoaded();
    const edges = [];
    for (const from of agents) {
      const at = chain.findIndex((a) => a.id === from.id);
      const above = at >= 0 ? chain.slice(0, at) : [];
      for (const to of agents) {
        if (to.id === from.id || !named(from, to)) continue;
        const d = engine().explainHandoff(from, to, { chain: above, now });
        edges.push({ from: from.id, to: to.id, decision: d.decision, rule: d.rule, policy: d.policy, reason: d.reason });
      }
    }
    return { edges };
  },

  /** One handoff, recorded in the trail, with its explanation and each delegator's policies. */
  handoff({ from, to, chain, now }) {
    requireLoaded();
    const { explanation } = engine().explainHandoff(from, to, { chain, now });
    const decision = engine().checkHandoff(from, to, { chain, now });
    return { decision, explanation, trail: trail() };
  },

  /** For each hop of a chain: the handoff as it stands now, and the delegator's applicable policies. */
  hops({ chain, now }) {
    requireLoaded();
    return chain.slice(1).map((to, i) => {
      const from = chain[i];
      const d = engine().explainHandoff(from, to, { chain: chain.slice(0, i), now });
      return { decision: d.decision, reason: d.reason, rule: d.rule, delegation: d.explanation.delegation, policies: applicable(from, `handoff:${to.name ?? to.id}`) };
    });
  },

  verifyToken({ token, keyType, key }) {
    try {
      const agent = new MeshGuard({ verify: { [keyType]: key }, audit: false }).verifyAgentToken(token);
      return { ok: true, agent };
    } catch (e) {
      return { ok: false, code: e.code ?? "error", message: e.message };
    }
  },

  signToken({ agent, secret }) {
    try {
      return { ok: true, token: issueAgentToken(agent, { secret, expiresIn: 24 * 3600 }) };
    } catch (e) {
      return { ok: false, code: e.code ?? "error", message: e.message };
    }
  },

  readTests({ text }) {
    try {
      return { ok: true, file: readConformance(text, { file: "tests.yaml" }) };
    } catch (e) {
      return { ok: false, message: e.message };
    }
  },

  runTests({ text }) {
    try {
      return { ok: true, report: runConformance(text, { file: "tests.yaml", explain: true }) };
    } catch (e) {
      return { ok: false, message: e.message };
    }
  },

  trail,
  exportAudit: () => engine().exportAudit(),
  verifyAudit: ({ text }) => verifyAudit(text),
};

self.onmessage = ({ data: { id, type, args } }) => {
  try {
    self.postMessage({ id, ok: true, result: handlers[type](args ?? {}) });
  } catch (e) {
    self.postMessage({ id, ok: false, error: { message: e.message, code: e.code } });
  }
};
self.postMessage({ ready: true });
