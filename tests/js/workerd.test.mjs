// The package in a Cloudflare Worker, in the real workerd runtime (through Miniflare).
// The Worker is bundled the way wrangler does it: esbuild with the `workerd`
// export condition, the .wasm kept as a module of its own.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { assertPassed, root, seedPolicy, vectorFiles } from "./support.mjs";

const devRequire = createRequire(join(root, "package.json"));
const { Miniflare } = await import(devRequire.resolve("miniflare"));
const esbuild = await import(devRequire.resolve("esbuild"));

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, "worker");
let mf;

// Built inside the handler.
const worker = `
import { MeshGuard, runConformance, verifyAudit, MeshGuardError } from "@meshguard/policy";

export default {
  async fetch(request) {
    const { op, vectors, policy } = await request.json();
    if (op === "conformance") {
      return Response.json(vectors.map(({ file, text }) => runConformance(text, { file })));
    }
    const started = Date.now();
    const mesh = new MeshGuard({ policies: [policy], agent: { id: "agent_support", tags: ["support"], trustTier: "verified" } });
    const decisions = [
      mesh.check("write:refund", { context: { amount: 50 } }),
      mesh.check("write:refund", { context: { amount: 150 } }),
    ];
    let error = null;
    try { mesh.check(42); } catch (e) { error = { isMeshGuardError: e instanceof MeshGuardError, message: e.message }; }
    const after = mesh.check("read:customer_data");
    return Response.json({ decisions, error, after, verified: verifyAudit(mesh.exportAudit()), setupMs: Date.now() - started });
  },
};
`;

// Built at module scope, where Worker authors keep long-lived objects, and where
// workerd refuses to draw random values: the instance must wait for its first call.
const moduleScopeWorker = (policy) => `
import { MeshGuard, verifyAudit } from "@meshguard/policy";

const entries = [];
const mesh = new MeshGuard({
  policies: [${JSON.stringify(policy)}],
  agent: { id: "agent_support", tags: ["support"], trustTier: "verified" },
  onAudit: (entry) => entries.push(entry),
});

export default {
  async fetch() {
    const decision = mesh.check("write:refund", { context: { amount: 50 } });
    return Response.json({ decision, traceId: mesh.traceId, ids: entries.map((e) => e.id), verified: verifyAudit(mesh.exportAudit()) });
  },
};
`;

before(async () => {
  mkdirSync(join(dir, "out"), { recursive: true });
  writeFileSync(join(dir, "entry.js"), worker);
  writeFileSync(join(dir, "module-scope.js"), moduleScopeWorker(seedPolicy()));
  const result = await esbuild.build({
    entryPoints: [join(dir, "entry.js"), join(dir, "module-scope.js")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    outdir: join(dir, "out"),
    metafile: true,
    logLevel: "warning",
    plugins: [
      {
        name: "wasm-module",
        setup(b) {
          b.onResolve({ filter: /\.wasm$/ }, (args) => {
            copyFileSync(join(args.resolveDir, args.path), join(dir, "out", "meshguard_policy_bg.wasm"));
            return { path: "./meshguard_policy_bg.wasm", external: true };
          });
        },
      },
    ],
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((i) => i.endsWith("@meshguard/policy/workerd.js")), "the workerd condition picks workerd.js");
  const workerOptions = (name, script) => ({
    name,
    compatibilityDate: "2025-01-01",
    modulesRoot: join(dir, "out"),
    modules: [
      { type: "ESModule", path: join(dir, "out", script) },
      { type: "CompiledWasm", path: join(dir, "out", "meshguard_policy_bg.wasm") },
    ],
  });
  mf = new Miniflare({ workers: [workerOptions("handler", "entry.js"), workerOptions("module-scope", "module-scope.js")] });
  await mf.ready;
});

after(async () => {
  await mf?.dispose();
});

async function call(body, name = "handler") {
  const worker = await mf.getWorker(name);
  const res = await worker.fetch("http://worker/", { method: "POST", body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

test("every conformance vector passes inside workerd", async () => {
  const reports = await call({ op: "conformance", vectors: vectorFiles() });
  assert.ok(reports.length >= 5);
  for (const report of reports) assertPassed(report);
});

test("a Worker decides, refuses bad input, keeps answering, and audits", async () => {
  const out = await call({ op: "check", policy: seedPolicy() });
  assert.deepEqual(out.decisions.map((d) => d.decision), ["allow", "deny"]);
  assert.equal(out.error.isMeshGuardError, true);
  assert.match(out.error.message, /action must be a non-empty string/);
  assert.equal(out.after.allowed, true);
  assert.equal(out.verified.ok, true);
  assert.equal(out.verified.entries, 3);
});

test("a MeshGuard made at a Worker's module scope starts, and draws its ids on first use", async () => {
  const first = await call({}, "module-scope");
  assert.equal(first.decision.decision, "allow");
  assert.match(first.traceId, /^mg-[0-9a-f]{16}$/);
  assert.notEqual(first.traceId, "mg-0000000000000000", "the ids are drawn, not the placeholder");
  assert.equal(first.decision.traceId, first.traceId);
  assert.deepEqual(first.ids, [`${first.traceId.slice(3)}-1`]);
  const second = await call({}, "module-scope");
  assert.equal(second.traceId, first.traceId, "one instance for the isolate's life");
  assert.deepEqual(second.ids, [`${first.traceId.slice(3)}-1`, `${first.traceId.slice(3)}-2`]);
  assert.equal(second.verified.ok, true);
  assert.equal(second.verified.entries, 2);
});
