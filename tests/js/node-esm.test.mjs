// The package through its Node ES module entry: the API of the issue, conformance
// vectors, and bad input of every kind.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { MeshGuard, MeshGuardError, PolicyDeniedError, PolicyError, runConformance } from "@meshguard/policy";
import { assertPassed, root, seedPolicy, supportAgent, vectorFiles } from "./support.mjs";

const mesh = () => new MeshGuard({ policies: [seedPolicy()], agent: supportAgent, mode: "enforce" });

test("every conformance vector passes through the package", () => {
  const files = vectorFiles();
  assert.ok(files.length >= 5);
  for (const { file, text } of files) assertPassed(runConformance(text, { file }));
});

test("runConformance reports a vector file with wrong expectations as failing", () => {
  const file = join(root, "tests", "fixtures", "wrong-expectations.yaml");
  const report = runConformance(readFileSync(file, "utf8"), { file });
  assert.equal(report.passed, false);
  assert.equal(report.results.length, 4);
  const failed = report.results.filter((r) => r.failure !== null);
  assert.deepEqual(
    failed.map((r) => r.name),
    [
      "a refund of 50 is wrongly expected to be denied",
      "a refund of 150 is wrongly expected to name rule small",
      "a document that loads is wrongly expected to be refused",
    ],
  );
  assert.match(failed[0].failure, /decision allow \(expected deny\)/);
  assert.match(failed[1].failure, /rule large \(expected small\)/);
  assert.match(failed[2].failure, /must be refused/);
  assert.throws(() => assertPassed(report), /wrongly expected to be denied/);
});

test("the package carries its license and its project's addresses, the same as the crate's", () => {
  const dir = join(process.cwd(), "node_modules", "@meshguard", "policy");
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  assert.equal(pkg.license, "Apache-2.0");
  assert.match(readFileSync(join(dir, "LICENSE"), "utf8"), /Apache License\s+Version 2\.0, January 2004/);
  const repo = pkg.repository.url.replace(/^git\+/, "").replace(/\.git$/, "");
  assert.equal(pkg.homepage, `${repo}#readme`);
  assert.equal(pkg.bugs.url, `${repo}/issues`);
  assert.match(readFileSync(join(root, "Cargo.toml"), "utf8"), new RegExp(`^repository = "${repo}"$`, "m"));
  assert.ok(pkg.keywords.includes("openai-agents"));
  for (const f of pkg.sideEffects) assert.ok(existsSync(join(dir, f)), `${f} is in the package`);
});

test("the .wasm names no directory of the machine that built it", () => {
  const wasm = readFileSync(join(process.cwd(), "node_modules", "@meshguard", "policy", "meshguard_policy_bg.wasm"));
  const cargoHome = process.env.CARGO_HOME ?? join(homedir(), ".cargo");
  for (const dir of [cargoHome, homedir(), root].filter((d) => d.length > 1)) assert.equal(wasm.indexOf(dir), -1, `the .wasm holds ${dir}`);
  assert.notEqual(wasm.indexOf("cargo/registry/"), -1, "dependencies' sources are named from cargo/");
});

test("check returns the decision with the fields of docs/decisions.md", () => {
  const d = mesh().check("write:refund", { context: { amount: 150 }, now: "2026-11-26T10:00:00Z", traceId: "t-1" });
  assert.deepEqual(d, {
    allowed: false,
    decision: "deny",
    action: "write:refund",
    agentId: "agent_support",
    policy: "openai-support-agent-policy",
    rule: "rule-5",
    reason: "Refunds over $100 require manager approval",
    traceId: "t-1",
    timestamp: "2026-11-26T10:00:00Z",
    mode: "enforce",
    enforced: true,
  });
});

test("a check may act as another agent and take Date or millisecond times", () => {
  const m = mesh();
  const other = { id: "agent_x", name: "X", trustTier: "verified", tags: ["support"] };
  assert.equal(m.check("read:order_data", { agent: other }).agentId, "agent_x");
  assert.equal(m.check("write:email", { now: new Date("2026-11-26T10:00:00Z") }).decision, "allow");
  assert.equal(m.check("write:email", { now: Date.parse("2026-11-26T20:00:00Z") }).decision, "deny");
});

