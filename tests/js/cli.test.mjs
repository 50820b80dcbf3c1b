// The `meshguard` command, run as a child process from the installed package:
// help, validate, test, check and share, with every exit code.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { MeshGuard, version } from "@meshguard/policy";
import { decodeWorkspace } from "@meshguard/policy/workspace";
import { consumer, examplePolicies, fixtures, meshguard, parseXml, scratch } from "./cli-support.mjs";

const COMMANDS = ["validate", "test", "check", "replay", "audit verify", "audit query", "audit stats", "token issue", "token verify", "share"];
const supportTests = join(fixtures, "support.test.yaml");
const failingTests = join(fixtures, "failing.test.yaml");

test("npx meshguard runs the installed package's bin", () => {
  const r = spawnSync("npx", ["--no-install", "meshguard", "--version"], { cwd: consumer, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), version);
});

test("every command's --help shows its usage and an example, and exits 0", () => {
  for (const name of COMMANDS) {
    const r = meshguard([...name.split(" "), "--help"]);
    assert.equal(r.status, 0, name);
    assert.match(r.stdout, new RegExp(`^meshguard ${name}: `), name);
    assert.match(r.stdout, /\nExamples:\n {2}meshguard /, name);
    assert.ok(r.stdout.includes(`  meshguard ${name} `), `${name}: an example runs the command itself`);
    assert.match(r.stdout, /Exit codes: 0 success, 1 a check failed, 2 usage error, 3 /, name);
  }
  const main = meshguard(["--help"]);
  assert.equal(main.status, 0);
  for (const name of COMMANDS) assert.ok(main.stdout.includes(`  ${name} `), name);
});

test("an unknown command, an unknown option and a missing argument are usage errors (exit 2)", () => {
  for (const args of [["frobnicate"], ["audit", "frob", "x.jsonl"], ["validate", "--frob", "x"], ["validate"], ["validate", "--format", "xml", "x.yaml"], ["test", "--threshold", "101"]]) {
    const r = meshguard(args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.output}`);
    assert.match(r.stderr, /^meshguard: /, args.join(" "));
    assert.equal(r.stdout, "", args.join(" "));
  }
});

test("validate: the example policies load (exit 0)", () => {
  const r = meshguard(["validate", examplePolicies]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.stdout, /✔ 2 files: 4 policies, 21 rules loaded \(0 errors, 0 warnings\)/);
});

test("validate: an error shows file, line, column, path, message, the source line and a caret under the right character (exit 3)", () => {
  const file = join(fixtures, "bad", "typo.yaml");
  const r = meshguard(["validate", file]);
  assert.equal(r.status, 3, r.output);
  const lines = r.stdout.split("\n");
  assert.equal(lines[0], "error: unknown condition 'amount_mx'");
  const at = lines[1].match(/--> (.+):(\d+):(\d+)$/);
  assert.ok(at, lines[1]);
  assert.ok(at[1].endsWith("fixtures/cli/bad/typo.yaml"), at[1]);
  const [line, column] = [Number(at[2]), Number(at[3])];
  const source = readFileSync(file, "utf8").split("\n")[line - 1];
  assert.equal(line, 4);
  // The line holds non-ASCII text before the error: columns count characters.
  assert.equal([...source].slice(column - 1).join("").slice(0, 9), "amount_mx");
  const shown = lines.find((l) => l.endsWith(source));
  assert.equal(shown, `4 | ${source}`);
  const caret = lines[lines.indexOf(shown) + 1];
  assert.equal(caret, `  | ${" ".repeat(column - 1)}^^^^^^^^^ did you mean \`amount_max\`?`);
  assert.ok(lines.includes("   = at rules[0].conditions.amount_mx"), r.stdout);
  assert.match(r.stdout, /✘ 1 file did not load \(1 error, 0 warnings\)/);
});

