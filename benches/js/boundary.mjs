// JSON text against serde-wasm-bindgen at each crossing of the WebAssembly boundary:
// options in; decisions, explanations and audit entries out. Both paths run in the
// same process on the same session, and each pair is checked to give the same
// objects before it is timed. Not a test: nothing here asserts timings.
//
// Usage (the bench build has extra exports, behind the `boundary-bench` feature):
//   MESHGUARD_BUILD_DIR=.build/boundary node pkg-templates/build.mjs --out .build/pkg-boundary --features boundary-bench
//   node pkg-templates/build.mjs     (the package as shipped, for its size)
//   node benches/js/boundary.mjs [--quick]
// Writes the figures to .build/boundary.json.

import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

import { agent, root, seed } from "./seed.mjs";

const quick = process.argv.includes("--quick");
const N = quick ? 5_000 : 30_000;
const benchPkg = join(root, ".build", "pkg-boundary");

// node.mjs instantiates the module; Core is the class the package wraps.
await import(pathToFileURL(join(benchPkg, "node.mjs")).href);
const { Core } = await import(pathToFileURL(join(benchPkg, "glue", "meshguard_policy.js")).href);

const session = (audit) => new Core(JSON.stringify({ agent, audit }), ["seed"], [seed], Date.now(), new Uint8Array(8));
const now = Date.parse("2026-11-26T10:00:00Z");

// Options of two sizes: what a tool call brings, and a larger one with nested context
// and metadata.
const small = { context: { amount: 150 } };
const large = {
  context: { amount: 150, currency: "USD", customer: { id: "c_42", tier: "gold", region: "eu-west", tags: ["vip", "repeat"] }, items: [1, 2, 3, 4, 5] },
  resource: "order:1234",
  metadata: { tool: "refund", run: "r-7", step: 3 },
  traceId: "trace-bench",
};

/** Microseconds per call over one round of `n` calls. */
function round(fn, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}

const median = (xs) => +xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(3);

/**
 * Times both paths after checking they agree: after a warm-up, seven rounds of each,
 * interleaved (the machine is shared, so a slow spell falls on both), and the median
 * round of each.
 */
function compare(name, json, object, same = (a, b) => assert.deepEqual(a, b), n = N) {
  same(json(), object());
  round(json, Math.min(n, 5_000));
  round(object, Math.min(n, 5_000));
  const rounds = { json: [], object: [] };
  for (let r = 0; r < 7; r++) {
    rounds.json.push(round(json, n));
    rounds.object.push(round(object, n));
  }
  const jsonUs = median(rounds.json);
  const objectUs = median(rounds.object);
  const result = { jsonUs, serdeWasmBindgenUs: objectUs, ratio: +(objectUs / jsonUs).toFixed(2) };
  console.log(`${name}: JSON ${jsonUs} µs, serde-wasm-bindgen ${objectUs} µs (${result.ratio}×)`);
  return result;
}

/** Decisions compared without their timestamps (each call makes a new one). */
const sameDecision = (a, b) => assert.deepEqual({ ...a, timestamp: 0 }, { ...b, timestamp: 0 });
const sameText = (a, b) => sameDecision(JSON.parse(a), JSON.parse(b));

const results = { machine: `${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}`, crossings: {} };
const c = results.crossings;
const core = session(false);

// 1. Options in (the decision comes back as text either way).
for (const [label, options] of [["small", small], ["large", large]]) {
  c[`optionsIn_${label}`] = compare(
    `options in (${label})`,
    () => core.check("write:refund", JSON.stringify(options), now),
    () => core.checkObjectIn("write:refund", options, now),
    sameText,
  );
}

// 2. Decisions out (the options go in as text either way).
const text = JSON.stringify(small);
c.decisionOut = compare(
  "decision out",
  () => JSON.parse(core.check("write:refund", text, now)),
  () => core.checkObjectOut("write:refund", text, now),
  sameDecision,
);

// 3. Explanations out.
c.explanationOut = compare(
  "explanation out",
  () => JSON.parse(core.explain("write:refund", text, now)),
  () => core.explainObjectOut("write:refund", text, now),
  sameDecision,
);

// 4. Audit entries out: one entry and twenty, from a trail with a context per entry.
const audited = session(true);
for (let i = 0; i < 40; i++) audited.check("write:refund", JSON.stringify(large), now + i);
for (const limit of [1, 20]) {
  const query = JSON.stringify({ limit });
  c[`auditEntriesOut_${limit}`] = compare(
    `audit entries out (${limit})`,
    () => JSON.parse(audited.auditQuery(query)),
    () => audited.auditQueryObjectOut(query),
    undefined,
    Math.round(N / limit),
  );
}

// Size: the shipped build against the bench build (serde-wasm-bindgen and the bench
// exports above), gzip level 9.
const size = (dir) => {
  const wasm = readFileSync(join(dir, "meshguard_policy_bg.wasm"));
  return { raw: wasm.length, gzip: gzipSync(wasm, { level: 9 }).length };
};
results.wasm = { shipped: size(join(root, "pkg")), withSerdeWasmBindgen: size(benchPkg) };
results.wasm.gzipCost = results.wasm.withSerdeWasmBindgen.gzip - results.wasm.shipped.gzip;

mkdirSync(join(root, ".build"), { recursive: true });
writeFileSync(join(root, ".build", "boundary.json"), JSON.stringify(results, null, 2) + "\n");
console.log(JSON.stringify(results, null, 2));