test("enforce throws PolicyDeniedError with the action, policy, rule, reason and trace id", () => {
  const m = mesh();
  assert.equal(m.enforce("write:refund", { context: { amount: 50 } }).allowed, true);
  assert.throws(
    () => m.enforce("write:refund", { context: { amount: 150 } }),
    (e) =>
      e instanceof PolicyDeniedError &&
      e.code === "policy_denied" &&
      e.action === "write:refund" &&
      e.rule === "rule-5" &&
      e.policy === "openai-support-agent-policy" &&
      e.reason.includes("manager approval") &&
      e.traceId === m.traceId,
  );
});

test("govern runs the function only when allowed", async () => {
  const m = mesh();
  let runs = 0;
  assert.equal(await m.govern("read:customer_data", async () => ++runs), 1);
  await assert.rejects(m.govern("execute:computer_use", async () => ++runs), PolicyDeniedError);
  assert.equal(runs, 1);
});

test("explain returns the decision and the path taken", () => {
  const x = mesh().explain("write:refund", { context: { amount: 150 } });
  assert.equal(x.decision, "deny");
  const policy = x.explanation.policies[0];
  assert.equal(policy.applies, true);
  const refund = policy.rules.find((r) => r.rule === "rule-4");
  assert.equal(refund.outcome, "conditions_false");
  assert.equal(refund.conditions[0].value, "false");
  assert.match(refund.conditions[0].detail, /150/);
});

test("checkHandoff returns the chain the delegate carries, and the delegate's checks obey the ceiling", () => {
  const policies = [
    "name: tier1\nappliesTo: {agentIds: [tier1]}\nrules:\n  - {effect: allow, actions: [\"handoff:Billing\"]}\ndelegation: {maxDepth: 1, permissionCeiling: [\"read:*\", \"write:refund\"]}\n",
    "name: billing\nappliesTo: {agentIds: [billing]}\nrules:\n  - {effect: allow, actions: [\"read:*\", \"write:*\"]}\n",
  ];
  const tier1 = { id: "tier1", name: "Tier 1" };
  const billing = { id: "billing", name: "Billing" };
  const m = new MeshGuard({ policies, agent: tier1 });
  const x = m.explainHandoff(null, billing);
  assert.equal(x.allowed, true);
  assert.deepEqual(x.explanation.delegation.map((s) => s.check), ["cycle", "maxDelegationDepth", "maxDepth"]);
  assert.equal(m.auditStats().recorded, 0, "explainHandoff records nothing");
  const h = m.checkHandoff(null, billing);
  assert.equal(m.auditStats().recorded, 1);
  assert.equal(h.allowed, true);
  assert.equal(h.action, "handoff:Billing");
  assert.deepEqual(h.chain.map((a) => a.id), ["tier1"]);
  assert.equal(m.check("write:email", { agent: billing }).allowed, true);
  const under = m.check("write:email", { agent: billing, chain: h.chain });
  assert.equal(under.allowed, false);
  assert.equal(under.rule, "permissionCeiling");
  assert.equal(m.checkHandoff(billing, tier1, { chain: h.chain }).rule, "cycle");
});

test("a check or handoff whose chain is marked unknown is denied by the engine and recorded", () => {
  const policies = ["name: all\nrules:\n  - {effect: allow, actions: [\"*\"]}\n"];
  const billing = { id: "billing", name: "Billing" };
  const m = new MeshGuard({ policies });
  assert.equal(m.check("read:x", { agent: billing }).allowed, true);
  const d = m.check("read:x", { agent: billing, chainUnknown: true });
  assert.deepEqual([d.allowed, d.decision, d.rule, d.policy], [false, "deny", "unknownChain", null]);
  assert.match(d.reason, /^unknown delegation chain: the agents that delegated to Billing /);
  const h = m.checkHandoff(billing, { id: "esc", name: "Escalation" }, { chainUnknown: true });
  assert.deepEqual([h.allowed, h.rule, h.action], [false, "unknownChain", "handoff:Escalation"]);
  assert.deepEqual(
    m.getAuditLog({ decision: "deny" }).map((e) => [e.action, e.rule]),
    [["handoff:Escalation", "unknownChain"], ["read:x", "unknownChain"]],
  );
  assert.deepEqual(m.explain("read:x", { agent: billing, chainUnknown: true }).explanation.delegation.map((s) => s.check), ["unknownChain"]);
  assert.throws(() => m.check("read:x", { agent: billing, chainUnknown: "yes" }), /chainUnknown: expected true or false/);
});

