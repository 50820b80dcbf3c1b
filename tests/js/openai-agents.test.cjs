// The OpenAI Agents SDK adapter through its CommonJS entry (generated from the ES
// module source): a governed tool and a governed handoff with the real Runner.
const assert = require("node:assert/strict");
const { readFileSync } = require("node:fs");
const { join } = require("node:path");
const { test } = require("node:test");

const { Agent, RunContext, run, setTraceProcessors } = require("@openai/agents");
const { ScriptedModel, assistantMessage, functionCall, modelResponder } = require("@openai/agents/testing");
const { MeshGuard, MeshGuardError, PolicyDeniedError, verifyAudit } = require("@meshguard/policy");
const adapter = require("@meshguard/policy/openai-agents");
const { z } = require("zod");

const { governedTool, governedHandoff, meshguardAgents, meshguardRunOptions, meshguardTraceProcessor, runWithAudit } = adapter;
const seedPolicy = () => readFileSync(join(process.env.MESHGUARD_ROOT, "examples", "policies", "openai-support-agent.yaml"), "utf8");
const supportAgent = { id: "agent_support", name: "Customer Support Agent", trustTier: "verified", tags: ["openai", "support"] };

setTraceProcessors([]);

const lastToolResult = modelResponder((call) => {
  const outs = call.request.input.filter((i) => i.type === "function_call_result");
  return [assistantMessage(outs.at(-1).output.text)];
});

test("require() gives the same API as import", async () => {
  const esm = await import("@meshguard/policy/openai-agents");
  assert.deepEqual(Object.keys(adapter).sort(), Object.keys(esm).sort());
  for (const name of ["governedTool", "governTool", "governedHandoff", "meshguardInputGuardrail", "governHostedTools", "governedComputer", "meshguardTraceProcessor", "meshguardRunOptions", "runWithAudit", "auditHostedToolCalls", "meshguardRestore", "governedShell", "governedApplyPatch", "governMcpServer", "governedHostedMcpTool", "decideHostedMcpApprovals"]) {
    assert.equal(typeof adapter[name], "function", name);
  }
  assert.equal(typeof adapter.meshguardAgents.set, "function");
});

test("the CommonJS adapter throws the error classes of the CommonJS main entry", async () => {
  assert.throws(
    () => governedTool("read:x", {}, {}),
    (e) => e instanceof MeshGuardError && e.code === "invalid_argument" && /mesh/.test(e.message),
  );
  const mesh = new MeshGuard({ policies: ["name: no-computer\nrules:\n  - {effect: deny, actions: [\"execute:computer_use\"], reason: No computer use}\n"] });
  const provider = adapter.governedComputer({ environment: "browser", dimensions: [800, 600], click: async () => {}, screenshot: async () => "" }, { mesh, identity: { id: "bot" } });
  const computer = await provider.create({ runContext: new RunContext() });
  await assert.rejects(computer.click(1, 2, "left"), (e) => {
    assert.ok(e instanceof PolicyDeniedError, `${e?.constructor?.name} is the main entry's PolicyDeniedError`);
    assert.ok(e instanceof MeshGuardError);
    assert.deepEqual([e.code, e.reason], ["policy_denied", "No computer use"]);
    return true;
  });
});

test("CommonJS: a refund of 50 runs and one of 150 is blocked with the policy's reason", async () => {
  const mesh = new MeshGuard({ policies: [seedPolicy()] });
  const executed = [];
  const refund = governedTool(
    "write:refund",
    {
      name: "process_refund",
      description: "Process a refund.",
      parameters: z.object({ order_id: z.string(), amount: z.number() }),
      execute: async ({ amount }) => (executed.push(amount), `refunded ${amount}`),
    },
    { mesh },
  );
  const model = new ScriptedModel([
    [functionCall("process_refund", { order_id: "A", amount: 50 }, { callId: "c1" })],
    [functionCall("process_refund", { order_id: "B", amount: 150 }, { callId: "c2" })],
    lastToolResult,
  ]);
  const agent = new Agent({ name: "Customer Support Agent", model, tools: [refund] });
  meshguardAgents.set(agent, supportAgent);
  setTraceProcessors([meshguardTraceProcessor({ mesh })]);
  let out;
  try {
    out = await runWithAudit(agent, "Two refunds, please.", { mesh, userId: "cjs" });
  } finally {
    setTraceProcessors([]);
  }
  assert.deepEqual(executed, [50]);
  assert.equal(out.output, "Action blocked by policy: Refunds over $100 require manager approval");
  const trail = mesh.getAuditLog();
  assert.ok(trail.every((e) => e.traceId === out.traceId));
  const verdict = verifyAudit(mesh.exportAudit());
  assert.deepEqual([verdict.ok, verdict.entries], [true, trail.length]);
});

test("CommonJS: a denied handoff is not offered, and a forced call does not end the run", async () => {
  const mesh = new MeshGuard({
    policies: [`name: tier1\nappliesTo: {agentIds: [tier1]}\nrules:\n  - {effect: deny, actions: ["handoff:Escalation Manager"], reason: "Not from Tier 1"}\n`],
  });
  const escalation = new Agent({ name: "Escalation Manager", model: new ScriptedModel([]) });
  const model = new ScriptedModel([[functionCall("transfer_to_Escalation_Manager", {}, { callId: "h" })], lastToolResult]);
  const tier1 = new Agent({ name: "Tier 1 Support", model, handoffs: [governedHandoff(escalation, { mesh, identity: { id: "escalation" } })] });
  meshguardAgents.set(tier1, { id: "tier1" });
  const result = await run(tier1, "Escalate.", meshguardRunOptions());
  assert.deepEqual(model.firstCall.request.handoffs, []);
  assert.equal(result.finalOutput, "Handoff to Escalation Manager blocked by policy: Not from Tier 1. Continue without it.");
  assert.equal(result.lastAgent, tier1);
});
