// Runs a conformance vector file through the public API. The file is parsed, and
// each result judged, by the same Rust code the native runner uses.

import { ConformanceSuite } from "../glue/meshguard_policy.js";
import { MeshGuard } from "./api.js";
import { PolicyError } from "./errors.js";

function observed(decision) {
  const { decision: effect, allowed, policy, rule, reason } = decision;
  return JSON.stringify({ decision: effect, allowed, policy, rule, reason });
}

/**
 * Runs every case of a vector file, in order, against one MeshGuard, then loads
 * every invalid document. Returns `{file, results: [{name, line, failure}], passed}`.
 */
export function runConformance(text, { file = "vectors.yaml" } = {}) {
  const suite = new ConformanceSuite(file, text);
  try {
    const data = JSON.parse(suite.toJSON());
    const results = [];
    let mesh;
    try {
      mesh = new MeshGuard({
        policies: data.policies.map((text, i) => ({ name: `${file}: policies[${i}]`, text })),
        mode: data.options.mode,
        maxDelegationDepth: data.options.maxDelegationDepth ?? undefined,
        audit: false,
      });
    } catch (e) {
      results.push({ name: "policies load", line: 1, failure: String(e.message) });
      return { file, results, passed: false };
    }
    data.cases.forEach((c, i) => {
      const now = c.now ?? undefined;
      let failure;
      try {
        const d = c.check
          ? mesh.check(c.check.action, { agent: c.check.agent, context: c.context ?? {}, resource: c.check.resource ?? undefined, chain: c.chain, now })
          : mesh.checkHandoff(c.handoff.from, c.handoff.to, { context: c.context ?? {}, chain: c.chain, now });
        failure = suite.verifyCase(i, observed(d));
      } catch (e) {
        failure = `threw ${e.name}: ${e.message}`;
      }
      results.push({ name: c.name, line: c.line, failure: failure ?? null });
    });
    data.invalid.forEach((doc, i) => {
      let failure;
      try {
        new MeshGuard({ policies: [{ name: `${file}: invalid '${doc.name}'`, text: doc.policy }], audit: false });
        failure = "the document loaded, but it must be refused";
      } catch (e) {
        failure = e instanceof PolicyError
          ? suite.verifyInvalid(i, JSON.stringify({ path: e.path ?? "", message: e.message, line: e.line ?? 0 }))
          : `threw ${e.name}: ${e.message}`;
      }
      results.push({ name: doc.name, line: doc.line, failure: failure ?? null });
    });
    return { file, results, passed: results.every((r) => r.failure === null) };
  } finally {
    suite.free();
  }
}
