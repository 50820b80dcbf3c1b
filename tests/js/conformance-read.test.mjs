// Vector files through the package's own API: reading a file's cases, and running
// them with each case's decision and explanation (what the playground's test table shows).
import assert from "node:assert/strict";
import { test } from "node:test";

import { MeshGuardError, readConformance, runConformance } from "@meshguard/policy";

const file = `description: refunds
options: {mode: enforce, maxDelegationDepth: 3}
policies:
  - |
    name: refunds
    rules:
      - {name: small, effect: allow, actions: ["write:refund"], conditions: {amount_max: 100}}
      - {name: large, effect: deny, actions: ["write:refund"], reason: Too large}
agents:
  support: {id: agent_support, name: Support, trustTier: verified}
cases:
  - name: a small refund is allowed
    agent: support
    action: write:refund
    context: {amount: 50}
    expect: {decision: allow, rule: small}
  - name: a wrong expectation fails
    agent: support
    action: write:refund
    context: {amount: 500}
    now: "2026-11-26T10:00:00Z"
    expect: {decision: allow}
  - name: support hands off to itself
    handoff: {from: support, to: support}
    expect: {decision: deny, rule: cycle}
invalid:
  - name: a typo
    policy: "name: t\\nrules: [{effect: allow, actions: [x], conditions: {amount_mx: 1}}]"
    expectError: {pathContains: amount_mx}
`;

test("readConformance lists a file's cases with their lines and resolved agents", () => {
  const read = readConformance(file, { file: "refunds.yaml" });
  assert.equal(read.file, "refunds.yaml");
  assert.equal(read.description, "refunds");
  assert.deepEqual(read.options, { mode: "enforce", maxDelegationDepth: 3 });
  assert.equal(read.policies.length, 1);
  assert.match(read.policies[0], /^name: refunds\n/);
  assert.deepEqual(
    read.cases.map((c) => [c.name, c.line]),
    [["a small refund is allowed", 12], ["a wrong expectation fails", 17], ["support hands off to itself", 23]],
  );
  assert.deepEqual(read.cases[0].check, {
    agent: { id: "agent_support", name: "Support", trustTier: "verified", tags: [] },
    action: "write:refund",
    resource: null,
  });
  assert.deepEqual(read.cases[0].context, { amount: 50 });
  assert.deepEqual(read.cases[0].expect, { decision: "allow", allowed: null, policy: null, rule: "small", reasonContains: null });
  assert.equal(read.cases[1].now, "2026-11-26T10:00:00Z");
  assert.equal(read.cases[2].handoff.to.id, "agent_support");
  assert.deepEqual(read.invalid.map((d) => [d.name, d.line, d.expectError.pathContains]), [["a typo", 27, "amount_mx"]]);
});

test("a malformed vector file is a MeshGuardError naming the file and line", () => {
  for (const read of [readConformance, runConformance]) {
    assert.throws(
      () => read("cases:\n  - name: x\n    agnet: a\n", { file: "bad.yaml" }),
      (e) => e instanceof MeshGuardError && e.code === "invalid_argument" && /bad\.yaml:3/.test(e.message) && /agnet/.test(e.message),
    );
  }
});

test("runConformance reports what each case decided, failing or not", () => {
  const report = runConformance(file, { file: "refunds.yaml" });
  assert.equal(report.passed, false);
  const [small, wrong, cycle, typo] = report.results;
  assert.equal(small.failure, null);
  assert.equal(small.decision.rule, "small");
  assert.match(wrong.failure, /deny/);
  assert.equal(wrong.decision.decision, "deny");
  assert.equal(wrong.decision.rule, "large");
  assert.equal(cycle.decision.rule, "cycle");
  assert.ok(Array.isArray(cycle.decision.chain));
  assert.deepEqual([typo.failure, typo.decision], [null, null]);
  assert.equal("explanation" in small, false, "explanations only when asked");
});

test("runConformance with explain gives each case the path taken, deciding the same", () => {
  const plain = runConformance(file).results.map((r) => r.decision?.rule ?? null);
  const report = runConformance(file, { explain: true });
  assert.deepEqual(report.results.map((r) => r.decision?.rule ?? null), plain);
  const [small, , cycle] = report.results;
  const rules = small.explanation.policies[0].rules;
  assert.deepEqual(rules.map((r) => [r.rule, r.outcome]), [["small", "matched"]]);
  assert.equal(rules[0].conditions[0].value, "true");
  assert.deepEqual(cycle.explanation.delegation.map((s) => [s.check, s.passed]), [["cycle", false]]);
});

test("explaining spends no rate limit: the cases decide as without it", () => {
  const limited = `policies:
  - "name: rl\\nrules: [{name: once, effect: allow, actions: [x], conditions: {rateLimit: {requestsPerMinute: 1}}}]"
agents: {a: {id: a}}
cases:
  - {name: first, agent: a, action: x, now: "2026-11-26T10:00:00Z", expect: {decision: allow}}
  - {name: second, agent: a, action: x, now: "2026-11-26T10:00:01Z", expect: {decision: deny}}
`;
  assert.equal(runConformance(limited, { explain: true }).passed, true);
});
