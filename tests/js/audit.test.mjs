// The audit trail through the package: every decision recorded and chained, queries,
// stats, redaction, trace ids, tamper detection, and bounded memory with a sink.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

import { MeshGuard, verifyAudit } from "@meshguard/policy";
import { seedPolicy, supportAgent } from "./support.mjs";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");

const mesh = (options = {}) => new MeshGuard({ policies: [seedPolicy()], agent: supportAgent, ...options });

test("every decision and manual entry is appended with the fields of §8 and chained", () => {
  const m = mesh();
  m.check("read:customer_data");
  m.enforce("write:refund", { context: { amount: 50 }, resource: "order/1" });
  m.checkHandoff(null, { id: "billing", name: "Billing Specialist" });
  m.auditLog({ action: "session:start", decision: "allowed", metadata: { user_id: "u1" } });
  const entries = m.getAuditLog();
  assert.equal(entries.length, 4);
  assert.deepEqual(entries.map((e) => e.seq), [4, 3, 2, 1], "newest first");
  const first = entries[3];
  assert.deepEqual(Object.keys(first), ["id", "seq", "timestamp", "agentId", "agentName", "action", "resource", "decision", "policy", "rule", "reason", "traceId", "metadata", "prevHash", "hash"]);
  assert.equal(first.prevHash, "0".repeat(64));
  for (let i = 0; i < 3; i++) assert.equal(entries[i].prevHash, entries[i + 1].hash);
  assert.equal(entries[2].resource, "order/1");
  assert.deepEqual(entries[2].metadata, { context: { amount: 50 } });
  assert.equal(entries[1].action, "handoff:Billing Specialist");
  assert.equal(entries[0].decision, "allow");
  assert.deepEqual(m.auditStats(), { total: 4, allowed: 4, denied: 0, approvalRequired: 0, recorded: 4 });
});

test("queries filter by agent, action pattern, decision, trace id and time", () => {
  const m = mesh();
  const other = { id: "agent_other", tags: ["support"] };
  m.check("read:customer_data", { now: "2026-11-26T09:00:00Z" });
  m.check("write:refund", { context: { amount: 500 }, now: "2026-11-26T10:00:00Z", traceId: "run-2" });
  m.check("read:order_data", { agent: other, now: "2026-11-26T11:00:00Z", traceId: "run-2" });
  assert.equal(m.getAuditLog({ agentId: "agent_other" }).length, 1);
  assert.equal(m.getAuditLog({ action: "read:*" }).length, 2);
  assert.equal(m.getAuditLog({ decision: "deny" })[0].action, "write:refund");
  assert.equal(m.getAuditLog({ traceId: "run-2" }).length, 2);
  assert.equal(m.getAuditLog({ since: "2026-11-26T10:00:00Z" }).length, 2);
  assert.equal(m.getAuditLog({ until: new Date("2026-11-26T10:00:00Z") }).length, 2);
  assert.equal(m.getAuditLog({ limit: 1 })[0].agentId, "agent_other");
  assert.equal(m.getAuditLog({ traceId: "run-2", action: "read:*", decision: "allow" }).length, 1);
  assert.deepEqual(m.auditStats(), { total: 3, allowed: 2, denied: 1, approvalRequired: 0, recorded: 3 });
});

test("checks carry the instance's trace id unless they bring their own", () => {
  const m = mesh();
  const a = m.check("read:customer_data");
  const b = m.check("read:customer_data", { traceId: "run-42" });
  assert.match(m.traceId, /^mg-[0-9a-f]{16}$/);
  assert.equal(a.traceId, m.traceId);
  assert.equal(b.traceId, "run-42");
  assert.notEqual(mesh().traceId, m.traceId, "each instance generates its own");
  assert.equal(mesh({ traceId: "fixed" }).check("read:customer_data").traceId, "fixed");
});

test("verification catches an edited, dropped, inserted or reordered line", () => {
  const m = mesh();
  for (let i = 0; i < 5; i++) m.check("write:refund", { context: { amount: 40 + i * 30 } });
  const lines = m.exportAudit().trimEnd().split("\n");
  assert.deepEqual(verifyAudit(lines.join("\n") + "\n"), { ok: true, entries: 5, firstBadSeq: null, firstBadLine: null, kind: null, problem: null });
  const edited = [...lines];
  edited[2] = edited[2].replace('"amount":100', '"amount":10');
  assert.notEqual(edited[2], lines[2]);
  const tampered = {
    edited,
    dropped: lines.filter((_, i) => i !== 2),
    inserted: [...lines.slice(0, 2), lines[1], ...lines.slice(2)],
    reordered: [lines[0], lines[2], lines[1], ...lines.slice(3)],
  };
  for (const [kind, ls] of Object.entries(tampered)) {
    const v = verifyAudit(ls.join("\n") + "\n");
    assert.equal(v.ok, false, kind);
    assert.ok(v.firstBadSeq >= 2 && v.firstBadSeq <= 4, `${kind}: first bad seq ${v.firstBadSeq}`);
    assert.equal(typeof v.problem, "string");
  }
});

