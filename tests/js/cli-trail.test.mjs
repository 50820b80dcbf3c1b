// The `meshguard` command on audit trails and tokens: a trail recorded by the
// support example, replayed under changed policies; audit verify, query and stats;
// token issue and verify, where no secret may ever reach the output.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { issueAgentToken } from "@meshguard/policy";
import { consumer, examplePolicies, fixtures, meshguard, scratch } from "./cli-support.mjs";
import { root } from "./support.mjs";

const agents = join(fixtures, "agents.yaml");
let dir;
let trail;
let entries;

// The trail of one offline run of the support example, as a user records it.
before(() => {
  dir = scratch();
  // Inside the consumer project, so it resolves the installed package and the SDK.
  const run = join(consumer, "tests", "support-example");
  cpSync(join(root, "examples", "openai-agents"), run, { recursive: true });
  trail = join(dir, "trail.jsonl");
  const env = { ...process.env };
  delete env.OPENAI_API_KEY;
  execFileSync(process.execPath, [join(run, "support.mjs"), "--audit-out", trail], { env, stdio: "pipe" });
  entries = readFileSync(trail, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
});

/** The example's policies with `edits` applied (each [file, from, to]), in a fresh directory. */
function editedPolicies(edits) {
  const out = join(scratch(), "policies");
  cpSync(examplePolicies, out, { recursive: true });
  for (const [file, from, to] of edits) {
    const text = readFileSync(join(out, file), "utf8");
    assert.ok(text.includes(from), `${file} holds ${from}`);
    writeFileSync(join(out, file), text.replace(from, to));
  }
  return out;
}

test("audit verify: the recorded trail holds (0); an edited line is found (1)", () => {
  const ok = meshguard(["audit", "verify", trail]);
  assert.equal(ok.status, 0, ok.output);
  assert.match(ok.stdout, new RegExp(`: ${entries.length} entries, the hash chain holds`));
  const lines = readFileSync(trail, "utf8").split("\n");
  const at = entries.findIndex((e) => e.action === "write:refund" && e.metadata.context?.amount === 1500);
  lines[at] = lines[at].replace('"amount":1500', '"amount":15');
  const tampered = join(dir, "tampered.jsonl");
  writeFileSync(tampered, lines.join("\n"));
  const bad = meshguard(["audit", "verify", tampered, "--json"]);
  assert.equal(bad.status, 1);
  const v = JSON.parse(bad.stdout);
  assert.equal(v.ok, false);
  assert.equal(v.firstBadLine, at + 1);
  assert.equal(meshguard(["audit", "verify", join(dir, "missing.jsonl")]).status, 3);
});

test("audit query filters as getAuditLog does, and prints the matching lines as they are", () => {
  const r = meshguard(["audit", "query", trail, "--decision", "deny", "--action", "write:*", "--json"]);
  assert.equal(r.status, 0, r.output);
  const lines = readFileSync(trail, "utf8").trimEnd().split("\n");
  const want = lines.filter((_, i) => entries[i].decision === "deny" && entries[i].action.startsWith("write:"));
  assert.ok(want.length >= 3);
  assert.deepEqual(r.stdout.trimEnd().split("\n"), want);
  const billing = meshguard(["audit", "query", trail, "--agent", "agent_billing", "--limit", "2", "--json"]);
  const own = lines.filter((_, i) => entries[i].agentId === "agent_billing");
  assert.deepEqual(billing.stdout.trimEnd().split("\n"), own.slice(-2));
  const since = entries[10].timestamp;
  const later = meshguard(["audit", "query", trail, "--since", since, "--json"]);
  assert.equal(later.stdout.trimEnd().split("\n").length, entries.filter((e) => Date.parse(e.timestamp) >= Date.parse(since)).length);
  assert.equal(meshguard(["audit", "query", trail, "--decision", "maybe"]).status, 2);
  assert.equal(meshguard(["audit", "query", trail, "--since", "yesterday"]).status, 2);
  assert.equal(meshguard(["audit", "query", trail, "--action", ""]).status, 2);
});

test("audit stats counts the trail's entries", () => {
  const r = meshguard(["audit", "stats", trail, "--json"]);
  assert.equal(r.status, 0);
  const s = JSON.parse(r.stdout);
  const count = (d) => entries.filter((e) => e.decision === d).length;
  assert.deepEqual([s.total, s.allowed, s.denied, s.approvalRequired], [entries.length, count("allow"), count("deny"), count("require_approval")]);
  assert.equal(s.byAgent.agent_billing, entries.filter((e) => e.agentId === "agent_billing").length);
});

test("replay under the policies that recorded the trail changes nothing (0, even with --fail-on-change)", () => {
  const r = meshguard(["replay", trail, "--policies", examplePolicies, "--agents", agents, "--fail-on-change", "--json"]);
  assert.equal(r.status, 0, r.output);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.changed, []);
  assert.deepEqual(out.assumedAgents, []);
  assert.equal(out.verified, true);
  // Every check and handoff the engine decided, and nothing the adapter recorded by hand.
  assert.equal(out.replayed, entries.filter((e) => e.rule !== null).length);
  assert.equal(out.replayed + out.skipped, entries.length);
});

