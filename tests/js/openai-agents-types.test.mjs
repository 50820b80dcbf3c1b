// openai-agents.d.ts, proved by tsc: a typical program type-checks, and misuse
// (no mesh, a context that is not an object, an identity without id) does not.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const tsc = join(process.env.MESHGUARD_ROOT ?? "", "node_modules", ".bin", "tsc");

const program = `
import { Agent, MCPServerStdio, RunState, computerTool, run, setTraceProcessors, webSearchTool } from "@openai/agents";
import { MeshGuard } from "@meshguard/policy";
import {
  CHECKED_SDK_VERSIONS, HOSTED_TOOL_ACTIONS, auditHostedToolCalls, governHostedTools, governTool, governedComputer, governedHandoff, governedTool,
  meshguardAgents, meshguardInputGuardrail, meshguardRestore, meshguardRunOptions, meshguardTraceProcessor, runWithAudit,
  decideHostedMcpApprovals, governMcpServer, governedApplyPatch, governedHostedMcpTool, governedShell,
  type AgentIdentity, type HostedMcpApprovals, type RunWithAuditResult,
} from "@meshguard/policy/openai-agents";
import { z } from "zod";

const mesh = new MeshGuard({ policies: [] });
const refund = governedTool("write:refund", {
  name: "process_refund", description: "d",
  parameters: z.object({ order_id: z.string(), amount: z.number() }),
  execute: async ({ amount }) => \`refunded \${amount.toFixed(2)}\`,
}, { mesh, contextFrom: ({ amount }, { agent }) => ({ amount, who: agent.name }) });
const again = governTool(refund, "write:refund", { mesh });
const billing = new Agent({ name: "Billing", tools: [refund, again] });
const id: AgentIdentity = { id: "billing", trustTier: "verified", tags: ["support"] };
meshguardAgents.set(billing, id);
const tier1 = new Agent({
  name: "Tier 1",
  handoffs: [governedHandoff(billing, { mesh, identity: id, toolDescriptionOverride: "billing" })],
  inputGuardrails: [meshguardInputGuardrail({ mesh })],
  tools: [webSearchTool(), computerTool({ computer: governedComputer({} as any, { mesh, agent: billing }) })],
});
governHostedTools(tier1, { mesh, actions: { web_search: "read:web" } });
setTraceProcessors([meshguardTraceProcessor({ mesh, onError: (e) => console.log(e) })]);
const opts = meshguardRunOptions({ maxTurns: 5 });
const behavior: "return_error_to_model" | "raise_error" = opts.toolNotFoundBehavior;
const turns: number = opts.maxTurns;
const r = await run(tier1, "hi", meshguardRunOptions({ context: { user: "u" } }));
const ds = auditHostedToolCalls(r, { mesh });
const out: RunWithAuditResult = await runWithAudit(tier1, "hi", { mesh, userId: "u", maxTurns: 3 });
const resumed = await runWithAudit(tier1, out.result.state, { mesh });
const restored: RunState<unknown, typeof tier1> = meshguardRestore(await RunState.fromString(tier1, out.result.state.toString()));
await run(tier1, restored, meshguardRunOptions());
const checked: readonly string[] = CHECKED_SDK_VERSIONS;
console.log(checked.join() + out.traceId + HOSTED_TOOL_ACTIONS.web_search + ds.length + resumed.finalAgent + behavior + turns, meshguardAgents.identityOf(billing).id);

const shell = governedShell({ shell: { run: async (a) => ({ output: a.commands.map((c) => ({ stdout: c, stderr: "", outcome: { type: "exit" as const, exitCode: 0 } })) }) } }, { mesh, workingDirectory: "/repo" });
const patch = governedApplyPatch({ editor: { createFile: async () => ({ output: "ok" }), updateFile: async () => {}, deleteFile: async () => {} } }, { mesh, identity: id });
const files = governMcpServer(new MCPServerStdio({ name: "files", fullCommand: "node server.mjs" }), { mesh, action: (server, t) => \`mcp:\${server}:\${t.name}\`, contextFrom: (args, { serverName }) => ({ ...args, serverName }) });
const wiki = governedHostedMcpTool({ serverLabel: "wiki", serverUrl: "https://example.com/mcp" }, { mesh });
const coder = new Agent({ name: "Coder", tools: [shell, patch, wiki], mcpServers: [files] });
const decided: HostedMcpApprovals = decideHostedMcpApprovals(await run(coder, "hi"));
console.log(decided.pending.length + decided.approved.length + decided.rejected.length + out.pending.length);

// @ts-expect-error MeshGuard decides hosted MCP approvals
governedHostedMcpTool({ serverLabel: "wiki", serverUrl: "https://example.com/mcp", requireApproval: "always" }, { mesh });
// @ts-expect-error a governed shell needs a local Shell
governedShell({ name: "shell" }, { mesh });
// @ts-expect-error workingDirectory is a string
governedShell({ shell: { run: async () => ({ output: [] }) } }, { mesh, workingDirectory: 1 });
// @ts-expect-error governMcpServer needs mesh
governMcpServer(files, {});
// @ts-expect-error mesh is required
governedTool("read:x", { name: "x", description: "d", parameters: z.object({}), execute: async () => "x" }, {});
// @ts-expect-error contextFrom returns an object
governedTool("read:x", { name: "x", description: "d", parameters: z.object({ a: z.number() }), execute: async () => "x" }, { mesh, contextFrom: ({ a }) => a });
// @ts-expect-error the input is typed from the schema
governedTool("read:x", { name: "x", description: "d", parameters: z.object({ a: z.number() }), execute: async () => "x" }, { mesh, contextFrom: ({ b }) => ({ b }) });
// @ts-expect-error traceId is a string
const notANumber: number = out.traceId;
// @ts-expect-error identities need an id
meshguardAgents.set(billing, { name: "x" });
// @ts-expect-error runWithAudit needs mesh
await runWithAudit(tier1, "x", {});
// @ts-expect-error meshguardRestore takes a RunState
meshguardRestore(out.result);
// @ts-expect-error the checked versions are read-only
CHECKED_SDK_VERSIONS.push("9.9.9");
// @ts-expect-error decisions are objects
const notAString: string = ds[0];
`;

test("openai-agents.d.ts types a typical program and refuses misuse", { skip: !existsSync(tsc) && "no tsc in the repository" }, () => {
  const dir = mkdtempSync(join(process.cwd(), "types-"));
  try {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", types: [] }, files: ["use.ts"] }),
    );
    writeFileSync(join(dir, "use.ts"), program);
    let output = "";
    try {
      execFileSync(tsc, ["-p", dir], { encoding: "utf8", cwd: dir });
    } catch (e) {
      output = `${e.stdout ?? ""}${e.stderr ?? ""}`;
    }
    // The SDK's own declarations do not all pass strict checking; only ours and the program count.
    const ours = output.split("\n").filter((l) => /^(use\.ts|.*openai-agents\.d\.ts|.*@meshguard)/.test(l));
    assert.deepEqual(ours, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
