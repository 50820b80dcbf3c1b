// The test table's YAML, read back by the package: rows and policy texts survive
// writing exactly, whatever characters they hold.
import assert from "node:assert/strict";
import { test } from "node:test";

import { readConformance, runConformance } from "@meshguard/policy";
import { block, fromFile, scalar, toYaml } from "../src/vectors.js";

const agents = {
  support: { id: "agent_support", name: "Support é😀", trustTier: "verified", tags: ["openai", "support"] },
  billing: { id: "agent_billing", name: "Billing Specialist" },
};

const awkward = ["yes", "no", "on", "123", "1e3", "0x1f", "null", "~", "a: b", "#x", "x #y", "read:*", "*", "-", "- x", "'q'", '"dq"', "tab\there", "é😀", " lead", "trail ", "[x]", "{y}", "a,b", "%p", "@at", "`t`", "!t", "&a", "|", ">"];

test("awkward strings survive as scalars", () => {
  for (const s of awkward) {
    const file = toYaml({ cases: [{ name: s, agent: "support", action: s, expect: { decision: "allow", reasonContains: s } }], invalid: [] }, agents);
    const read = readConformance(file);
    assert.equal(read.cases[0].name, s, `${scalar(s)} in\n${file}`);
    assert.equal(read.cases[0].check.action, s);
    assert.equal(read.cases[0].expect.reasonContains, s);
  }
});

test("policy texts survive as literal blocks, trailing newlines and indentation included", () => {
  const texts = [
    "name: p\nrules: [{effect: allow, actions: ['*']}]\n",
    "name: p\nrules: [{effect: allow, actions: ['*']}]",
    "name: p\nrules: [{effect: allow, actions: ['*']}]\n\n\n",
    "  # indented first line\nname: p\n",
    "\n\nname: p\n",
    "name: p # é😀\n  \nrules: []\n",
    "a\r\nb\n",
    "",
  ];
  const file = toYaml({ cases: [], invalid: texts.map((t, i) => ({ name: `doc ${i}`, policy: t })) }, {}, texts.map((text, i) => ({ name: `p${i}.yaml`, text })));
  const read = readConformance(file);
  assert.deepEqual(read.policies, texts, file);
  assert.deepEqual(read.invalid.map((d) => d.policy), texts);
  assert.match(block("x\n", 4), /^\|\n {4}x$/);
});

test("rows read from a file and written again read the same", () => {
  const source = `description: round trip
options: {mode: audit, maxDelegationDepth: 3}
agents:
  s: {id: agent_support, name: "Support é😀", trustTier: verified, tags: [openai, support]}
  b: {id: agent_billing, name: Billing Specialist}
  x: {id: agent_x}
cases:
  - {name: one, agent: s, action: "write:refund", context: {amount: 150, nested: {list: [1, "two", null, true]}}, now: "2026-11-26T10:00:00Z", expect: {decision: deny, allowed: true, rule: r}}
  - {name: two, handoff: {from: s, to: b}, chain: [x], expect: {decision: allow, policy: p}}
  - {name: three, agent: x, action: "read:x", resource: "doc/1", expect: {decision: deny}}
invalid:
  - {name: bad, policy: "name: t\\nrules: []\\n", expectError: {pathContains: rules, line: 2}}
`;
  const first = readConformance(source);
  const { model, agents: keys } = fromFile(first, agents);
  assert.deepEqual(Object.keys(keys), ["support", "billing", "agent_x"], "known agents keep their keys; others are added by id");
  assert.equal(model.cases[0].agent, "support");
  assert.deepEqual(model.cases[1].chain, ["agent_x"]);
  const again = readConformance(toYaml(model, keys));
  // The file's own agent keys are not kept (the workspace's keys are, as asserted above);
  // the cases name the same agents either way.
  const strip = ({ agents: _, ...f }) => ({ ...f, cases: f.cases.map(({ line, ...c }) => c), invalid: f.invalid.map(({ line, ...d }) => d) });
  assert.deepEqual(strip(again), strip(first));
});

test("the written file runs with the policies it is given", () => {
  const policy = "name: p\nrules:\n  - {name: r, effect: allow, actions: [\"read:*\"]}\n";
  const file = toYaml({ cases: [{ name: "reads", agent: "billing", action: "read:x", expect: { decision: "allow", rule: "r" } }], invalid: [] }, agents, [{ name: "p.yaml", text: policy }]);
  const report = runConformance(file);
  assert.equal(report.passed, true, JSON.stringify(report.results));
});