test("replay reports exactly the decisions a policy change flips, with counts per change, action and agent", () => {
  const policies = editedPolicies([
    ["support-agent.yaml", "conditions: {amount_max: 100}", "conditions: {amount_max: 300}"],
    ["support-tiers.yaml", 'permissionCeiling: ["read:*",', 'permissionCeiling: ["write:email", "read:*",'],
  ]);
  const r = meshguard(["replay", trail, "--policies", policies, "--agents", agents, "--json"]);
  assert.equal(r.status, 0, r.output);
  const out = JSON.parse(r.stdout);
  // What the edits must flip, read from the trail: support's refunds over $100 and up
  // to $300 (approval -> allow), and billing's email under tier 1 (the ceiling's deny
  // -> allow by billing's own rule). Nothing else.
  const flips = entries.filter((e) =>
    (e.agentId === "agent_support" && e.action === "write:refund" && e.rule && e.metadata.context.amount > 100 && e.metadata.context.amount <= 300)
    || (e.agentId === "agent_billing" && e.action === "write:email" && e.rule === "permissionCeiling"));
  assert.equal(flips.length, 3);
  assert.deepEqual(out.changed.map((c) => c.seq), flips.map((e) => e.seq));
  assert.deepEqual(out.changed.map((c) => `${c.before.decision} → ${c.after.decision}`), ["require_approval → allow", "require_approval → allow", "deny → allow"]);
  assert.deepEqual(out.changed.map((c) => c.after.rule), ["small-refunds", "small-refunds", "email"]);
  assert.deepEqual(out.counts, {
    byChange: { "require_approval → allow": 2, "deny → allow": 1 },
    byAction: { "write:refund": 2, "write:email": 1 },
    byAgent: { agent_support: 2, agent_billing: 1 },
  });
  const failing = meshguard(["replay", trail, "--policies", policies, "--agents", agents, "--fail-on-change"]);
  assert.equal(failing.status, 1);
  assert.match(failing.stdout, /3 decisions would change:/);
  assert.match(failing.stdout, /by agent\n {5}2 {2}agent_support \(Customer Support Agent\)\n {5}1 {2}agent_billing \(Billing Specialist\)/);
});

test("replay re-decides handoffs: allowing tier 1 to hand off to escalation flips that handoff only", () => {
  const policies = editedPolicies([["support-tiers.yaml", "  - name: not-to-escalation\n    effect: deny", "  - name: not-to-escalation\n    effect: allow"]]);
  const out = JSON.parse(meshguard(["replay", trail, "--policies", policies, "--agents", agents, "--json"]).stdout);
  const handoffs = entries.filter((e) => e.action === "handoff:Escalation Manager" && e.agentId === "agent_tier1" && e.rule === "not-to-escalation");
  assert.equal(handoffs.length, 1);
  assert.deepEqual(out.changed.map((c) => [c.seq, c.kind, c.before.decision, c.after.decision]), [[handoffs[0].seq, "handoff", "deny", "allow"]]);
});

test("replay without identities assumes untrusted agents with no tags, and says which", () => {
  const r = meshguard(["replay", trail, "--policies", examplePolicies, "--json"]);
  assert.equal(r.status, 0);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.assumedAgents.map((a) => a.id).sort(), ["agent_billing", "agent_escalation", "agent_support", "agent_tier1"]);
  assert.ok(out.changed.length > 0);
  const text = meshguard(["replay", trail, "--policies", examplePolicies]);
  assert.match(text.stdout, /⚠ 4 agents not in --agents, replayed as trust tier untrusted with no tags/);
  assert.equal(meshguard(["replay", trail]).status, 2);
  assert.equal(meshguard(["replay", join(dir, "missing.jsonl"), "--policies", examplePolicies]).status, 3);
  writeFileSync(join(dir, "garbage.jsonl"), "{not json}\n");
  assert.equal(meshguard(["replay", join(dir, "garbage.jsonl"), "--policies", examplePolicies]).status, 3);
});

const SECRET = "do-not-print-this-secret-0123456789-abcdef";
const agentJson = JSON.stringify({ id: "agent_billing", name: "Billing Specialist", trustTier: "verified", tags: ["billing"] });

