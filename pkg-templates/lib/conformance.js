// Runs a conformance vector file through the public API. The file is parsed, and
// each result judged, by the same Rust code the native runner uses.

import { ConformanceSuite } from "../glue/meshguard_policy.js";
import { MeshGuard } from "./api.js";
import { describe } from "./args.js";
import { MeshGuardError, PolicyError, fromCore } from "./errors.js";

function observed(decision) {
  const { decision: effect, allowed, policy, rule, reason } = decision;
  return { decision: effect, allowed, policy, rule, reason };
}

/** Parses a vector file with the core's reader; throws `MeshGuardError` naming the file and line. */
function parseSuite(text, file) {
  let suite;
  try {
    suite = new ConformanceSuite(file, text);
  } catch (e) {
    throw fromCore(e);
  }
  try {
    return { suite, data: JSON.parse(suite.toJSON()) };
  } catch (e) {
    suite.free();
    throw e;
  }
}

/**
 * A vector file as the core reads it: `{options, policies, agents, cases, invalid}`,
 * policies as texts and agents with defaults filled in.
 */
export function parseVectorFile(text, { file = "vectors.yaml" } = {}) {
  const { suite, data } = parseSuite(text, file);
  suite.free();
  return data;
}

/**
 * Runs every case of a vector file, in order, against one MeshGuard, then loads
 * every invalid document. Returns `{file, results, passed, rules, loadError}`; each
 * result is `{name, line, kind, failure, skipped, expected, actual}`.
 */
export function runConformance(text, { file = "vectors.yaml", filter, policies = [] } = {}) {
  if (filter !== undefined && typeof filter !== "function") {
    throw new MeshGuardError(`filter must be a function of a case's name; got ${describe(filter)}`);
  }
  if (!Array.isArray(policies)) throw new MeshGuardError(`policies must be an array; got ${describe(policies)}`);
  const { suite, data } = parseSuite(text, file);
  try {
    const results = [];
    const runs = (name) => filter === undefined || Boolean(filter(name));
    let mesh;
    try {
      mesh = new MeshGuard({
        policies: [...data.policies.map((text, i) => ({ name: `${file}: policies[${i}]`, text })), ...policies],
        mode: data.options.mode,
        maxDelegationDepth: data.options.maxDelegationDepth ?? undefined,
        audit: false,
      });
    } catch (e) {
      results.push({ name: "policies load", line: 1, kind: "check", failure: String(e.message), skipped: false, expected: null, actual: null });
      return { file, results, passed: false, rules: [], loadError: e };
    }
    data.cases.forEach((c, i) => {
      const kind = c.check ? "check" : "handoff";
      const result = { name: c.name, line: c.line, kind, failure: null, skipped: !runs(c.name), expected: c.expect, actual: null };
      results.push(result);
      if (result.skipped) return;
      const now = c.now ?? undefined;
      try {
        const d = c.check
          ? mesh.check(c.check.action, { agent: c.check.agent, context: c.context ?? {}, resource: c.check.resource ?? undefined, chain: c.chain, now })
          : mesh.checkHandoff(c.handoff.from, c.handoff.to, { context: c.context ?? {}, chain: c.chain, now });
        result.actual = observed(d);
        result.failure = suite.verifyCase(i, JSON.stringify(result.actual)) ?? null;
      } catch (e) {
        result.failure = `threw ${e.name}: ${e.message}`;
      }
    });
    data.invalid.forEach((doc, i) => {
      const result = { name: doc.name, line: doc.line, kind: "invalid", failure: null, skipped: !runs(doc.name), expected: doc.expectError, actual: null };
      results.push(result);
      if (result.skipped) return;
      try {
        new MeshGuard({ policies: [{ name: `${file}: invalid '${doc.name}'`, text: doc.policy }], audit: false });
        result.failure = "the document loaded, but it must be refused";
      } catch (e) {
        result.failure = e instanceof PolicyError
          ? suite.verifyInvalid(i, JSON.stringify({ path: e.path ?? "", message: e.message, line: e.line ?? 0 })) ?? null
          : `threw ${e.name}: ${e.message}`;
      }
    });
    return { file, results, passed: results.every((r) => r.failure === null), rules: mesh.rules(), loadError: null };
  } finally {
    suite.free();
  }
}
