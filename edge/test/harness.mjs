// Runs the Worker as it deploys: `wrangler deploy --dry-run` builds the bundle, and
// Miniflare runs that bundle in the real workerd, with the bindings wrangler.toml
// declares (KV, Durable Objects, Queue, R2) and the settings a test gives.

import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

export const edgeDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const wranglerBin = createRequire(join(edgeDir, "package.json")).resolve("wrangler/bin/wrangler.js");

/** Workers' limits on a Worker's compressed size (Free, Paid plans). */
export const SIZE_LIMITS = { free: 3 * 1024 * 1024, paid: 10 * 1024 * 1024 };

/**
 * Builds the Worker afresh with `wrangler deploy --dry-run --outdir <outdir>` (no
 * account needed) and returns its files with their raw and gzip sizes.
 */
export function build(outdir = join(edgeDir, "dist"), main = undefined) {
  rmSync(outdir, { recursive: true, force: true });
  const args = [wranglerBin, "deploy", ...(main ? [main] : []), "--dry-run", "--outdir", outdir];
  const log = execFileSync(process.execPath, args, {
    cwd: edgeDir,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
  });
  const files = readdirSync(outdir)
    .filter((f) => f.endsWith(".js") || f.endsWith(".wasm"))
    .map((f) => {
      const bytes = readFileSync(join(outdir, f));
      return { file: f, bytes: statSync(join(outdir, f)).size, gzip: gzipSync(bytes, { level: 9 }).length };
    });
  const script = files.find((f) => f.file.endsWith(".js")).file;
  return { outdir, script, files, log };
}

/** Miniflare options for one copy of the `built` Worker: wrangler.toml's bindings, `vars` on top. */
export function edgeWorker(built, { name = "edge", vars = {}, consumer = true, ...rest } = {}) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(edgeDir, "wrangler.toml"));
  const options = {
    ...workerOptions,
    name,
    scriptPath: join(built.outdir, built.script),
    modules: true,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    bindings: { ...workerOptions.bindings, ...vars },
    // Deliver audit batches within a second instead of five.
    queueConsumers: consumer
      ? Object.fromEntries(Object.entries(workerOptions.queueConsumers).map(([q, c]) => [q, { ...c, maxBatchTimeout: 1 }]))
      : {},
    ...rest,
  };
  return options;
}

/** A second isolate: the same script, its Durable Objects those of worker `owner`. */
export function secondIsolate(built, owner, options = {}) {
  const w = edgeWorker(built, { consumer: false, ...options });
  w.durableObjects = Object.fromEntries(
    Object.entries(w.durableObjects).map(([binding, d]) => [binding, { ...d, scriptName: owner }]),
  );
  return w;
}

export const start = (options) => new Miniflare(options);