test("loadPolicies is atomic and throws PolicyError with line, column and path", () => {
  const m = mesh();
  const bad = "name: typo\nrules:\n  - effect: deny\n    actions: [\"write:refund\"]\n    conditions: {amount_mx: 100}\n";
  assert.throws(
    () => m.loadPolicies([seedPolicy().replace("openai-support-agent-policy", "other"), bad]),
    (e) =>
      e instanceof PolicyError &&
      e.code === "policy_invalid" &&
      e.line === 5 &&
      e.column === 18 &&
      e.path === "rules[0].conditions.amount_mx" &&
      e.suggestion === "amount_max" &&
      /did you mean 'amount_max'/.test(e.message) &&
      e.errors.length === 1,
  );
  assert.equal(m.check("read:customer_data").allowed, true, "the old policies stay in force");
  const warnings = m.loadPolicies(["name: p\nappliesTo: {tags: []}\nrules: [{effect: allow, actions: [\"*\"]}]\n"]);
  assert.equal(warnings[0].kind, "applies_to_nobody");
  assert.equal(m.check("read:customer_data").decision, "deny");
});

test("bad input gets a clear error and the instance keeps answering", async (t) => {
  const m = mesh();
  const cases = [
    ["broken YAML", () => m.loadPolicies(["name: [unclosed"]), PolicyError, /line 1/],
    ["a number where a string belongs", () => m.loadPolicies(["name: 5\nrules: [{effect: allow, actions: [a]}]"]), PolicyError, /expected a string/],
    ["a number as the action", () => m.check(5), MeshGuardError, /action must be a non-empty string/],
    ["a missing action", () => m.check(), MeshGuardError, /action must be a non-empty string/],
    ["an empty action", () => m.check(""), MeshGuardError, /non-empty/],
    ["a 5 MB context", () => m.check("write:refund", { context: { blob: "x".repeat(5 * 1024 * 1024) } }), MeshGuardError, /limit/],
    ["a context that is not an object", () => m.check("write:refund", { context: [1, 2] }), MeshGuardError, /context/],
    ["an unknown option", () => m.check("write:refund", { contxt: {} }), MeshGuardError, /contxt/],
    ["a bad time", () => m.check("write:email", { now: "yesterday" }), MeshGuardError, /RFC 3339/],
    ["an agent without an id", () => m.check("read:x", { agent: { name: "no id" } }), MeshGuardError, /id/],
    ["an unknown trust tier", () => m.check("read:x", { agent: { id: "a", trustTier: "root" } }), MeshGuardError, /'root'/],
    ["a circular context", () => { const c = {}; c.self = c; m.check("read:x", { context: c }); }, MeshGuardError, /circular/i],
    ["a BigInt in the context", () => m.check("read:x", { context: { n: 1n } }), MeshGuardError, /BigInt/],
    ["policies that are not an array", () => m.loadPolicies("name: x"), MeshGuardError, /array/],
    // Policy texts cross as strings of their own, so the size limit sees them first.
    ["a 4 MiB policy text", () => m.loadPolicies([{ name: "big.yaml", text: `name: big\ndescription: "${'"'.repeat(4 << 20)}"` }]), PolicyError, /^big\.yaml, line 1, column 1: document is 4194329 bytes, more than the limit of 524288 bytes/],
    ["a 4 MiB policy text at construction", () => new MeshGuard({ policies: ["x".repeat(4 << 20)] }), PolicyError, /^policies\[0\], line 1, column 1: document is 4194304 bytes/],
    ["options that are not an object", () => m.check("read:x", "fast"), MeshGuardError, /object/],
    ["an unknown mode", () => new MeshGuard({ mode: "yolo" }), MeshGuardError, /yolo/],
  ];
  for (const [name, fn, cls, message] of cases) {
    await t.test(name, () => {
      assert.throws(fn, (e) => e instanceof cls && message.test(e.message) && typeof e.code === "string");
      const d = m.check("write:refund", { context: { amount: 50 } });
      assert.equal(d.decision, "allow", "the same instance answers correctly afterwards");
    });
  }
});

