// Runs a conformance vector file through the public API. The file is parsed, and
// each result judged, by the same Rust code the native runner uses.

import { ConformanceSuite } from "../glue/meshguard_policy.js";
import { MeshGuard } from "./api.js";
import { describe } from "./args.js";
import { MeshGuardError, PolicyError, fromCore } from "./errors.js";

/** The fields of a decision that a case's `expect` can name. */
export function observed(decision) {
  const { decision: effect, allowed, policy, rule, reason } = decision;
  return { decision: effect, allowed, policy, rule, reason };
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
 * agents, cases, invalid}`, each case with its line and its agents resolved, policies
 * as texts. For tools that list or edit a file's cases.
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
 * every invalid document. Returns `{file, results, passed, rules, loadError}`; each
 * result is `{name, line, kind, failure, skipped, expected, decision}`, and with
 * `explain: true` each case's result carries its `explanation` too. `filter` picks
 * the cases to run by name (the rest are reported skipped); `policies` are loaded
 * after the file's own.
 */
export function runConformance(text, { file = "vectors.yaml", filter, policies = [], explain = false } = {}) {
  if (filter !== undefined && typeof filter !== "function") {
    throw new MeshGuardError(`filter must be a function of a case's name; got ${describe(filter)}`);
  }
  if (!Array.isArray(policies)) throw new MeshGuardError(`policies must be an array; got ${describe(policies)}`);
  const suite = parse(text, file);
  try {
    const data = JSON.parse(suite.toJSON());
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
      results.push({ name: "policies load", line: 1, kind: "check", failure: String(e.message), skipped: false, expected: null, decision: null });
      return { file, results, passed: false, rules: [], loadError: e };
    }
    data.cases.forEach((c, i) => {
      const kind = c.check ? "check" : "handoff";
      const result = { name: c.name, line: c.line, kind, failure: null, skipped: !runs(c.name), expected: c.expect, decision: null };
      results.push(result);
      if (result.skipped) return;
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
        result.failure = suite.verifyCase(i, JSON.stringify(observed(result.decision))) ?? null;
      } catch (e) {
        result.failure = `threw ${e.name}: ${e.message}`;
      }
    });
    data.invalid.forEach((doc, i) => {
      const result = { name: doc.name, line: doc.line, kind: "invalid", failure: null, skipped: !runs(doc.name), expected: doc.expectError, decision: null };
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