test("validate --format github: one annotation per diagnostic, in the documented form", () => {
  const dir = scratch();
  writeFileSync(join(dir, "a.yaml"), "name: a\nrules:\n  - {effect: alow, actions: [x]}\n");
  writeFileSync(join(dir, "b.yaml"), "name: b\nappliesTo: {tags: []}\nrules: [{effect: allow, actions: [\"read:*\"]}]\n");
  const r = meshguard(["validate", ".", "--format", "github"], { cwd: dir });
  assert.equal(r.status, 3, r.output);
  const lines = r.stdout.trimEnd().split("\n");
  for (const l of lines) assert.match(l, /^::(error|warning) file=[^,:]+,line=\d+,col=\d+,title=[^:,]+::\S.*$/);
  assert.deepEqual(lines, [
    "::error file=a.yaml,line=3,col=14,title=meshguard%3A invalid_value::rules[0].effect: unknown effect 'alow': expected allow, deny or require_approval; did you mean `allow`?",
    "::warning file=b.yaml,line=2,col=1,title=meshguard%3A applies_to_nobody::appliesTo.tags: appliesTo.tags is an empty list, so policy b applies to no agent",
  ]);
});

test("validate --format json: every diagnostic with its fields", () => {
  const r = meshguard(["validate", join(fixtures, "bad"), "--format", "json"]);
  assert.equal(r.status, 3);
  const out = JSON.parse(r.stdout);
  assert.equal(out.ok, false);
  assert.equal(out.errors.length, 1);
  assert.deepEqual(
    { ...out.errors[0], file: out.errors[0].file.replace(/^.*fixtures/, "fixtures") },
    { severity: "error", kind: "unknown_key", file: "fixtures/cli/bad/typo.yaml", line: 4, column: 80, path: "rules[0].conditions.amount_mx", message: "unknown condition 'amount_mx'", suggestion: "amount_max" },
  );
});

test("validate: a file that does not exist cannot be loaded (exit 3)", () => {
  const r = meshguard(["validate", "no-such-policy.yaml"]);
  assert.equal(r.status, 3);
  assert.match(r.stderr, /no-such-policy\.yaml: no such file or directory/);
});

test("test: the support example's vectors pass with 20 of 21 rules covered, and JUnit holds the counts (exit 0)", () => {
  const dir = scratch();
  const report = join(dir, "report.xml");
  const r = meshguard(["test", supportTests, "--policies", examplePolicies, "--coverage", "--threshold", "90", "--junit", report]);
  assert.equal(r.status, 0, r.output);
  assert.match(r.stdout, /coverage: 20 of 21 rules decided a case \(95\.2%\)/);
  assert.match(r.stdout, /escalation-manager .*: 2\/3 rules, 66\.6%\n {6}never hit: read \(line \d+\)/);
  assert.match(r.stdout, /\n21 passed, 0 failed\n$/);
  const xml = parseXml(readFileSync(report, "utf8"));
  assert.equal(xml.name, "testsuites");
  assert.deepEqual([xml.attributes.tests, xml.attributes.failures, xml.attributes.errors, xml.attributes.skipped], ["21", "0", "0", "0"]);
  const [suite] = xml.children;
  assert.equal(suite.children.length, 21);
  assert.ok(suite.children.every((c) => c.name === "testcase" && c.children.length === 0));
});

test("test: coverage under --threshold fails the run (exit 1)", () => {
  const r = meshguard(["test", supportTests, "--policies", examplePolicies, "--threshold", "96"]);
  assert.equal(r.status, 1, r.output);
  assert.match(r.stdout, /coverage 95\.2% is under the threshold of 96%/);
});

