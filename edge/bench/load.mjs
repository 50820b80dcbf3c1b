// Load and cold-start figures for the edge Worker in the local workerd (Miniflare):
//
// 1. load: 10,000 POST /v1/check at concurrency 50 over HTTP, against the Worker and,
//    in the same run, against a Worker that only returns a fixed JSON (the floor of
//    workerd and HTTP on this machine); plus 2,000 checks of a rate-limited agent,
//    which go through its Durable Object.
// 2. cold start: fresh workerd processes; the first request of each isolate split into
//    instantiate (module evaluation, WebAssembly instantiation included), bundle load
//    (KV reads and parse) and first check.
// 3. CPU per check inside the Worker: checks through the Worker's handler and through
//    the engine alone, timed in the isolate.
//
// Usage: node bench/load.mjs [--requests 10000] [--concurrency 50] [--cold 5]
// Prints a Markdown summary (for BENCHMARKS.md) and exits non-zero if any request failed.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { build, edgeDir, edgeWorker, start } from "../test/harness.mjs";
import { SECRET, hsToken } from "../test/tokens.mjs";

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "50" },
    cold: { type: "string", default: "5" },
  },
});
const REQUESTS = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const COLD_RUNS = Number(args.cold);

const ADMIN = "bench-admin-token";
const policies = [
  { name: "support.yaml", text: readFileSync(join(edgeDir, "..", "examples", "policies", "openai-support-agent.yaml"), "utf8") },
  {
    name: "bots.yaml",
    text: "name: bots\nappliesTo: { tags: [bot] }\nrules:\n  - effect: allow\n    actions: [\"write:refund\"]\n    conditions: { rateLimit: { requestsPerMinute: 1000000 } }\n",
  },
];
const support = { id: "agent_support", name: "Customer Support", trustTier: "verified", tags: ["openai", "support"] };
const bot = { id: "agent_bot", tags: ["bot"] };

const floorWorker = `export default { async fetch(request) {
  await request.text();
  return Response.json({ allowed: true, decision: "allow", action: "write:refund", agentId: "agent_support" });
} };`;

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const fmt = (x, digits = 1) => x.toFixed(digits);

/** `total` POSTs at `concurrency`, each body from `bodyOf(i)`; latencies in ms. */
async function load(url, token, total, concurrency, bodyOf) {
  const latencies = [];
  const errors = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        try {
          const res = await fetch(url, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: JSON.stringify(bodyOf(i)),
          });
          const body = await res.json();
          if (res.status !== 200 || typeof body.decision !== "string") errors.push(`${res.status} ${JSON.stringify(body).slice(0, 200)}`);
        } catch (e) {
          errors.push(String(e.cause ?? e));
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((x, y) => x - y);
  return { requests: total, errors, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), rps: total / seconds };
}

const checkBody = (i) => ({ action: "write:refund", context: { amount: i % 2 ? 50 : 150 } });

async function publish(mf) {
  const res = await mf.dispatchFetch("http://edge/v1/policies", {
    method: "PUT",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({ policies }),
  });
  if (res.status !== 200) throw new Error(`publishing failed: ${res.status} ${await res.text()}`);
}

const vars = { AGENT_TOKEN_SECRET: SECRET, ADMIN_TOKEN: ADMIN };

async function loadRun(built) {
  const mf = start(edgeWorker(built, { vars }));
  const url = await mf.ready;
  const floorMf = start({ modules: true, script: floorWorker, compatibilityDate: "2026-04-01" });
  const floorUrl = await floorMf.ready;
  try {
    await publish(mf);
    const token = hsToken(support, { expiresIn: 3600 });
    const check = new URL("/v1/check", url);
    await load(check, token, 500, CONCURRENCY, checkBody); // warm-up
    await load(floorUrl, token, 500, CONCURRENCY, checkBody);
    const edge = await load(check, token, REQUESTS, CONCURRENCY, checkBody);
    const floor = await load(floorUrl, token, REQUESTS, CONCURRENCY, checkBody);
    const limited = await load(check, hsToken(bot, { expiresIn: 3600 }), 2000, CONCURRENCY, checkBody);
    return { edge, floor, limited };
  } finally {
    await mf.dispose();
    await floorMf.dispose();
  }
}