test("a redacted value never appears in the ring, the sink or the export", () => {
  const seen = [];
  const m = mesh({ audit: { redact: ["email", "customer.card"] }, onAudit: (e) => seen.push(JSON.stringify(e)) });
  const secretEmail = "jane.secret@example.com";
  const secretCard = "4111-1111-1111-1111";
  m.check("read:customer_data", { context: { email: secretEmail, customer: { card: secretCard, tier: "gold" } } });
  m.auditLog({ action: "write:email", decision: "allow", metadata: { email: secretEmail } });
  const everywhere = [JSON.stringify(m.getAuditLog()), seen.join("\n"), m.exportAudit()];
  for (const text of everywhere) {
    assert.ok(!text.includes(secretEmail) && !text.includes(secretCard), text);
    assert.ok(text.includes("[redacted]"));
    assert.ok(text.includes("gold"), "other fields are kept");
  }
  assert.equal(verifyAudit(m.exportAudit()).ok, true);
});

test("a JSON Lines file written by onAudit in one line verifies", () => {
  const file = join(mkdtempSync(join(tmpdir(), "mg-audit-")), "audit.jsonl");
  const m = mesh({ onAudit: (e) => appendFileSync(file, JSON.stringify(e) + "\n") });
  m.check("write:refund", { context: { amount: 99.99, note: "line\nbreak \u0007 ☃" } });
  m.check("write:email", { context: { ratio: 1e21, tiny: 1e-7, list: [1, 2.5, null], tie: -1149636667324797.25 } });
  const view = new DataView(new ArrayBuffer(8));
  const doubles = Array.from({ length: 300 }, (_, i) => {
    view.setUint32(0, Math.floor(Math.random() * 2 ** 32));
    view.setUint32(4, Math.floor(Math.random() * 2 ** 32));
    const x = view.getFloat64(0);
    return Number.isFinite(x) ? x : i;
  });
  m.auditLog({ action: "numbers", decision: "allow", metadata: { doubles } });
  m.auditLog({ action: "session:complete", decision: "allow", metadata: { output_length: 12 } });
  assert.equal(readFileSync(file, "utf8"), m.exportAudit());
  assert.equal(verifyAudit(readFileSync(file, "utf8")).ok, true);

  // An outside verifier: RFC 8785 by sorting keys and JSON.stringify, SHA-256 by node:crypto.
  const canonical = (v) =>
    Array.isArray(v)
      ? `[${v.map(canonical).join(",")}]`
      : v && typeof v === "object"
        ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`
        : JSON.stringify(v);
  let prev = "0".repeat(64);
  for (const line of readFileSync(file, "utf8").trimEnd().split("\n")) {
    const { hash, ...rest } = JSON.parse(line);
    assert.equal(rest.prevHash, prev);
    assert.equal(createHash("sha256").update(canonical(rest)).digest("hex"), hash, `entry ${rest.seq}`);
    prev = hash;
  }
});

test("a million decisions keep memory flat while the sink sees every one", () => {
  let seen = 0;
  let lastSeq = 0;
  const m = mesh({ onAudit: (e) => { seen += 1; lastSeq = e.seq; } });
  const run = (n) => {
    for (let i = 0; i < n; i++) m.check("write:refund", { context: { amount: i % 200 } });
  };
  const measure = () => {
    gc();
    const { heapUsed, external, arrayBuffers } = process.memoryUsage();
    return heapUsed + external + arrayBuffers;
  };
  run(100_000); // fills the ring (10,000 entries) and lets the heap settle
  const before = measure();
  run(900_000);
  const after = measure();
  assert.equal(seen, 1_000_000);
  assert.equal(lastSeq, 1_000_000);
  assert.equal(m.auditStats().total, 10_000, "the ring holds its capacity");
  assert.equal(m.auditStats().recorded, 1_000_000);
  const growth = after - before;
  console.log(`memory before ${(before / 2 ** 20).toFixed(1)} MiB, after ${(after / 2 ** 20).toFixed(1)} MiB`);
  assert.ok(growth < 8 * 2 ** 20, `memory grew by ${(growth / 2 ** 20).toFixed(1)} MiB over 900,000 more decisions`);
  assert.equal(verifyAudit(m.exportAudit()).ok, true, "the ring's segment verifies");
});
