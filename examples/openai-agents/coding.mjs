#!/usr/bin/env node
// A governed repo assistant with the OpenAI Agents SDK and @meshguard/policy: a
// coding agent with a shell, apply_patch and a small local MCP server of file
// tools (coding/repo-files-server.mjs, over stdio). MeshGuard decides every
// command, every file edit and every MCP call, and offers the model only the MCP
// tools its policy could allow. Each decision is printed as it is made; the run
// ends with the audit trail and its verification.
//
// It works on a throwaway copy of a tiny project in a temporary directory, and
// answers from a script (ScriptedModel), so it runs offline:
//
//   examples/run.sh openai-agents/coding.mjs   (after scripts/build.sh)

import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Agent, MCPServerStdio, RunState, applyDiff, setTraceProcessors } from "@openai/agents";
import { ScriptedModel, assistantMessage, functionCall, modelResponder } from "@openai/agents/testing";
import { MeshGuard } from "@meshguard/policy";
import { bold, dim, heading, MARK, printTrail, yellow } from "./console.mjs";
import { governMcpServer, governedApplyPatch, governedShell, meshguardAgents, meshguardTraceProcessor, runWithAudit } from "@meshguard/policy/openai-agents";

const here = dirname(fileURLToPath(import.meta.url));

/** Prints each policy decision as the audit trail records it. */
function printDecision(e) {
  if (e.action.startsWith("trace:") || e.action.startsWith("session:")) return;
  const ctx = e.metadata?.context;
  const about = e.resource ? dim(` ${e.resource}`) : ctx && Object.keys(ctx).length ? dim(` ${JSON.stringify(ctx)}`) : "";
  const note = e.metadata?.offered === false ? dim("  (not offered to the model)") : "";
  console.log(`   ${MARK[e.decision]}  ${bold(e.action)}${about}${note}`);
  if (e.decision !== "allow" || e.metadata?.approval) console.log(`              ${dim("↳")} ${e.reason}`);
}

// ---------------------------------------------------------------------------
// A throwaway project: the agent never touches the repository.

const repo = mkdtempSync(join(tmpdir(), "meshguard-repo-"));
process.on("exit", () => rmSync(repo, { recursive: true, force: true }));
mkdirSync(join(repo, "src"));
writeFileSync(join(repo, "package.json"), JSON.stringify({ name: "demo", private: true, scripts: { test: "node --test src/" } }, null, 2) + "\n");
writeFileSync(join(repo, "README.md"), "# demo\n\nSays hello.\n");
writeFileSync(join(repo, ".env"), "API_TOKEN=do-not-read\n");
writeFileSync(join(repo, "src", "greeting.js"), 'export const greeting = () => "Hello, world";\n');
writeFileSync(
  join(repo, "src", "greeting.test.js"),
  'import assert from "node:assert/strict";\nimport { test } from "node:test";\nimport { greeting } from "./greeting.js";\n\ntest("greets MeshGuard", () => assert.equal(greeting(), "Hello, MeshGuard"));\n',
);
writeFileSync(join(repo, "src", "package.json"), '{ "type": "module" }\n');

// ---------------------------------------------------------------------------
// MeshGuard, and the three governed kinds of tool

const mesh = new MeshGuard({ policies: [{ name: "repo-assistant.yaml", text: readFileSync(join(here, "coding", "repo-assistant.yaml"), "utf8") }], onAudit: printDecision });
setTraceProcessors([meshguardTraceProcessor({ mesh })]);

const sh = promisify(execFile);
/** A Shell that runs each command in the project, one after another. */
const shell = {
  async run(action) {
    const output = [];
    for (const command of action.commands) {
      console.log(`   ${dim("$")} ${command}`);
      try {
        const { stdout, stderr } = await sh("/bin/sh", ["-c", command], { cwd: repo, timeout: 60_000 });
        output.push({ stdout, stderr, outcome: { type: "exit", exitCode: 0 } });
      } catch (e) {
        output.push({ stdout: e.stdout ?? "", stderr: e.stderr ?? String(e.message), outcome: { type: "exit", exitCode: e.code ?? 1 } });
      }
      console.log(dim(`     exit ${output.at(-1).outcome.exitCode}`));
    }
    return { output };
  },
};

