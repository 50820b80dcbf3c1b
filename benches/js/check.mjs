// JavaScript benchmark of the built package (pkg/), with Cedar measured in the same
// run: check throughput and latency on the seed policy, the cost of the audit trail,
// cold start in Node and in workerd, and the size of the .wasm; and agent-token
// verification, valid and hostile tokens, with jose measured in the same run.
//
// Usage: node benches/js/check.mjs [--quick]   (after `node pkg-templates/build.mjs`)
// Writes the figures to .build/bench.json. Not a test: nothing here asserts timings.

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

import { agent, options, requests, root, seed } from "./seed.mjs";

const quick = process.argv.includes("--quick");
const N = quick ? 20_000 : 200_000;
const pkg = join(root, "pkg");
const cedarPolicy = readFileSync(join(root, "benches", "js", "seed-policy.cedar"), "utf8");

const { MeshGuard } = await import(pathToFileURL(join(pkg, "node.mjs")).href);
const cedar = await import("@cedar-policy/cedar-wasm/nodejs");

// The same four requests (./seed.mjs) for both engines, each with its expected answer.
const ours = (mesh) =>
  requests.map((r) => {
    const opts = options(r);
    return () => mesh.check(r.action, opts).decision;
  });

cedar.preparsePolicySet("seed", { staticPolicies: cedarPolicy });
const entities = [{ uid: { type: "Agent", id: "agent_support" }, attrs: {}, parents: [{ type: "Tag", id: "openai" }, { type: "Tag", id: "support" }] }];
const theirs = requests.map((r) => {
  const context = r.cents !== undefined ? { amount_cents: r.cents } : r.hour !== undefined ? { hour: r.hour } : {};
  const call = {
    principal: { type: "Agent", id: "agent_support" },
    action: { type: "Action", id: r.action },
    resource: { type: "Tool", id: "default" },
    context,
    entities,
    preparsedPolicySetId: "seed",
  };
  return () => cedar.statefulIsAuthorized(call).response.decision;
});

/** Throughput over `n` calls cycling through `fns`, and per-call latency percentiles. */
function measure(fns, n) {
  for (let i = 0; i < Math.min(n, 20_000); i++) fns[i % fns.length]();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fns[i % fns.length]();
  const seconds = (performance.now() - t0) / 1000;
  const samples = new Float64Array(Math.min(n, 50_000));
  for (let i = 0; i < samples.length; i++) {
    const s = process.hrtime.bigint();
    fns[i % fns.length]();
    samples[i] = Number(process.hrtime.bigint() - s) / 1000;
  }
  samples.sort();
  return {
    perSecond: Math.round(n / seconds),
    p50us: +samples[Math.floor(samples.length * 0.5)].toFixed(2),
    p99us: +samples[Math.floor(samples.length * 0.99)].toFixed(2),
  };
}

function verify(fns, label) {
  fns.forEach((f, i) => {
    if (f() !== requests[i].expect) throw new Error(`${label}: request ${i} decided ${f()}, expected ${requests[i].expect}`);
  });
}

const alone = ours(new MeshGuard({ policies: [seed], agent, audit: false }));
const audited = ours(new MeshGuard({ policies: [seed], agent }));
verify(alone, "meshguard");
verify(theirs, "cedar");

const results = { machine: `${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}` };
const cedarN = Math.max(2_000, Math.round(N / 40));
results.meshguard = measure(alone, N);
results.meshguardWithAudit = measure(audited, N);
results.cedar = measure(theirs, cedarN);
results.ratioVsCedar = +(results.meshguard.perSecond / results.cedar.perSecond).toFixed(1);
results.auditOverheadPercent = +((results.meshguard.perSecond / results.meshguardWithAudit.perSecond - 1) * 100).toFixed(1);

