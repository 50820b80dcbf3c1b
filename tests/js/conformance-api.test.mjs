// The package's API for policy tests and coverage: `mesh.rules()` lists the rules in
// force; `runConformance` reports what each case expected and decided, skips what a
// filter leaves out, and names the rules it ran against.

import assert from "node:assert/strict";
import { test } from "node:test";
import { MeshGuard, MeshGuardError, PolicyError, runConformance } from "@meshguard/policy";

const POLICIES = `name: refunds
rules:
  - name: small
    effect: allow
    actions: ["write:refund"]
    conditions: {amount_max: 100}
  - {effect: deny, actions: ["write:*", "delete:*"]}
---
name: reads
rules: [{effect: allow, actions: ["read:*"]}]
`;

const VECTORS = `policies:
  - {name: p, rules: [{name: r, effect: allow, actions: [x]}, {name: d, effect: deny, actions: [y]}]}
agents:
  a: {id: agent_a, tags: [t]}
cases:
  - {name: x is allowed, agent: a, action: x, expect: {decision: allow, rule: r}}
  - {name: y is expected wrongly, agent: a, action: y, expect: {decision: allow}}
invalid:
  - {name: bad effect, policy: "name: q\\nrules: [{effect: alow, actions: [z]}]", expectError: {messageContains: effect}}
`;

test("rules() lists every rule in load order with its policy, effect, actions, source and line", () => {
  const mesh = new MeshGuard({ policies: [{ name: "refunds.yaml", text: POLICIES }], audit: false });
  assert.deepEqual(mesh.rules(), [
    { policy: "refunds", rule: "small", effect: "allow", actions: ["write:refund"], source: "refunds.yaml", line: 3 },
    { policy: "refunds", rule: "rule-2", effect: "deny", actions: ["write:*", "delete:*"], source: "refunds.yaml", line: 7 },
    { policy: "reads", rule: "rule-1", effect: "allow", actions: ["read:*"], source: "refunds.yaml", line: 10 },
  ]);
  mesh.loadPolicies(["name: only\nrules: [{effect: deny, actions: [a]}]"]);
  assert.deepEqual(mesh.rules().map((r) => [r.policy, r.rule, r.source]), [["only", "rule-1", "policies[0]"]]);
});

test("runConformance reports each case's expectation and decision, and the rules it ran against", () => {
  const report = runConformance(VECTORS, { file: "t.yaml" });
  assert.equal(report.passed, false);
  assert.equal(report.loadError, null);
  assert.deepEqual(report.results.map((r) => [r.name, r.kind, r.skipped, r.failure === null]), [
    ["x is allowed", "check", false, true],
    ["y is expected wrongly", "check", false, false],
    ["bad effect", "invalid", false, true],
  ]);
  const wrong = report.results[1];
  assert.equal(wrong.expected.decision, "allow");
  assert.deepEqual(wrong.decision, { ...wrong.decision, decision: "deny", allowed: false, policy: "p", rule: "d" });
  assert.match(wrong.failure, /got decision deny \(expected allow\)/);
  assert.deepEqual(report.rules.map((r) => `${r.policy}/${r.rule}`), ["p/r", "p/d"]);
});

test("runConformance runs only what the filter accepts, and loads extra policies after the file's", () => {
  const report = runConformance(VECTORS, { file: "t.yaml", filter: (name) => name.startsWith("x"), policies: [{ name: "more.yaml", text: POLICIES }] });
  assert.equal(report.passed, true);
  assert.deepEqual(report.results.map((r) => r.skipped), [false, true, true]);
  assert.equal(report.results[1].decision, null);
  assert.deepEqual([...new Set(report.rules.map((r) => r.source))], ["t.yaml: policies[0]", "more.yaml"]);
  assert.throws(() => runConformance(VECTORS, { filter: "x" }), MeshGuardError);
});

test("runConformance names a load failure, and throws MeshGuardError for a file it cannot read", () => {
  const report = runConformance("policies: [{name: p, rules: [{effect: alow, actions: [x]}]}]\n", { file: "bad.yaml" });
  assert.equal(report.passed, false);
  assert.ok(report.loadError instanceof PolicyError);
  assert.equal(report.loadError.path, "rules[0].effect");
  assert.deepEqual(report.rules, []);
  assert.throws(() => runConformance("cases: [{name: c}]\n", { file: "c.yaml" }), (e) => e instanceof MeshGuardError && /c\.yaml:1: /.test(e.message));
});
