// The audit outbox and the queue consumer with a Queue and a bucket that fail on
// demand (workerd's local Queue and R2 do not fail), run in Node on the same module
// the Worker bundles.

import assert from "node:assert/strict";
import { test } from "node:test";

import { MeshGuard, verifyAudit } from "@meshguard/policy";

import { MAX_BATCH_BYTES, Outbox, consume, objectKey } from "../src/audit.js";

/** A Queue whose first `failures` sends throw. */
function flakyQueue(failures) {
  const q = { sent: [], attempts: 0 };
  q.send = async (body) => {
    q.attempts += 1;
    if (q.attempts <= failures) throw new Error(`queue down (attempt ${q.attempts})`);
    q.sent.push(structuredClone(body));
  };
  return q;
}

/** An engine whose entries go to a fresh outbox. */
function recorder(maxBacklog = 100) {
  const outbox = new Outbox("isolate", maxBacklog, { delays: [1, 1, 1] });
  const mesh = new MeshGuard({ policies: ['{"name": "p", "rules": [{"effect": "allow", "actions": ["*"]}]}'], onAudit: (e) => outbox.add(e) });
  const decide = (n, context = {}) => {
    for (let i = 0; i < n; i++) mesh.check(`read:${i}`, { agent: { id: "a" }, context });
  };
  return { outbox, decide };
}

const lines = (queue) => queue.sent.map((m) => m.lines).join("");

test("a send that fails is retried, and the batch arrives once, in order", async () => {
  const { outbox, decide } = recorder();
  decide(5);
  const queue = flakyQueue(2);
  await outbox.flush(queue);
  assert.equal(queue.attempts, 3);
  assert.equal(queue.sent.length, 1);
  assert.ok(verifyAudit(lines(queue)).ok);
  assert.equal(lines(queue).trimEnd().split("\n").length, 5);
  assert.deepEqual(outbox.status(), { chain: outbox.chain, waiting: 0, sent: 5, failedSends: 0, lastFailure: null });
  assert.match(outbox.chain, /^isolate-[0-9a-f]{16}$/);
});

test("entries that cannot be sent are kept, reported, and sent with the next flush", async () => {
  const { outbox, decide } = recorder();
  decide(3);
  const queue = flakyQueue(4);
  await outbox.flush(queue);
  assert.equal(queue.sent.length, 0);
  assert.equal(outbox.status().waiting, 3);
  assert.equal(outbox.status().failedSends, 1);
  assert.match(outbox.status().lastFailure.message, /queue down/);
  decide(2);
  await outbox.flush(queue);
  assert.equal(outbox.status().waiting, 0);
  const text = lines(queue);
  const v = verifyAudit(text);
  assert.ok(v.ok);
  assert.equal(v.entries, 5);
  assert.equal(JSON.parse(text.split("\n")[0]).seq, 1);
});

test("past the backlog limit decisions are refused with 503, and resume once sent", async () => {
  const { outbox, decide } = recorder(4);
  decide(4);
  assert.throws(() => outbox.requireRoom(), (e) => e.status === 503 && e.code === "audit_backlog");
  await outbox.flush(flakyQueue(0));
  assert.doesNotThrow(() => outbox.requireRoom());
});

test("concurrent flushes send each entry once, batches under the Queue's message size", async () => {
  const { outbox, decide } = recorder(10_000);
  decide(40, { note: "x".repeat(5000) });
  const queue = flakyQueue(0);
  await Promise.all([outbox.flush(queue), outbox.flush(queue), outbox.flush(queue)]);
  assert.ok(queue.sent.length > 1);
  for (const m of queue.sent) assert.ok(m.lines.length <= MAX_BATCH_BYTES);
  const v = verifyAudit(lines(queue));
  assert.ok(v.ok, v.problem);
  assert.equal(v.entries, 40);
});

/** A Queue batch of `bodies` whose messages record their fate. */
function batchOf(bodies) {
  return {
    messages: bodies.map((body, i) => ({
      id: `m${i}`,
      attempts: 1,
      body,
      fate: null,
      ack() {
        this.fate = "ack";
      },
      retry() {
        this.fate = "retry";
      },
    })),
  };
}

test("the consumer writes each batch as one object keyed by date, chain and seqs, and retries a failed write", async () => {
  const { outbox, decide } = recorder();
  decide(3);
  const queue = flakyQueue(0);
  await outbox.flush(queue);
  const puts = [];
  let failing = true;
  const bucket = {
    async put(key, text, options) {
      if (failing) throw new Error("R2 down");
      puts.push({ key, text, options });
    },
  };
  const first = batchOf(queue.sent);
  await consume(first, { AUDIT_BUCKET: bucket });
  assert.equal(first.messages[0].fate, "retry");
  failing = false;
  const second = batchOf(queue.sent);
  await consume(second, { AUDIT_BUCKET: bucket });
  assert.equal(second.messages[0].fate, "ack");
  const [put] = puts;
  const entries = put.text.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.equal(put.key, objectKey(outbox.chain, entries[0], entries[2]));
  assert.match(put.key, new RegExp(`^audit/\\d{4}-\\d{2}-\\d{2}/${outbox.chain}/000000000001-000000000003\\.jsonl$`));
  assert.equal(put.options.customMetadata.lastHash, entries[2].hash);
  assert.equal(put.options.customMetadata.verified, "true");

  const junk = batchOf([{ chain: "../../etc", lines: "x" }]);
  await consume(junk, { AUDIT_BUCKET: bucket });
  assert.equal(junk.messages[0].fate, "retry", "not written; the Queue retries it, then dead-letters it");
});