// Cold start in Node: a fresh process imports the package, compiles and instantiates
// the .wasm, and loads the seed policy; the median of several runs.
// Node's own floor is measured alongside: the first dynamic import of an empty ES
// module file, which starts Node's module loader.
const emptyModule = join(root, ".build", "empty-module.mjs");
mkdirSync(dirname(emptyModule), { recursive: true });
writeFileSync(emptyModule, "export {};\n");
const coldScript = `
const t = performance.now();
await import(${JSON.stringify(pathToFileURL(emptyModule).href)});
const t0 = performance.now();
const { MeshGuard } = await import(${JSON.stringify(pathToFileURL(join(pkg, "node.mjs")).href)});
const t1 = performance.now();
const mesh = new MeshGuard({ policies: [${JSON.stringify(seed)}], agent: { id: "a", tags: ["support"] } });
mesh.check("read:customer_data");
const t2 = performance.now();
console.log(JSON.stringify({ nodeLoaderFloor: t0 - t, importAndInstantiate: t1 - t0, loadAndFirstCheck: t2 - t1, total: t2 - t0 }));
`;
const colds = [];
for (let i = 0; i < (quick ? 3 : 9); i++) {
  colds.push(JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", coldScript], { encoding: "utf8" })));
}
const median = (key) => +colds.map((c) => c[key]).sort((a, b) => a - b)[Math.floor(colds.length / 2)].toFixed(2);
results.coldStartNodeMs = {
  nodeLoaderFloor: median("nodeLoaderFloor"),
  importAndInstantiate: median("importAndInstantiate"),
  loadAndFirstCheck: median("loadAndFirstCheck"),
  total: median("total"),
};

const cedarCold = `
const t0 = performance.now();
const cedar = await import("@cedar-policy/cedar-wasm/nodejs");
cedar.preparsePolicySet("seed", { staticPolicies: ${JSON.stringify(cedarPolicy)} });
console.log(performance.now() - t0);
`;
results.coldStartCedarNodeMs = +Number(execFileSync(process.execPath, ["--input-type=module", "-e", cedarCold], { encoding: "utf8", cwd: root })).toFixed(2);

results.coldStartWorkerdMs = await workerdColdStart();

results.tokens = await tokenRefusals();

// Sizes: ours, and Cedar's from its package, gzip level 9.
const wasm = readFileSync(join(pkg, "meshguard_policy_bg.wasm"));
results.wasm = { raw: wasm.length, gzip: gzipSync(wasm, { level: 9 }).length };
const cedarDir = dirname(fileURLToPath(import.meta.resolve("@cedar-policy/cedar-wasm/nodejs")));
const cedarWasm = readFileSync(join(cedarDir, readdirSync(cedarDir).find((f) => f.endsWith(".wasm"))));
results.cedarWasm = { raw: cedarWasm.length, gzip: gzipSync(cedarWasm, { level: 9 }).length };

mkdirSync(join(root, ".build"), { recursive: true });
writeFileSync(join(root, ".build", "bench.json"), JSON.stringify(results, null, 2) + "\n");
console.log(JSON.stringify(results, null, 2));

/** Instantiating the module and loading the policy inside workerd (Miniflare), in ms. */
async function workerdColdStart() {
  const esbuild = await import("esbuild");
  const { Miniflare } = await import("miniflare");
  const dir = join(root, ".build", "bench-worker");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "entry.js"),
    `export default { async fetch() {
      const t0 = Date.now();
      const { MeshGuard } = await import(${JSON.stringify(join(pkg, "workerd.js"))});
      const mesh = new MeshGuard({ policies: [${JSON.stringify(seed)}], agent: { id: "a", tags: ["support"] } });
      mesh.check("read:customer_data");
      return Response.json({ ms: Date.now() - t0 });
    } };`,
  );
  await esbuild.build({
    entryPoints: [join(dir, "entry.js")],
    bundle: true,
    format: "esm",
    outfile: join(dir, "worker.js"),
    logLevel: "warning",
    plugins: [{ name: "wasm", setup: (b) => b.onResolve({ filter: /\.wasm$/ }, () => ({ path: "./meshguard_policy_bg.wasm", external: true })) }],
  });
  writeFileSync(join(dir, "meshguard_policy_bg.wasm"), readFileSync(join(pkg, "meshguard_policy_bg.wasm")));
  const runs = [];
  for (let i = 0; i < (quick ? 2 : 5); i++) {
    const mf = new Miniflare({
      compatibilityDate: "2025-01-01",
      modulesRoot: dir,
      modules: [
        { type: "ESModule", path: join(dir, "worker.js") },
        { type: "CompiledWasm", path: join(dir, "meshguard_policy_bg.wasm") },
      ],
    });
    runs.push((await (await mf.dispatchFetch("http://bench/")).json()).ms);
    await mf.dispose();
  }
  return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)];
}

/**
 * Verifying an agent token (HS256), valid and hostile, against jose's `jwtVerify` of
 * the same text with the same key: microseconds per call (median of rounds). The
 * hostile ones must be refused without work that grows with what an attacker
 * controls; the 1 MB token is refused on its size before it is decoded.
 */
async function tokenRefusals() {
  const jose = await import("jose");
  const secret = "a-shared-secret-of-at-least-32-bytes!";
  const key = new TextEncoder().encode(secret);
  const verifier = new MeshGuard({ verify: { secret } });
  const good = await new jose.SignJWT({ tier: "verified" }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setSubject("a").setIssuer("meshguard").setExpirationTime("1h").sign(key);
  const [h, p, sig] = good.split(".");
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const tokens = {
    valid: good,
    algNone: `${b64({ alg: "none", typ: "JWT" })}.${p}.`,
    badSignature: `${h}.${p}.${sig.slice(0, -2)}AA`,
    oneMegabyte: `${h}.${"A".repeat(1024 * 1024)}.${sig}`,
  };
  const time = async (fn, rounds) => {
    const per = [];
    for (let r = 0; r < 5; r++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < rounds; i++) await fn();
      per.push(Number(process.hrtime.bigint() - t0) / 1000 / rounds);
    }
    return +per.sort((a, b) => a - b)[2].toFixed(2);
  };
  const out = {};
  for (const [name, token] of Object.entries(tokens)) {
    const rounds = name === "oneMegabyte" ? (quick ? 5 : 20) : quick ? 200 : 2_000;
    const ours = await time(() => {
      try {
        verifier.verifyAgentToken(token);
      } catch {}
    }, rounds);
    const theirs = await time(() => jose.jwtVerify(token, key, { issuer: "meshguard" }).catch(() => {}), rounds);
    out[name] = { meshguardUs: ours, joseUs: theirs, ratio: +(theirs / ours).toFixed(1) };
  }
  return out;
}
