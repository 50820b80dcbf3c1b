// Runs a conformance vector file through the public API. The file is parsed, and
// each result judged, by the same Rust code the native runner uses.

import { ConformanceSuite } from "../glue/meshguard_policy.js";
import { MeshGuard } from "./api.js";
import { fromCore, PolicyError } from "./errors.js";

function observed(decision) {
  const { decision: effect, allowed, policy, rule, reason } = decision;
  return JSON.stringify({ decision: effect, allowed, policy, rule, reason });
}

/** Parses a vector file; a malformed one throws `MeshGuardError` naming the file and line. */
function parse(text, file) {
  try {
    return new ConformanceSuite(file, text);
  } catch (e) {
    throw fromCore(e);
  }
}

/**
 * Reads a vector file without running it: `{file, description, options, policies,
 * cases, invalid}`, each case with its line and its agents resolved (the format of
 * the shared conformance README). For tools that list or edit a file's cases.
 */
export function readConformance(text, { file = "vectors.yaml" } = {}) {
  const suite = parse(text, file);
  try {
    return JSON.parse(suite.toJSON());
  } finally {
    suite.free();
  }
}

/**
 * Runs every case of a vector file, in order, against one MeshGuard, then loads
 * every invalid document. Returns `{file, results: [{name, line, failure, decision}],
 * passed}`; with `explain: true` each case's result carries its `explanation` too.
 */
export function runConformance(text, { file = "vectors.yaml", explain = false } = {}) {
  const suite = parse(text, file);
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
      results.push({ name: "policies load", line: 1, failure: String(e.message), decision: null });
      return { file, results, passed: false };
    }
    data.cases.forEach((c, i) => {
      const result = { name: c.name, line: c.line, failure: null, decision: null };
      try {
        const options = { context: c.context ?? {}, chain: c.chain, now: c.now ?? undefined };
        if (c.check) {
          const checkOptions = { ...options, agent: c.check.agent, resource: c.check.resource ?? undefined };
          // `explain` records nothing and spends no rate limit, so the check after it decides the same.
          if (explain) result.explanation = mesh.explain(c.check.action, checkOptions).explanation;
          result.decision = mesh.check(c.check.action, checkOptions);
        } else {
          if (explain) result.explanation = mesh.explainHandoff(c.handoff.from, c.handoff.to, options).explanation;
          result.decision = mesh.checkHandoff(c.handoff.from, c.handoff.to, options);
        }
        result.failure = suite.verifyCase(i, observed(result.decision)) ?? null;
      } catch (e) {
        result.failure = `threw ${e.name}: ${e.message}`;
      }
      results.push(result);
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
      results.push({ name: doc.name, line: doc.line, failure: failure ?? null, decision: null });
    });
    return { file, results, passed: results.every((r) => r.failure === null) };
  } finally {
    suite.free();
  }
}