test("token issue and verify, HS256 from a file or the environment; no output ever holds the secret", () => {
  const outputs = [];
  const run = (args, options) => {
    const r = meshguard(args, options);
    outputs.push(r.output);
    return r;
  };
  const secretFile = join(dir, "secret.key");
  writeFileSync(secretFile, `${SECRET}\n`);
  const issued = run(["token", "issue", "--agent", agentJson, "--secret-file", secretFile, "--expires-in", "600"]);
  assert.equal(issued.status, 0, issued.output);
  const token = issued.stdout.trim();
  const ok = run(["token", "verify", token, "--secret-env", "MG_SECRET", "--json"], { env: { MG_SECRET: SECRET } });
  assert.equal(ok.status, 0, ok.output);
  assert.deepEqual(JSON.parse(ok.stdout).agent, { id: "agent_billing", name: "Billing Specialist", trustTier: "verified", tags: ["billing"] });
  assert.equal(run(["token", "verify", "-", "--secret-file", secretFile], { input: `${token}\n` }).status, 0);
  // Refusals: each exits 1 with its code.
  const wrong = run(["token", "verify", token, "--secret-env", "MG_SECRET"], { env: { MG_SECRET: `${SECRET}-other` } });
  assert.equal(wrong.status, 1);
  assert.match(wrong.stdout, /refused: bad_signature/);
  const old = issueAgentToken(JSON.parse(agentJson), { secret: SECRET, expiresIn: 60, now: "2020-01-01T00:00:00Z" });
  const expired = run(["token", "verify", old, "--secret-file", secretFile]);
  assert.equal(expired.status, 1);
  assert.match(expired.stdout, /refused: expired/);
  // A secret on the command line is refused (2), and not repeated.
  for (const args of [["token", "issue", "--agent", agentJson, `--secret=${SECRET}`], ["token", "verify", token, "--secret", SECRET], ["token", "issue", "--agent", agentJson, "--secret-file", secretFile, SECRET]]) {
    assert.equal(run(args).status, 2, args.join(" "));
  }
  // An unusable key is a load error (3).
  writeFileSync(join(dir, "short.key"), "too short");
  assert.equal(run(["token", "issue", "--agent", agentJson, "--secret-file", join(dir, "short.key")]).status, 3);
  assert.equal(run(["token", "issue", "--agent", agentJson, "--secret-env", "MG_UNSET"]).status, 3);
  // A token as check's --agent.
  const check = run(["check", "--policies", examplePolicies, "--agent", token, "--secret-file", secretFile, "--action", "read:x"]);
  assert.equal(check.status, 0, check.output);
  assert.match(check.stdout, /^✔ allow {2}read:x {2}by Billing Specialist \(agent_billing\)/);
  const refused = run(["check", "--policies", examplePolicies, "--agent", old, "--secret-file", secretFile, "--action", "read:x"]);
  assert.equal(refused.status, 3);
  assert.match(refused.stderr, /--agent: the token was refused \(expired\)/);
  for (const text of outputs) assert.ok(!text.includes(SECRET) && !text.includes(SECRET.slice(0, 20)), text);
});

test("token issue and verify, EdDSA with a private JWK and a JWKS; the private key never appears", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const other = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
  const jwk = privateKey.export({ format: "jwk" });
  const keyFile = join(dir, "ed25519.jwk");
  writeFileSync(keyFile, JSON.stringify(jwk));
  const jwks = join(dir, "jwks.json");
  writeFileSync(jwks, JSON.stringify({ keys: [other, publicKey.export({ format: "jwk" })] }));
  const outputs = [];
  const issued = meshguard(["token", "issue", "--agent", agentJson, "--private-key-env", "MG_KEY"], { env: { MG_KEY: JSON.stringify(jwk) } });
  outputs.push(issued.output);
  assert.equal(issued.status, 0, issued.output);
  const fromFile = meshguard(["token", "issue", "--agent", agentJson, "--private-key", keyFile]);
  outputs.push(fromFile.output);
  for (const token of [issued.stdout.trim(), fromFile.stdout.trim()]) {
    const ok = meshguard(["token", "verify", token, "--jwks", jwks]);
    outputs.push(ok.output);
    assert.equal(ok.status, 0, ok.output);
  }
  writeFileSync(join(dir, "other.json"), JSON.stringify(other));
  const wrong = meshguard(["token", "verify", issued.stdout.trim(), "--jwks", join(dir, "other.json")]);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stdout, /refused: bad_signature/);
  for (const text of outputs) assert.ok(!text.includes(jwk.d), text);
});