/** An Editor that applies V4A diffs inside the project. */
const inRepo = (path) => {
  const full = resolve(repo, path);
  if (relative(repo, full).startsWith("..")) throw new Error(`${path} is outside the project`);
  return full;
};
const editor = {
  createFile: async (op) => (writeFileSync(inRepo(op.path), applyDiff("", op.diff, "create")), { output: `created ${op.path}` }),
  updateFile: async (op) => (writeFileSync(inRepo(op.path), applyDiff(readFileSync(inRepo(op.path), "utf8"), op.diff)), { output: `updated ${op.path}` }),
  deleteFile: async (op) => (rmSync(inRepo(op.path)), { output: `deleted ${op.path}` }),
};

const files = governMcpServer(
  new MCPServerStdio({ name: "repo-files", command: process.execPath, args: [join(here, "coding", "repo-files-server.mjs"), repo] }),
  { mesh },
);

// ---------------------------------------------------------------------------
// What a model would answer at each turn (offline).

const shellCall = (callId, commands) => ({ type: "shell_call", id: `sh_${callId}`, callId, status: "completed", action: { commands } });
const patchCall = (callId, operation) => ({ type: "apply_patch_call", id: `ap_${callId}`, callId, status: "completed", operation });
const script = [
  [shellCall("sh1", ["ls", "ls src"]), functionCall("list_files", { dir: "src" }, { callId: "mcp1" })],
  [functionCall("read_file", { path: "src/greeting.js" }, { callId: "mcp2" }), functionCall("read_file", { path: ".env" }, { callId: "mcp3" })],
  [shellCall("sh2", ["ls", "rm -rf src"]), functionCall("delete_file", { path: "README.md" }, { callId: "mcp4" })],
  [
    patchCall("ap1", { type: "update_file", path: "src/greeting.js", diff: '@@\n-export const greeting = () => "Hello, world";\n+export const greeting = () => "Hello, MeshGuard";\n' }),
    patchCall("ap2", { type: "update_file", path: "README.md", diff: "@@\n-Says hello.\n+Says hello to MeshGuard.\n" }),
  ],
  [shellCall("sh3", ["npm test"])],
  modelResponder(() => [
    assistantMessage("I changed the greeting in src/greeting.js and the tests pass. I was not allowed to edit README.md (edits stay in src/), to read .env, or to clean up with rm."),
  ]),
];
const model = new ScriptedModel(script);

const assistant = new Agent({
  name: "Repo Assistant",
  instructions: "You maintain this repository. Read before you edit; keep changes small; run the tests.",
  model,
  tools: [governedShell({ shell }, { mesh, workingDirectory: "." }), governedApplyPatch({ editor }, { mesh })],
  mcpServers: [files],
});
meshguardAgents.set(assistant, { id: "repo_assistant", name: "Repo Assistant", trustTier: "verified", tags: ["coding"] });

// ---------------------------------------------------------------------------
// The run. A run waiting for a person is saved as text and resumed from it.

console.log(bold("MeshGuard × OpenAI Agents SDK: a governed repo assistant (shell, apply_patch, MCP)"));
console.log(dim(`model: scripted, offline · project: a temporary copy in ${repo}`));
await files.connect();
try {
  heading("Rename the greeting and run the tests");
  let out = await runWithAudit(assistant, "Make the greeting say 'Hello, MeshGuard', then run the tests.", { mesh, userId: "dev_ada" });
  const offered = model.firstCall.request.tools.map((t) => t.name);
  console.log(dim(`   tools offered to the model: ${offered.join(", ")} (delete_file is not: the policy never allows it)`));
  while (out.pending.length > 0) {
    const state = await RunState.fromString(assistant, out.result.state.toString());
    for (const item of state.getInterruptions()) {
      console.log(`   ${yellow("👩‍💻 maintainer")} approves ${item.name} ${dim(JSON.stringify(item.rawItem.action ?? item.rawItem.arguments ?? ""))}`);
      state.approve(item);
    }
    out = await runWithAudit(assistant, state, { mesh, userId: "dev_ada" });
  }
  console.log(`${bold("🤖 Assistant:")} ${out.output}`);
  console.log(dim(`   src/greeting.js now reads: ${readFileSync(join(repo, "src", "greeting.js"), "utf8").trim()}`));
  console.log(dim(`   README.md is unchanged: ${readFileSync(join(repo, "README.md"), "utf8").includes("Says hello.\n")}`));
} finally {
  await files.close();
}

// ---------------------------------------------------------------------------
// The audit trail

heading("Audit trail");
printTrail(mesh);
