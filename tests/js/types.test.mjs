// The package's .d.ts files against typed usage, with the TypeScript compiler.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { root } from "./support.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const tsc = join(dirname(createRequire(join(root, "package.json")).resolve("typescript/package.json")), "bin", "tsc");

for (const config of readdirSync(here).filter((d) => d === "types" || d.startsWith("types-"))) {
  test(`tsc --noEmit accepts the typed usage in ${config}/`, () => {
    try {
      execFileSync(process.execPath, [tsc, "--noEmit", "-p", join(here, config, "tsconfig.json")], { encoding: "utf8" });
    } catch (e) {
      assert.fail(`tsc reported:\n${e.stdout}${e.stderr}`);
    }
  });
}
