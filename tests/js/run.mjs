// Runs the JavaScript tests against the packed package, as a user would get it:
// `npm pack` pkg/, install the tarball into a throwaway consumer project, copy the
// test files there, and run them with `node --test`.
//
// Usage: node tests/js/run.mjs [name-filter]   (after the package is built)
// MESHGUARD_PKG_DIR (default pkg) is the package to test; MESHGUARD_BUILD_DIR
// (default .build) holds the tarball and the consumer project.

import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const build = resolve(root, process.env.MESHGUARD_BUILD_DIR ?? ".build");
const pkg = resolve(root, process.env.MESHGUARD_PKG_DIR ?? "pkg");
const consumer = join(build, "consumer");
const filter = process.argv[2];

function run(cmd, args, opts = {}) {
  console.log(`$ ${cmd} ${args.join(" ")}`);
  return execFileSync(cmd, args, { stdio: "inherit", ...opts });
}

if (!existsSync(join(pkg, "package.json"))) {
  console.error(`${pkg} is missing: build the package first (node pkg-templates/build.mjs)`);
  process.exit(1);
}

// 1. Pack, as npm would publish it.
mkdirSync(build, { recursive: true });
const packed = JSON.parse(
  execFileSync("npm", ["pack", "--json", "--pack-destination", build, pkg], { encoding: "utf8" }),
);
const tarball = join(build, packed[0].filename);

// 2. A fresh consumer project with the tarball, the adapter's peers and the tests'
//    own dependencies (saxes, a strict XML parser; the MCP server SDK, for a real
//    stdio MCP server), at the versions the repository's lock file pins.
rmSync(consumer, { recursive: true, force: true });
mkdirSync(join(consumer, "tests"), { recursive: true });
writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2));
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
const pinned = (name) => `${name}@${lock.packages[`node_modules/${name}`].version}`;
run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball, pinned("@openai/agents"), pinned("zod"), pinned("saxes"), pinned("@modelcontextprotocol/server")], {
  cwd: consumer,
});

// 3. The tests, next to the installed package.
const tests = readdirSync(here).filter((f) => /\.test\.(mjs|cjs)$/.test(f) && (!filter || f.includes(filter)));
for (const f of readdirSync(here).filter((f) => !/^run\.mjs$/.test(f))) cpSync(join(here, f), join(consumer, "tests", f), { recursive: true });

// The tests find the vectors from MESHGUARD_ROOT (tests/js/support.mjs).
const env = { ...process.env, MESHGUARD_ROOT: root, NODE_ENV: "production" };
try {
  run(process.execPath, ["--test", "--test-concurrency=1", ...tests.map((t) => join(consumer, "tests", t))], { cwd: consumer, env });
} catch {
  process.exit(1);
}
