// Assembles the npm package in pkg/: wasm-pack builds the core (web target, one
// .wasm shared by every runtime), binaryen's wasm-opt shrinks it, the templates
// here supply the JavaScript API, entries and types, and esbuild generates the
// CommonJS entries from the ES module sources.
//
// Usage: node pkg-templates/build.mjs [--out pkg]
// MESHGUARD_BUILD_DIR (default .build) holds intermediate files.

import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import * as esbuild from "esbuild";

const templates = dirname(fileURLToPath(import.meta.url));
const root = resolve(templates, "..");
const outArg = process.argv.indexOf("--out");
const out = resolve(root, outArg > 0 ? process.argv[outArg + 1] : "pkg");
const buildDir = resolve(root, process.env.MESHGUARD_BUILD_DIR ?? ".build");
const raw = join(buildDir, "wasm");
const bin = (name) => join(root, "node_modules", ".bin", name);

function run(cmd, args, env = {}) {
  console.log(`$ ${cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
}

// 1. The core, with the `wasm` profile of Cargo.toml (speed for the crate's own code,
//    size for its dependencies) and SIMD, which every runtime we target has.
run(
  "wasm-pack",
  ["build", "--target", "web", "--profile", "wasm", "--no-pack", "--out-dir", raw, "--out-name", "meshguard_policy", "--", "--no-default-features"],
  { CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS: "-C target-feature=+simd128" },
);

// 2. A fresh package directory with the templates and the glue.
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "glue"), { recursive: true });
const skip = new Set(["build.mjs"]);
for (const name of readdirSync(templates)) {
  if (!skip.has(name)) cpSync(join(templates, name), join(out, name), { recursive: true });
}
cpSync(join(raw, "meshguard_policy.js"), join(out, "glue", "meshguard_policy.js"));
cpSync(join(raw, "snippets"), join(out, "glue", "snippets"), { recursive: true });
cpSync(join(root, "README.md"), join(out, "README.md"));

// 3. One optimized .wasm.
run(bin("wasm-opt"), ["-Oz", join(raw, "meshguard_policy_bg.wasm"), "-o", join(out, "meshguard_policy_bg.wasm")]);

// 4. CommonJS entries, generated from the ES module sources.
const cjs = {
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node18",
  logLevel: "warning",
  define: { "import.meta.url": "__meshguardModuleUrl" },
  banner: { js: 'const __meshguardModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
};
await esbuild.build({ ...cjs, entryPoints: [join(out, "node.mjs")], outfile: join(out, "node.cjs") });
const adapter = join(out, "openai-agents.mjs");
if (statSync(adapter, { throwIfNoEntry: false })) {
  await esbuild.build({
    ...cjs,
    entryPoints: [adapter],
    outfile: join(out, "openai-agents.cjs"),
    external: ["@openai/agents", "@openai/agents/*", "zod"],
    // The adapter's error classes must be the main entry's, so `instanceof` holds.
    plugins: [
      {
        name: "share-errors",
        setup(b) {
          // lib/errors.js, whether the adapter or lib/args.js imports it.
          b.onResolve({ filter: /(^|\/)errors\.js$/ }, () => ({ path: "./node.cjs", external: true }));
        },
      },
    ],
  });
}

const wasm = readFileSync(join(out, "meshguard_policy_bg.wasm"));
const size = { raw: wasm.length, gzip: gzipSync(wasm, { level: 9 }).length };
writeFileSync(join(buildDir, "wasm-size.json"), JSON.stringify(size) + "\n");
console.log(`built ${out}: meshguard_policy_bg.wasm ${size.raw} bytes, ${size.gzip} gzip`);
