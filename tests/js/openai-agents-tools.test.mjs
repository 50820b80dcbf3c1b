// Shell, apply_patch, MCP servers and hosted MCP through the adapter's ES module
// entry (the scenarios are in openai-agents-tools.scenarios.cjs), and the repo
// assistant example.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, test } from "node:test";

import * as sdk from "@openai/agents";
import * as testing from "@openai/agents/testing";
import * as policy from "@meshguard/policy";
import * as adapter from "@meshguard/policy/openai-agents";

sdk.setTraceProcessors([]);
createRequire(import.meta.url)("./openai-agents-tools.scenarios.cjs")({ test, before, after, sdk, testing, policy, adapter, entry: "ESM" });

test("the repo assistant example runs offline, refuses what its policy refuses, and ends with a verified trail", () => {
  // Inside the consumer project, so it resolves the installed package, the SDK and the MCP server SDK.
  const dir = join(process.cwd(), "tests", "coding-example");
  cpSync(join(process.env.MESHGUARD_ROOT, "examples", "openai-agents"), dir, { recursive: true });
  try {
    const env = { ...process.env, NO_COLOR: "1" };
    delete env.OPENAI_API_KEY;
    const out = execFileSync(process.execPath, [join(dir, "coding.mjs")], { env, encoding: "utf8" });
    for (const line of [
      "tools offered to the model: list_files, read_file, search, shell, apply_patch",
      "↳ Secrets are never read",
      "↳ Only read-only commands run in the shell",
      "↳ The assistant edits files under src/ only",
      "↳ approved by a person",
      'src/greeting.js now reads: export const greeting = () => "Hello, MeshGuard";',
      "README.md is unchanged: true",
      "✔ audit trail verified",
    ]) {
      assert.ok(out.includes(line), `the example prints ${JSON.stringify(line)}:\n${out}`);
    }
    assert.ok(!out.includes("$ rm -rf"), "the destructive command never reached the shell");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