test("audit and bypass modes allow but report the computed decision", () => {
  for (const mode of ["audit", "bypass"]) {
    const m = new MeshGuard({ policies: [seedPolicy()], agent: supportAgent, mode });
    const d = m.check("execute:computer_use");
    assert.deepEqual([d.allowed, d.decision, d.enforced, d.mode], [true, "deny", false, mode]);
  }
});

test("one engine serves many agents, and checks without an agent are refused clearly", () => {
  const m = new MeshGuard({ policies: [seedPolicy()] });
  assert.throws(() => m.check("read:customer_data"), /no agent/);
  assert.equal(m.check("read:customer_data", { agent: supportAgent }).allowed, true);
  assert.equal(m.check("read:customer_data", { agent: { id: "stranger", tags: ["marketing"] } }).reason, "no policy applies to agent stranger");
});

test("policies can be given as objects, named texts and JSON", () => {
  const m = new MeshGuard({
    policies: [
      { name: "a", rules: [{ effect: "allow", actions: ["read:a"] }] },
      { name: "b.yaml", text: "name: b\nrules: [{effect: allow, actions: [\"read:b\"]}]" },
      JSON.stringify([{ name: "c", rules: [{ effect: "allow", actions: "read:c" }] }]),
    ],
    agent: { id: "x" },
  });
  for (const a of ["read:a", "read:b", "read:c"]) assert.equal(m.check(a).allowed, true, a);
  assert.throws(() => m.loadPolicies([{ name: "b.yaml", text: "name: b\nrulez: []" }]), (e) => e.source === "b.yaml" && e.suggestion === "rules");
});

test("hasRateLimits says whether a policy that applies to the agent has a rateLimit", () => {
  const limited = { name: "bots", appliesTo: { tags: ["bot"] }, rules: [{ effect: "allow", actions: ["read:*"], conditions: { rateLimit: { requestsPerMinute: 2 } } }] };
  const m = new MeshGuard({ policies: [seedPolicy(), limited], agent: supportAgent });
  assert.equal(m.hasRateLimits(), false);
  assert.equal(m.hasRateLimits({ id: "b", tags: ["bot"] }), true);
  assert.equal(m.hasRateLimits({ id: "b", tags: ["support"] }), false);
  assert.throws(() => m.hasRateLimits([]), MeshGuardError);
});

test("spent rate-limit budget carries over to a new instance", () => {
  const limited = { name: "bots", rules: [{ name: "r", effect: "allow", actions: ["*"], conditions: { rateLimit: { requestsPerMinute: 1 } } }] };
  const agent = { id: "bot" };
  const first = new MeshGuard({ policies: [limited], agent });
  assert.equal(first.check("read:x").allowed, true);
  const spent = first.rateLimitsSpent();
  assert.deepEqual(spent.map(({ policy, rule, agent }) => ({ policy, rule, agent })), [{ policy: "bots", rule: "r", agent: "bot" }]);
  const second = new MeshGuard({ policies: [limited], agent });
  second.restoreRateLimits(spent);
  assert.match(second.check("read:x").reason, /rate limit exceeded/);
  assert.throws(() => second.restoreRateLimits([{ policy: "bots" }]), /rate-limit state: \[0\]: missing key 'rule'/);
  assert.throws(() => second.restoreRateLimits({}), MeshGuardError);
});

test("each instance draws its own trace id, the same for its whole life", () => {
  const [one, two] = [mesh(), mesh()];
  assert.match(one.traceId, /^mg-[0-9a-f]{16}$/);
  assert.notEqual(one.traceId, two.traceId);
  assert.equal(one.check("read:customer_data").traceId, one.traceId);
  assert.equal(one.getAuditLog()[0].id, `${one.traceId.slice(3)}-1`);
});
