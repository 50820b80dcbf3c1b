// Compares builds of the package (each a directory like pkg/): check time, with the
// builds alternated in one Node process so that this machine's drift hits them
// alike, and cold start in fresh processes, alternated too. Used for the opt-level,
// inline-threshold and first-load figures in BENCHMARKS.md. Not a test: nothing
// here asserts timings.
//
// Usage: node benches/js/compare.mjs <pkg-dir> <pkg-dir>...
// Cold start only: COMPARE=cold; checks only: COMPARE=checks. Node flags given to
// this script (--no-wasm-lazy-compilation, say) are given to the cold starts too.
// Child mode (one cold start, used by the above): node compare.mjs --cold <pkg-dir>

import { execFileSync } from "node:child_process";
import { basename, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { agent, coldStart, loadPackage, options, requests, seed } from "./seed.mjs";

const here = fileURLToPath(import.meta.url);
const calls = requests.map((r) => [r.action, options(r)]);
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];

if (process.argv[2] === "--cold") {
  // Import, first load of the seed policy, first check: milliseconds of each.
  const t = [performance.now()];
  await coldStart(process.argv[3], () => t.push(performance.now()));
  console.log(JSON.stringify([t[1] - t[0], t[2] - t[1], t[3] - t[2]]));
  process.exit(0);
}

const dirs = process.argv.slice(2).map((d) => resolve(d));
if (dirs.length < 2) {
  console.error("usage: node benches/js/compare.mjs <pkg-dir> <pkg-dir>...");
  process.exit(2);
}
const what = process.env.COMPARE ?? "all";

if (what !== "cold") {
  const meshes = [];
  for (const dir of dirs) {
    const { MeshGuard } = await loadPackage(dir);
    meshes.push(new MeshGuard({ policies: [seed], agent, audit: false }));
  }
  const run = (mesh, n) => {
    for (let i = 0; i < n; i++) mesh.check(...calls[i % calls.length]);
  };
  for (const mesh of meshes) run(mesh, 50_000);
  const times = dirs.map(() => []);
  for (let round = 0; round < 30; round++) {
    meshes.forEach((mesh, i) => {
      const t = performance.now();
      run(mesh, 20_000);
      times[i].push(((performance.now() - t) * 1e6) / 20_000);
    });
  }
  const base = median(times[0]);
  console.log("check, median of 30 rounds of 20,000 (ns), and the ratio to the first build");
  dirs.forEach((dir, i) => console.log(`  ${basename(dir).padEnd(24)} ${median(times[i]).toFixed(0).padStart(6)}  ${(median(times[i]) / base).toFixed(3)}`));
}

if (what !== "checks") {
  const runs = dirs.map(() => []);
  for (let round = 0; round < 15; round++) {
    dirs.forEach((dir, i) => {
      const out = execFileSync(process.execPath, [...process.execArgv, here, "--cold", dir], { encoding: "utf8" });
      runs[i].push(JSON.parse(out));
    });
  }
  console.log("cold start, median of 15 fresh processes (ms): import, first load, first check, total");
  dirs.forEach((dir, i) => {
    const part = (k) => median(runs[i].map((r) => r[k]));
    const total = median(runs[i].map((r) => r[0] + r[1] + r[2]));
    console.log(`  ${basename(dir).padEnd(24)} ${[part(0), part(1), part(2), total].map((x) => x.toFixed(1).padStart(6)).join(" ")}`);
  });
}
