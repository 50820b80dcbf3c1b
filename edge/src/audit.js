// The audit trail at the edge. Each isolate and each Durable Object has one engine,
// so one hash chain; its entries wait in an Outbox and go, in batches, to the audit
// Queue. The Queue's consumer (this Worker) writes each batch to R2 as one JSON Lines
// object. Nothing is dropped: a batch that cannot be sent stays queued in memory and
// is sent again; past a backlog limit the Worker refuses decisions (503) rather than
// make ones it cannot record.

import { verifyAudit } from "@meshguard/policy";

import { HttpError } from "./http.js";

/** A Queue message holds at most 128 KB; batches stay well under. */
export const MAX_BATCH_BYTES = 96 * 1024;
/** Delays between the attempts of one send. */
export const RETRY_DELAYS_MS = [100, 500, 2000];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Entries of one chain on their way to the Queue. */
export class Outbox {
  /** The send in flight, if any: sends follow one another. */
  #sending = Promise.resolve();

  /**
   * @param kind names the chain's owner in R2 keys: `isolate` or `limits`.
   * @param maxBacklog entries held before decisions are refused.
   */
  constructor(kind, maxBacklog, { delays = RETRY_DELAYS_MS } = {}) {
    this.kind = kind;
    this.maxBacklog = maxBacklog;
    this.delays = delays;
    /** JSON lines not yet sent, oldest first. */
    this.lines = [];
    this.chain = null;
    this.sent = 0;
    this.failedSends = 0;
    this.lastFailure = null;
  }

  /** The sink of the chain's engine. */
  add(entry) {
    if (this.chain === null) this.chain = `${this.kind}-${entry.id.slice(0, entry.id.lastIndexOf("-"))}`;
    this.lines.push(JSON.stringify(entry));
  }

  /** Refuses (503) while too many entries wait: no decision without its record. */
  requireRoom() {
    if (this.lines.length >= this.maxBacklog) {
      throw new HttpError(503, "audit_backlog", `${this.lines.length} audit entries are waiting to be sent to the audit queue; decisions resume when they are sent`);
    }
  }

  /** Sends what waits, after any send in flight; for `ctx.waitUntil`. Never rejects. */
  flush(queue) {
    this.#sending = this.#sending.then(() => this.#sendAll(queue));
    return this.#sending;
  }

  async #sendAll(queue) {
    while (this.lines.length > 0) {
      const count = batchSize(this.lines);
      const batch = this.lines.slice(0, count);
      const message = { chain: this.chain, lines: `${batch.join("\n")}\n` };
      const error = await this.#send(queue, message);
      if (error) {
        this.failedSends += 1;
        this.lastFailure = { at: new Date().toISOString(), message: String(error?.message ?? error), waiting: this.lines.length };
        console.error(`audit: ${this.lines.length} entries of chain ${this.chain} kept for the next send: ${this.lastFailure.message}`);
        return;
      }
      this.lines.splice(0, count);
      this.sent += count;
    }
  }

  /** One message, tried once plus once per delay; the last error, or null when sent. */
  async #send(queue, message) {
    let error = null;
    for (let attempt = 0; attempt <= this.delays.length; attempt++) {
      if (attempt > 0) await sleep(this.delays[attempt - 1]);
      try {
        if (!queue) throw new Error("no AUDIT_QUEUE binding");
        await queue.send(message, { contentType: "json" });
        return null;
      } catch (e) {
        error = e;
      }
    }
    return error;
  }

  /** For health: what waits and what failed. */
  status() {
    return { chain: this.chain, waiting: this.lines.length, sent: this.sent, failedSends: this.failedSends, lastFailure: this.lastFailure };
  }
}

/** How many of the first lines fit in one message (at least one). */
function batchSize(lines) {
  let bytes = 0;
  let n = 0;
  while (n < lines.length && (n === 0 || bytes + lines[n].length + 1 <= MAX_BATCH_BYTES)) {
    bytes += lines[n].length + 1;
    n += 1;
  }
  return n;
}

/** The R2 key of a batch: `audit/<date>/<chain>/<first seq>-<last seq>.jsonl`, seqs zero-padded so keys sort. */
export function objectKey(chain, first, last) {
  const pad = (n) => String(n).padStart(12, "0");
  return `audit/${first.timestamp.slice(0, 10)}/${chain}/${pad(first.seq)}-${pad(last.seq)}.jsonl`;
}

/** Writes one Queue message (a batch) to R2. Throws when it cannot; the caller retries the message. */
export async function store(bucket, { chain, lines }) {
  if (typeof chain !== "string" || !/^[a-z]+-[0-9a-f]+$/.test(chain) || typeof lines !== "string") {
    throw new Error(`not an audit batch (chain ${JSON.stringify(chain)})`);
  }
  const rows = lines.trimEnd().split("\n");
  const first = JSON.parse(rows[0]);
  const last = JSON.parse(rows[rows.length - 1]);
  const verified = verifyAudit(lines);
  if (!verified.ok) console.error(`audit: batch ${chain} ${first.seq}-${last.seq} does not verify: ${verified.problem}`);
  const key = objectKey(chain, first, last);
  await bucket.put(key, lines, {
    httpMetadata: { contentType: "application/x-ndjson" },
    customMetadata: {
      chain,
      firstSeq: String(first.seq),
      lastSeq: String(last.seq),
      prevHash: first.prevHash,
      lastHash: last.hash,
      verified: String(verified.ok),
    },
  });
  return key;
}

/** The Queue consumer: each message becomes one R2 object; a failed write is retried by the Queue. */
export async function consume(batch, env) {
  for (const message of batch.messages) {
    try {
      await store(env.AUDIT_BUCKET, message.body);
      message.ack();
    } catch (e) {
      console.error(`audit: writing message ${message.id} failed (attempt ${message.attempts}), retrying: ${e.message}`);
      message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
    }
  }
}