/** Fresh workerd processes over one persisted KV; the first request of each is /bench/cold. */
async function coldRuns(built) {
  const persist = mkdtempSync(join(tmpdir(), "meshguard-edge-bench-"));
  const token = hsToken(support, { expiresIn: 3600 });
  const options = edgeWorker(built, { vars, kvPersist: persist, consumer: false });
  try {
    const seed = start(options);
    await publish(seed);
    await seed.dispose();
    const runs = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const t = performance.now();
      const mf = start(options);
      await mf.ready;
      const readyMs = performance.now() - t;
      const res = await mf.dispatchFetch(`http://edge/bench/cold?token=${token}`);
      runs.push({ readyMs, ...(await res.json()) });
      await mf.dispose();
    }
    const floorReady = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const t = performance.now();
      const mf = start({ modules: true, script: floorWorker, compatibilityDate: "2026-04-01" });
      await mf.ready;
      floorReady.push(performance.now() - t);
      await mf.dispose();
    }
    const cpuMf = start(options);
    const cpu = await (await cpuMf.dispatchFetch(`http://edge/bench/cpu?n=5000&token=${token}`)).json();
    await cpuMf.dispose();
    return { runs, floorReady, cpu };
  } finally {
    rmSync(persist, { recursive: true, force: true });
  }
}

const built = build(join(edgeDir, "dist"));
const bench = build(join(edgeDir, "dist-bench"), "bench/worker.js");
const gzip = built.files.reduce((s, f) => s + f.gzip, 0);

const { edge, floor, limited } = await loadRun(built);
const { runs, floorReady, cpu } = await coldRuns(bench);
const m = (key) => median(runs.map((r) => r[key]));

console.log(`## Edge Worker (local workerd through Miniflare, Node ${process.version})

Bundle (\`wrangler deploy --dry-run\`): ${built.files.map((f) => `${f.file.replace(/^[0-9a-f]{40}-/, "")} ${(f.gzip / 1024).toFixed(0)} KB gzip`).join(", ")}; ${(gzip / 1024).toFixed(0)} KB in all, ${((100 * gzip) / (3 * 1024 * 1024)).toFixed(1)}% of the Free plan's 3 MB and ${((100 * gzip) / (10 * 1024 * 1024)).toFixed(1)}% of the Paid plan's 10 MB.

Load: ${REQUESTS} \`POST /v1/check\` at concurrency ${CONCURRENCY} over HTTP (half allow, half deny):

| target | errors | p50 ms | p99 ms | requests/s |
|---|---|---|---|---|
| edge Worker, isolate | ${edge.errors.length} | ${fmt(edge.p50)} | ${fmt(edge.p99)} | ${fmt(edge.rps, 0)} |
| fixed-JSON Worker (floor) | ${floor.errors.length} | ${fmt(floor.p50)} | ${fmt(floor.p99)} | ${fmt(floor.rps, 0)} |
| edge Worker, rate-limited agent via its Durable Object (2,000 requests) | ${limited.errors.length} | ${fmt(limited.p50)} | ${fmt(limited.p99)} | ${fmt(limited.rps, 0)} |

The edge Worker serves ${fmt(edge.rps / floor.rps, 2)}× the floor's requests/s at ${fmt(edge.p50 / floor.p50, 2)}× its p50.

Cold start, median of ${COLD_RUNS} fresh workerd processes (bundle: the guide's policy plus one rate-limited policy):

| step | ms |
|---|---|
| workerd ready (process start, script load, wasm compile) | ${fmt(m("readyMs"), 0)} (fixed-JSON Worker: ${fmt(median(floorReady), 0)}) |
| instantiate: module evaluation incl. WebAssembly instantiation | ${m("instantiateMs")} |
| bundle load: KV reads + parse + load | ${m("bundleLoadMs")} (parse alone: ${m("parseMs")}) |
| first check (token verifier setup, first decision, response) | ${m("firstCheckMs")} |
| a warm check, for comparison | ${m("warmCheckMs")} |

(Steps inside the isolate are timed with workerd's clock, which moves in whole milliseconds.)

CPU per check inside the Worker, isolate path, ${cpu.n} in a row (wall time of synchronous work in the local workerd, 1 ms clock over the whole run):

| part | µs per check |
|---|---|
| the Worker's handler: token, body, decision, audit entry, response (Queue I/O left out) | ${fmt(cpu.handlerUs, 1)} |
| of which the token verification (HS256) | ${fmt(cpu.tokenUs, 1)} |
| of which the engine's check, audit entry included | ${fmt(cpu.engineUs, 1)} |`);

const failed = [edge, floor, limited].flatMap((r) => r.errors);
if (failed.length) {
  console.error(`${failed.length} requests failed, e.g. ${failed.slice(0, 3).join("; ")}`);
  process.exit(1);
}