test("test: a failing case shows expected and actual, the deciding policy and rule, and the reason; JUnit counts it (exit 1)", () => {
  const dir = scratch();
  const report = join(dir, "report.xml");
  const r = meshguard(["test", failingTests, "--junit", report]);
  assert.equal(r.status, 1, r.output);
  assert.match(r.stdout, /✘ large refund is wrongly expected to pass \(.*failing\.test\.yaml:15\)\n {6}expected {2}allow \[small\]\n {6}actual {4}deny \[refunds \/ large\]\n {6}reason {4}Refunds over \$100 need a manager/);
  assert.match(r.stdout, /✔ small refund passes/);
  assert.match(r.stdout, /✔ a misspelt condition is refused/);
  assert.match(r.stdout, /\n2 passed, 1 failed\n$/);
  const xml = parseXml(readFileSync(report, "utf8"));
  assert.deepEqual([xml.attributes.tests, xml.attributes.failures, xml.attributes.errors, xml.attributes.skipped], ["3", "1", "0", "0"]);
  const failed = xml.children[0].children.filter((c) => c.children.some((x) => x.name === "failure"));
  assert.deepEqual(failed.map((c) => c.attributes.name), ["large refund is wrongly expected to pass"]);
  const failure = failed[0].children[0];
  assert.match(failure.attributes.message, /got decision deny \(expected allow\), rule large \(expected small\)/);
  assert.match(failure.text, /actual: \{"decision":"deny","allowed":false,"policy":"refunds","rule":"large"/);
});

test("test --filter runs only the matching cases; the rest are skipped, in the output, JSON and JUnit", () => {
  const dir = scratch();
  const report = join(dir, "report.xml");
  const r = meshguard(["test", failingTests, "--filter", "SMALL", "--json", "--junit", report]);
  assert.equal(r.status, 0, r.output);
  const out = JSON.parse(r.stdout);
  assert.deepEqual([out.passed, out.failed, out.skipped], [1, 0, 2]);
  assert.deepEqual(out.files[0].results.map((x) => [x.name, x.skipped, x.decision?.rule ?? null]), [
    ["small refund passes", false, "small"],
    ["large refund is wrongly expected to pass", true, null],
    ["a misspelt condition is refused", true, null],
  ]);
  const xml = parseXml(readFileSync(report, "utf8"));
  assert.deepEqual([xml.attributes.tests, xml.attributes.failures, xml.attributes.skipped], ["3", "0", "2"]);
  const none = meshguard(["test", failingTests, "--filter", "no such case"]);
  assert.equal(none.status, 1);
  assert.match(none.stdout, /no case matches --filter "no such case"/);
});

test("test: a vector file, or its policies, that cannot be loaded exits 3 and is an <error> in JUnit", () => {
  const dir = scratch();
  const report = join(dir, "report.xml");
  const r = meshguard(["test", join(fixtures, "unloadable.test.yaml"), failingTests, "--junit", report]);
  assert.equal(r.status, 3, r.output);
  assert.match(r.stdout, /the policies did not load: .*unknown effect 'alow'/);
  const xml = parseXml(readFileSync(report, "utf8"));
  assert.deepEqual([xml.attributes.tests, xml.attributes.failures, xml.attributes.errors], ["4", "1", "1"]);
  writeFileSync(join(dir, "broken.yaml"), "cases:\n  - {name: c, agent: nobody, action: x, expect: {decision: allow}}\n");
  const broken = meshguard(["test", join(dir, "broken.yaml")]);
  assert.equal(broken.status, 3);
  assert.match(broken.stdout, /unknown agent key 'nobody'/);
  const empty = meshguard(["test", "."], { cwd: scratch() });
  assert.equal(empty.status, 3);
  assert.match(empty.stderr, /no vector files under \./);
});

test("check: a decision from the terminal is the decision of the library, and the exit code says allowed (0) or not (1)", () => {
  const agent = { id: "agent_support", name: "Customer Support Agent", trustTier: "verified", tags: ["openai", "support"] };
  const policies = ["support-agent.yaml", "support-tiers.yaml"].map((f) => ({ name: f, text: readFileSync(join(examplePolicies, f), "utf8") }));
  const mesh = new MeshGuard({ policies, audit: false });
  for (const [amount, status] of [[50, 0], [250, 1], [1500, 1]]) {
    const r = meshguard(["check", "--policies", examplePolicies, "--agent", JSON.stringify(agent), "--action", "write:refund", "--context", JSON.stringify({ amount }), "--json"]);
    assert.equal(r.status, status, r.output);
    const got = JSON.parse(r.stdout);
    const want = mesh.check("write:refund", { agent, context: { amount } });
    for (const k of ["decision", "allowed", "policy", "rule", "reason"]) assert.equal(got[k], want[k], `${amount}: ${k}`);
  }
});

test("check --explain prints the path as a tree: policies, rules, conditions with their values", () => {
  const r = meshguard(["check", "--policies", examplePolicies, "--agents", join(fixtures, "agents.yaml"), "--agent", "support", "--action", "write:refund", "--context", '{"amount":150}', "--explain"]);
  assert.equal(r.status, 1, r.output);
  assert.match(r.stdout, /^⏸ require_approval {2}write:refund {2}by Customer Support Agent \(agent_support\)\n/);
  assert.match(r.stdout, /├─ ✔ policy openai-support-agent-policy: appliesTo matches the agent\n/);
  assert.match(r.stdout, /│ {2}├─ · small-refunds allow \[write:refund\]: a condition is false\n│ {2}│ {2}└─ amount_max: false \(context\.amount is 150; wanted lte 100\)\n/);
  assert.match(r.stdout, /│ {2}└─ ✔ manager-refunds require_approval \[write:refund\]: matched {2}← decided\n/);
  assert.match(r.stdout, /└─ ✘ policy escalation-manager: agent id agent_support is not in agentIds \[agent_escalation\]\n$/);
  const ceiling = meshguard(["check", "--policies", examplePolicies, "--agents", join(fixtures, "agents.yaml"), "--agent", "billing", "--chain", "tier1", "--action", "write:email", "--explain"]);
  assert.equal(ceiling.status, 1);
  assert.match(ceiling.stdout, /└─ ✘ permissionCeiling of Tier 1 Support \(policy tier1-support\): 'write:email' matches no pattern of the ceiling/);
  const handoff = meshguard(["check", "--policies", examplePolicies, "--agents", join(fixtures, "agents.yaml"), "--agent", "tier1", "--handoff-to", "billing"]);
  assert.equal(handoff.status, 0, handoff.output);
  assert.match(handoff.stdout, /^✔ allow {2}handoff:Billing Specialist/);
});

test("check: bad arguments are usage errors (2); policies that do not load are load errors (3)", () => {
  const agent = '{"id":"a"}';
  assert.equal(meshguard(["check", "--agent", agent, "--action", "x"]).status, 2);
  assert.equal(meshguard(["check", "--policies", examplePolicies, "--action", "x"]).status, 2);
  assert.equal(meshguard(["check", "--policies", examplePolicies, "--agent", agent, "--action", "x", "--context", "{amount: 1"]).status, 2);
  assert.equal(meshguard(["check", "--policies", examplePolicies, "--agent", '{"id":"a","trustTier":"root"}', "--action", "x"]).status, 2);
  const r = meshguard(["check", "--policies", join(fixtures, "bad", "typo.yaml"), "--agent", agent, "--action", "x"]);
  assert.equal(r.status, 3);
  assert.match(r.stderr, /the policies did not load:\n\nerror: unknown condition 'amount_mx'\n {2}--> .*typo\.yaml:4:80/);
});

test("share, and validate/test --share, print links the workspace module opens to the same files", async () => {
  const r = meshguard(["share", examplePolicies, "--tests", supportTests, "--base", "https://play.example/mg/"]);
  assert.equal(r.status, 0, r.output);
  const url = r.stdout.trim();
  assert.ok(url.startsWith("https://play.example/mg/#v="), url);
  const { workspace, sameVersion } = await decodeWorkspace(url);
  assert.equal(sameVersion, true);
  assert.deepEqual(workspace.policies.map((p) => p.text), ["support-agent.yaml", "support-tiers.yaml"].map((f) => readFileSync(join(examplePolicies, f), "utf8")));
  assert.equal(workspace.tests, readFileSync(supportTests, "utf8"));

  const v = meshguard(["validate", examplePolicies, "--share", "--base", "https://play.example/"]);
  assert.equal(v.status, 0);
  const shared = await decodeWorkspace(v.stdout.match(/^share: (\S+)$/m)[1]);
  assert.deepEqual(shared.workspace.policies, workspace.policies);

  const t = meshguard(["test", failingTests, "--filter", "small", "--share"], { env: { MESHGUARD_PLAYGROUND_URL: "https://mine.example/" } });
  assert.equal(t.status, 0);
  const link = t.stdout.match(/^share: (https:\/\/mine\.example\/#\S+)$/m)[1];
  const fromTest = await decodeWorkspace(link);
  assert.equal(fromTest.workspace.tests, readFileSync(failingTests, "utf8"));
  assert.equal(fromTest.workspace.policies.length, 1);
  assert.match(fromTest.workspace.policies[0].text, /"name":"refunds"/);
  assert.equal(meshguard(["share", examplePolicies, "--base", "javascript:alert(1)"]).status, 2);
});

test("colour follows the terminal: none when piped or with NO_COLOR, on with FORCE_COLOR", () => {
  const args = ["validate", join(fixtures, "bad", "typo.yaml")];
  assert.ok(!meshguard(args).output.includes("\x1b["));
  assert.ok(meshguard(args, { env: { FORCE_COLOR: "1" } }).stdout.includes("\x1b[31m"));
  assert.ok(!meshguard(args, { env: { FORCE_COLOR: "1", NO_COLOR: "1" } }).output.includes("\x1b["));
});
