// The OpenAI Agents SDK adapter through its ES module entry, with the real Runner
// and scripted models (offline): governed tools, approvals, handoffs under a
// delegation chain, the input guardrail, hosted tools, computer use, and the
// audit trail written from the run.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  Agent,
  InputGuardrailTripwireTriggered,
  RunState,
  computerTool,
  fileSearchTool,
  run,
  setTraceProcessors,
  tool,
  webSearchTool,
} from "@openai/agents";
import { ScriptedModel, assistantMessage, functionCall, modelResponder } from "@openai/agents/testing";
import { MeshGuard, MeshGuardError, verifyAudit } from "@meshguard/policy";
import {
  auditHostedToolCalls,
  governHostedTools,
  governTool,
  governedComputer,
  governedHandoff,
  governedTool,
  meshguardAgents,
  meshguardInputGuardrail,
  meshguardRestore,
  meshguardRunOptions,
  meshguardTraceProcessor,
  runWithAudit,
} from "@meshguard/policy/openai-agents";
import { z } from "zod";
import { seedPolicy, supportAgent } from "./support.mjs";

// No trace export: every test installs its own processor, or none.
setTraceProcessors([]);

const REFUNDS = `
name: refunds-with-approval
appliesTo: {agentIds: [agent_support]}
rules:
  - {effect: allow, actions: ["read:*", "invoke:*"]}
  - {name: small-refunds, effect: allow, actions: ["write:refund"], conditions: {amount_max: 100}}
  - name: manager-refunds
    effect: require_approval
    actions: ["write:refund"]
    conditions: {amount_max: 1000}
    reason: "Refunds over $100 need a manager's approval"
  - {name: huge-refunds, effect: deny, actions: ["write:refund"], reason: "Refunds over $1000 are never allowed"}
`;

const TIERS = `
name: tier1
appliesTo: {agentIds: [tier1]}
rules:
  - {effect: allow, actions: ["read:*", "invoke:*", "handoff:Billing Specialist"]}
  - {effect: deny, actions: ["handoff:Escalation Manager"], reason: "Tier 1 hands off to Billing first"}
delegation: {maxDepth: 2, permissionCeiling: ["read:*", "write:refund", "handoff:*"]}
---
name: billing
appliesTo: {agentIds: [billing]}
rules:
  - {effect: allow, actions: ["read:*", "write:email", "handoff:Escalation Manager"]}
  - {effect: allow, actions: ["write:refund"], conditions: {amount_max: 100}}
  - {effect: deny, actions: ["write:refund"], reason: "Billing refunds up to $100"}
---
name: escalation
appliesTo: {agentIds: [escalation]}
rules:
  - {effect: allow, actions: ["read:*", "write:*"]}
`;

/** The text of the tool result for `callId` in a model request. */
const toolResult = (request, callId) => {
  const item = request.input.find((i) => i.type === "function_call_result" && i.callId === callId);
  assert.ok(item, `no result for ${callId} in the request`);
  return item.output.text ?? item.output;
};

/** A scripted step that answers with every tool result it was given. */
const echoResults = modelResponder((call) => {
  const outs = call.request.input.filter((i) => i.type === "function_call_result");
  return [assistantMessage(outs.map((o) => o.output.text).join(" | "))];
});

function supportTools(mesh, executed) {
  return [
    governedTool(
      "read:customer_data",
      {
        name: "lookup_customer",
        description: "Look up a customer by email address.",
        parameters: z.object({ email: z.string() }),
        execute: async ({ email }) => (executed.push(["lookup_customer", email]), `Customer found: John Doe (${email}), ID: CUST-001`),
      },
      { mesh },
    ),
    governedTool(
      "write:refund",
      {
        name: "process_refund",
        description: "Process a refund for an order.",
        parameters: z.object({ order_id: z.string(), amount: z.number(), reason: z.string() }),
        execute: async ({ order_id, amount }) => (executed.push(["process_refund", amount]), `Refund of $${amount.toFixed(2)} processed for order ${order_id}`),
      },
      { mesh },
    ),
    governedTool(
      "write:email",
      {
        name: "send_email",
        description: "Send an email to a customer.",
        parameters: z.object({ to: z.string(), subject: z.string(), body: z.string() }),
        execute: async ({ to, subject }) => (executed.push(["send_email", to]), `Email sent to ${to}: ${subject}`),
      },
      { mesh, contextFrom: ({ to }) => ({ to }) },
    ),
  ];
}

function supportSetup(policy, steps) {
  const mesh = new MeshGuard({ policies: [policy] });
  const executed = [];
  const model = new ScriptedModel(steps);
  const agent = new Agent({ name: "Customer Support Agent", instructions: "Help.", model, tools: supportTools(mesh, executed) });
  meshguardAgents.set(agent, supportAgent);
  return { mesh, executed, model, agent };
}

const refund = (amount, callId) => functionCall("process_refund", { order_id: "ORD-1", amount, reason: "damaged" }, { callId });

test("a governed tool runs when the policy allows, and the model receives the reason when it denies", async () => {
  const { mesh, executed, model, agent } = supportSetup(seedPolicy(), [[refund(50, "c1"), refund(150, "c2")], echoResults]);
  const result = await run(agent, "Refund both orders.");

  assert.deepEqual(executed, [["process_refund", 50]]);
  const next = model.calls[1].request;
  assert.equal(toolResult(next, "c1"), "Refund of $50.00 processed for order ORD-1");
  assert.equal(toolResult(next, "c2"), "Action blocked by policy: Refunds over $100 require manager approval");
  assert.match(result.finalOutput, /Action blocked by policy/);

  const entries = mesh.getAuditLog({ action: "write:refund" }).reverse();
  assert.deepEqual(
    entries.map((e) => [e.decision, e.metadata.context.amount, e.metadata.tool, e.agentId]),
    [
      ["allow", 50, "process_refund", "agent_support"],
      ["deny", 150, "process_refund", "agent_support"],
    ],
  );
  assert.equal(entries[1].reason, "Refunds over $100 require manager approval");
});

test("contextFrom shapes the check's context, and an existing tool can be governed", async () => {
  const mesh = new MeshGuard({ policies: [seedPolicy()] });
  let runs = 0;
  const plain = tool({
    name: "refund_cents",
    description: "Refund an amount in cents.",
    parameters: z.object({ cents: z.number() }),
    execute: async ({ cents }) => (runs++, `refunded ${cents}`),
  });
  const governed = governTool(plain, "write:refund", { mesh, contextFrom: ({ cents }) => ({ amount: cents / 100 }) });
  assert.notEqual(governed, plain, "governTool returns a governed copy");
  assert.equal(plain.inputGuardrails?.length ?? 0, 0, "the original tool is left as it was");
  assert.throws(() => governTool(governed, "write:refund", { mesh }), MeshGuardError);

  const model = new ScriptedModel([
    [functionCall("refund_cents", { cents: 9000 }, { callId: "a" }), functionCall("refund_cents", { cents: 20000 }, { callId: "b" })],
    echoResults,
  ]);
  const agent = new Agent({ name: "Cents", model, tools: [governed] });
  meshguardAgents.set(agent, supportAgent);
  await run(agent, "go");
  assert.equal(runs, 1);
  assert.equal(toolResult(model.calls[1].request, "b"), "Action blocked by policy: Refunds over $100 require manager approval");
  assert.deepEqual(mesh.getAuditLog({ action: "write:refund" }).map((e) => e.metadata.context), [{ amount: 200 }, { amount: 90 }]);
});

test("require_approval interrupts the run, which resumes and runs the tool when a person approves", async () => {
  const { mesh, executed, model, agent } = supportSetup(REFUNDS, [[refund(150, "c1")], echoResults]);
  let result = await run(agent, "Refund $150.", meshguardRunOptions());
  assert.equal(result.interruptions.length, 1);
  assert.equal(result.interruptions[0].name, "process_refund");
  assert.deepEqual(executed, []);
  assert.equal(model.calls.length, 1);

  result.state.approve(result.interruptions[0]);
  result = await run(agent, result.state, meshguardRunOptions());
  assert.deepEqual(executed, [["process_refund", 150]]);
  assert.equal(result.finalOutput, "Refund of $150.00 processed for order ORD-1");

  const trail = mesh.getAuditLog({ action: "write:refund" }).reverse();
  assert.deepEqual(
    trail.map((e) => [e.decision, e.reason]),
    [
      ["require_approval", "Refunds over $100 need a manager's approval"],
      ["allow", "approved by a person"],
    ],
  );
  assert.equal(trail[1].metadata.rule, "manager-refunds");
});

test("when a person rejects, the tool never runs, the model is told, and the rejection is audited", async () => {
  const { mesh, executed, model, agent } = supportSetup(REFUNDS, [[refund(150, "c1")], echoResults]);
  let result = await run(agent, "Refund $150.", meshguardRunOptions());
  result.state.reject(result.interruptions[0]);
  result = await run(agent, result.state, meshguardRunOptions());
  assert.deepEqual(executed, []);
  assert.equal(toolResult(model.calls[1].request, "c1"), "Tool execution was not approved.");
  const last = mesh.getAuditLog({ action: "write:refund", limit: 1 })[0];
  assert.deepEqual([last.decision, last.reason, last.metadata.approval], ["deny", "a person rejected the call", "rejected"]);
});

test("a denied call never interrupts for approval, with or without pre-approval guardrails", async () => {
  for (const toolExecution of [undefined, { preApprovalInputGuardrails: true }]) {
    const { executed, model, agent } = supportSetup(REFUNDS, [[refund(5000, "big"), refund(20, "small")], echoResults]);
    const result = await run(agent, "Refund.", { toolExecution });
    assert.equal(result.interruptions.length, 0);
    assert.deepEqual(executed, [["process_refund", 20]]);
    assert.equal(toolResult(model.calls[1].request, "big"), "Action blocked by policy: Refunds over $1000 are never allowed");
  }
  // With pre-approval guardrails, a call that needs approval still interrupts, and runs once approved.
  const { executed, agent } = supportSetup(REFUNDS, [[refund(300, "mid")], echoResults]);
  let result = await run(agent, "Refund.", { toolExecution: { preApprovalInputGuardrails: true } });
  assert.equal(result.interruptions.length, 1);
  result.state.approve(result.interruptions[0]);
  result = await run(agent, result.state, { toolExecution: { preApprovalInputGuardrails: true } });
  assert.deepEqual(executed, [["process_refund", 300]]);
});

test("a tool's own needsApproval still asks a person when the policy allows, and never when it denies", async () => {
  for (const toolExecution of [undefined, { preApprovalInputGuardrails: true }]) {
    const mesh = new MeshGuard({ policies: [seedPolicy()] });
    const executed = [];
    const model = new ScriptedModel([[refund(50, "ok"), refund(500, "no")], echoResults]);
    const cautious = governedTool(
      "write:refund",
      {
        name: "process_refund",
        description: "Refund, always with a person's approval.",
        parameters: z.object({ order_id: z.string(), amount: z.number(), reason: z.string() }),
        needsApproval: true,
        execute: async ({ amount }) => (executed.push(amount), `refunded ${amount}`),
      },
      { mesh },
    );
    const agent = new Agent({ name: "Cautious", model, tools: [cautious] });
    meshguardAgents.set(agent, supportAgent);
    let result = await run(agent, "Refund.", { toolExecution });
    assert.deepEqual(result.interruptions.map((i) => i.rawItem.callId), ["ok"], "only the allowed call waits for a person");
    result.state.approve(result.interruptions[0]);
    result = await run(agent, result.state, { toolExecution });
    assert.deepEqual(executed, [50]);
    assert.equal(toolResult(model.calls[1].request, "no"), "Action blocked by policy: Refunds over $100 require manager approval");
    assert.deepEqual(
      mesh.getAuditLog({ action: "write:refund" }).reverse().map((e) => [e.metadata.call_id, e.decision, e.reason]),
      [
        ["ok", "allow", "allowed by rule rule-4 of policy openai-support-agent-policy"],
        ["no", "deny", "Refunds over $100 require manager approval"],
        ["ok", "allow", "approved by a person"],
      ],
      "one check per call, and the approval",
    );
  }
});

/** Tier 1 -> Billing Specialist -> Escalation Manager, each with its own scripted model. */
function tiers({ tier1Steps, billingSteps = [], escalationSteps = [], policies = [TIERS] }) {
  const mesh = new MeshGuard({ policies });
  const executed = [];
  const tools = supportTools(mesh, executed);
  const escalate = governedTool(
    "write:escalation",
    {
      name: "escalate_to_human",
      description: "Escalate to human support.",
      parameters: z.object({ ticket_id: z.string(), reason: z.string() }),
      execute: async ({ ticket_id }) => (executed.push(["escalate_to_human", ticket_id]), `Escalated ${ticket_id}`),
    },
    { mesh },
  );
  const models = { tier1: new ScriptedModel(tier1Steps), billing: new ScriptedModel(billingSteps), escalation: new ScriptedModel(escalationSteps) };
  const escalation = new Agent({ name: "Escalation Manager", model: models.escalation, tools: [tools[0], tools[1], escalate] });
  const billing = new Agent({ name: "Billing Specialist", model: models.billing, tools });
  const tier1 = new Agent({ name: "Tier 1 Support", model: models.tier1, tools: [tools[0]] });
  meshguardAgents.set(tier1, { id: "tier1", name: "Tier 1 Support", trustTier: "verified", tags: ["support"] });
  tier1.handoffs = [
    governedHandoff(billing, { mesh, identity: { id: "billing", trustTier: "verified" } }),
    governedHandoff(escalation, { mesh, identity: { id: "escalation", trustTier: "trusted" } }),
  ];
  billing.handoffs = [governedHandoff(escalation, { mesh })];
  return { mesh, executed, models, tier1, billing, escalation };
}

test("a denied handoff is never offered, and a forced call tells the model why while the run goes on", async () => {
  const { mesh, models, tier1 } = tiers({
    tier1Steps: [
      [functionCall("transfer_to_Escalation_Manager", {}, { callId: "h1" })],
      modelResponder((call) => [assistantMessage(`saw: ${toolResult(call.request, "h1")}`)]),
    ],
  });
  const result = await run(tier1, "Escalate me!", meshguardRunOptions());
  assert.deepEqual(
    models.tier1.firstCall.request.handoffs.map((h) => h.toolName),
    ["transfer_to_Billing_Specialist"],
  );
  assert.equal(result.finalOutput, "saw: Handoff to Escalation Manager blocked by policy: Tier 1 hands off to Billing first. Continue without it.");
  assert.equal(result.lastAgent, tier1);
  const denials = mesh.getAuditLog({ action: "handoff:Escalation Manager" });
  assert.deepEqual(denials.map((e) => e.decision), ["deny", "deny"], "the refusal and the forced attempt");
  assert.equal(denials[0].metadata.attempted, true);
});

test("after Tier 1 hands off to Billing, Billing acts under Tier 1's ceiling, and the chain grows with each handoff", async () => {
  const { mesh, executed, models, tier1, escalation } = tiers({
    tier1Steps: [[functionCall("lookup_customer", { email: "john@example.com" }, { callId: "t1" })], [functionCall("transfer_to_Billing_Specialist", {}, { callId: "h1" })]],
    billingSteps: [
      [
        functionCall("send_email", { to: "john@example.com", subject: "Refund", body: "..." }, { callId: "e1" }),
        refund(250, "r1"),
      ],
      [functionCall("transfer_to_Escalation_Manager", {}, { callId: "h2" })],
    ],
    escalationSteps: [[refund(250, "r2")], [assistantMessage("Refund of $250 approved by escalation.")]],
  });
  const result = await run(tier1, "Refund $250 for my broken item.", meshguardRunOptions());
  assert.equal(result.lastAgent, escalation);
  assert.deepEqual(executed, [["lookup_customer", "john@example.com"], ["process_refund", 250]]);

  const billingSaw = models.billing.calls[1].request;
  assert.match(toolResult(billingSaw, "e1"), /^Action blocked by policy: outside the delegation ceiling of Tier 1 Support/);
  assert.equal(toolResult(billingSaw, "r1"), "Action blocked by policy: Billing refunds up to $100");
  assert.deepEqual(models.billing.firstCall.request.handoffs.map((h) => h.toolName), ["transfer_to_Escalation_Manager"]);

  const email = mesh.getAuditLog({ action: "write:email" })[0];
  assert.deepEqual([email.agentId, email.decision, email.rule, email.metadata.chain], ["billing", "deny", "permissionCeiling", ["tier1"]]);
  const refunds = mesh.getAuditLog({ action: "write:refund" }).reverse();
  assert.deepEqual(
    refunds.map((e) => [e.agentId, e.decision, e.metadata.chain]),
    [
      ["billing", "deny", ["tier1"]],
      ["escalation", "allow", ["tier1", "billing"]],
    ],
  );
});

test("the chain is kept per run: a new run starts from the root again", async () => {
  const { mesh, billing } = tiers({ tier1Steps: [] });
  billing.model = new ScriptedModel([[functionCall("send_email", { to: "a@example.com", subject: "s", body: "b" }, { callId: "e" })], echoResults]);
  const result = await run(billing, "Email the customer.");
  assert.equal(result.finalOutput, "Email sent to a@example.com: s", "Billing as the root is not under Tier 1's ceiling");
  assert.deepEqual(mesh.getAuditLog({ action: "write:email" })[0].metadata.chain, undefined);
});

/** Tier 1 hands off to Billing, whose refunds need approval; the run stops there. */
async function interruptedInBilling(billingAfterApproval) {
  const policies = [TIERS.replace(`{effect: allow, actions: ["write:refund"], conditions: {amount_max: 100}}`, `{effect: require_approval, actions: ["write:refund"]}`)];
  const setup = tiers({
    policies,
    tier1Steps: [[functionCall("transfer_to_Billing_Specialist", {}, { callId: "h1" })]],
    billingSteps: [[refund(20, "r1")], ...billingAfterApproval],
  });
  const result = await run(setup.tier1, "Refund $20.", meshguardRunOptions());
  assert.equal(result.interruptions.length, 1);
  return { ...setup, policies, saved: result.state.toString() };
}

test("a RunState restored without meshguardRestore does not let a delegate shed its chain: the engine refuses it", async () => {
  const { mesh, executed, models, tier1, billing, saved } = await interruptedInBilling([echoResults]);
  billing.tools.push(webSearchTool());
  governHostedTools(billing, { mesh });
  const restored = await RunState.fromString(tier1, saved);
  restored.approve(restored.getInterruptions()[0]);
  await run(tier1, restored, meshguardRunOptions());
  assert.deepEqual(executed, []);
  assert.match(toolResult(models.billing.calls[1].request, "r1"), /^Action blocked by policy: unknown delegation chain: the agents that delegated to Billing Specialist cannot be named/);
  assert.ok(!models.billing.calls[1].request.tools.some((t) => t.name === "web_search"), "no hosted tool is offered to a delegate of unknown chain");
  const withheld = mesh.getAuditLog({ action: "read:web_search" });
  assert.deepEqual(withheld.map((e) => [e.decision, e.rule, e.metadata.removed_from_request]), [["deny", "unknownChain", true]]);
  const refused = mesh.getAuditLog({ action: "write:refund", limit: 1 })[0];
  assert.deepEqual([refused.agentId, refused.decision, refused.rule, refused.policy], ["billing", "deny", "unknownChain", null]);
  assert.equal(refused.metadata.chain, undefined, "no chain is claimed");
});

test("meshguardRestore gives a restored delegate its chain back: approved work runs, the ceiling still binds", async () => {
  const email = functionCall("send_email", { to: "a@example.com", subject: "s", body: "b" }, { callId: "e1" });
  const { mesh, executed, models, tier1, saved } = await interruptedInBilling([[email], echoResults]);
  const restored = meshguardRestore(await RunState.fromString(tier1, saved));
  restored.approve(restored.getInterruptions()[0]);
  const result = await run(tier1, restored, meshguardRunOptions());

  assert.deepEqual(executed, [["process_refund", 20]]);
  // Tier 1's ceiling (read:*, write:refund, handoff:*) still binds Billing: no email.
  assert.match(toolResult(models.billing.calls[2].request, "e1"), /^Action blocked by policy: .*ceiling/i);
  assert.equal(result.lastAgent.name, "Billing Specialist");
  const approved = mesh.getAuditLog({ action: "write:refund", decision: "allow" })[0];
  assert.equal(approved.reason, "approved by a person");
  const email1 = mesh.getAuditLog({ action: "write:email" })[0];
  assert.deepEqual([email1.agentId, email1.decision, email1.metadata.chain], ["billing", "deny", ["tier1"]]);
});

test("meshguardRestore refuses a delegate whose handoff the current policies no longer allow", async () => {
  const { mesh, executed, models, tier1, policies, saved } = await interruptedInBilling([echoResults]);
  // As in the test above, but Tier 1 may no longer hand off to Billing.
  mesh.loadPolicies([policies[0].replace(`, "handoff:Billing Specialist"]`, `]`)]);
  assert.equal(mesh.explainHandoff({ id: "tier1" }, { id: "billing", name: "Billing Specialist" }).allowed, false);
  const restored = meshguardRestore(await RunState.fromString(tier1, saved));
  restored.approve(restored.getInterruptions()[0]);
  await run(tier1, restored, meshguardRunOptions());
  assert.deepEqual(executed, []);
  assert.match(toolResult(models.billing.calls[1].request, "r1"), /unknown delegation chain: the agents that delegated to Billing Specialist/);
  assert.equal(mesh.getAuditLog({ action: "write:refund", limit: 1 })[0].rule, "unknownChain");
  assert.throws(() => meshguardRestore({}), (e) => e instanceof MeshGuardError && /needs a RunState/.test(e.message));
});

test("runWithAudit restores the chains of a RunState it resumes", async () => {
  const { mesh, executed, tier1, saved } = await interruptedInBilling([echoResults]);
  const restored = await RunState.fromString(tier1, saved);
  restored.approve(restored.getInterruptions()[0]);
  const { output } = await runWithAudit(tier1, restored, { mesh });
  assert.deepEqual(executed, [["process_refund", 20]]);
  assert.match(output, /Refund of \$20.00 processed/);
});

test("the input guardrail trips before the model is called, with the reason in outputInfo", async () => {
  const mesh = new MeshGuard({
    policies: [`name: front\nrules:\n  - {effect: deny, actions: ["invoke:Front Desk"], reason: "The front desk is closed"}\n`],
  });
  const model = new ScriptedModel([[assistantMessage("should not run")]]);
  const agent = new Agent({ name: "Front Desk", model, inputGuardrails: [meshguardInputGuardrail({ mesh })] });
  await assert.rejects(run(agent, "hello"), (e) => {
    assert.ok(e instanceof InputGuardrailTripwireTriggered);
    assert.deepEqual(
      { allowed: e.result.output.outputInfo.allowed, reason: e.result.output.outputInfo.reason, action: e.result.output.outputInfo.action },
      { allowed: false, reason: "The front desk is closed", action: "invoke:Front Desk" },
    );
    return true;
  });
  assert.equal(model.calls.length, 0);
  const entry = mesh.getAuditLog({ action: "invoke:*" })[0];
  assert.deepEqual([entry.agentId, entry.decision, entry.metadata.context.input_length], ["Front Desk", "deny", 5]);
});

test("a denied computer action never reaches the Computer; an allowed one does", async () => {
  const mesh = new MeshGuard({
    policies: [
      `name: computer
appliesTo: {agentIds: [automation]}
rules:
  - effect: allow
    actions: ["execute:computer_use"]
    conditions: {context: {action_type: {in: [click, screenshot]}}}
  - {effect: deny, actions: ["execute:computer_use"], reason: "Computer use requires explicit admin approval"}
`,
    ],
  });
  const log = [];
  const computer = {
    environment: "browser",
    dimensions: [1024, 768],
    screenshot: async () => (log.push(["screenshot"]), "iVBORw0KGgo="),
    click: async (x, y, button) => log.push(["click", x, y, button]),
    doubleClick: async () => log.push(["doubleClick"]),
    scroll: async () => log.push(["scroll"]),
    type: async (text) => log.push(["type", text]),
    wait: async () => log.push(["wait"]),
    move: async () => log.push(["move"]),
    keypress: async () => log.push(["keypress"]),
    drag: async () => log.push(["drag"]),
  };
  const model = new ScriptedModel([
    [{ type: "computer_call", id: "cu_1", callId: "cc_1", status: "completed", action: { type: "click", x: 10, y: 20, button: "left" } }],
    [{ type: "computer_call", id: "cu_2", callId: "cc_2", status: "completed", action: { type: "type", text: "rm -rf /" } }],
    [assistantMessage("done")],
  ]);
  const agent = new Agent({ name: "Automation Agent", model, tools: [] });
  agent.tools = [computerTool({ computer: governedComputer(computer, { mesh, agent }) })];
  meshguardAgents.set(agent, { id: "automation" });
  await run(agent, "Clean up the disk.");
  assert.deepEqual(log, [["click", 10, 20, "left"], ["screenshot"]], "the click and its screenshot ran; the typing never did");
  const checks = mesh.getAuditLog({ action: "execute:computer_use" }).reverse();
  assert.deepEqual(
    checks.map((e) => [e.decision, e.metadata.context]),
    [
      ["allow", { action_type: "click", target: "10,20", button: "left" }],
      ["deny", { action_type: "type", target: "rm -rf /" }],
    ],
  );
  assert.equal(checks[1].reason, "Computer use requires explicit admin approval");
});

test("a hosted web search the policy denies is stripped from the request, and hosted calls are audited", async () => {
  const mesh = new MeshGuard({ policies: [seedPolicy().replace(`- "read:web_search"`, `- "read:nothing"`)] });
  const model = new ScriptedModel([
    [
      {
        type: "hosted_tool_call",
        id: "fs_1",
        name: "file_search_call",
        status: "completed",
        providerData: { type: "file_search_call", id: "fs_1", queries: ["refund policy"] },
      },
      assistantMessage("Refunds take 5 days."),
    ],
  ]);
  const agent = governHostedTools(new Agent({ name: "Researcher", model, tools: [webSearchTool(), fileSearchTool(["vs_1"])] }), { mesh });
  meshguardAgents.set(agent, supportAgent);
  const { traceId, result } = await runWithAudit(agent, "What is the refund policy?", { mesh, userId: "u1" });

  assert.deepEqual(model.firstCall.request.tools.map((t) => t.name), ["file_search"]);
  const search = mesh.getAuditLog({ action: "read:web_search" });
  assert.deepEqual(search.map((e) => [e.decision, e.metadata.removed_from_request, e.traceId]), [["deny", true, traceId]]);
  const file = mesh.getAuditLog({ action: "read:file_search" });
  assert.deepEqual(file.map((e) => [e.decision, e.metadata.context, e.metadata.executed_by, e.traceId]), [["allow", { query: "refund policy" }, "openai", traceId]]);
  assert.equal(auditHostedToolCalls(result, { mesh }).length, 0, "auditing the same result again adds nothing");
});

test("the audit trail holds every step of a run under its trace id, and verifies", async () => {
  const { mesh, tier1 } = tiers({
    tier1Steps: [[functionCall("lookup_customer", { email: "john@example.com" }, { callId: "t1" })], [functionCall("transfer_to_Billing_Specialist", {}, { callId: "h1" })]],
    billingSteps: [[refund(40, "r1")], [assistantMessage("Refunded $40.")]],
  });
  tier1.inputGuardrails = [meshguardInputGuardrail({ mesh })];
  setTraceProcessors([meshguardTraceProcessor({ mesh })]);
  let out;
  try {
    out = await runWithAudit(tier1, "Refund $40 please.", { mesh, userId: "user_42" });
  } finally {
    setTraceProcessors([]);
  }
  assert.equal(out.output, "Refunded $40.");
  assert.equal(out.finalAgent, "Billing Specialist");
  assert.match(out.traceId, /^trace_[0-9a-f]{32}$/);

  const trail = mesh.getAuditLog().reverse();
  assert.ok(trail.every((e) => e.traceId === out.traceId), "one trace id for the whole run");
  const actions = trail.map((e) => e.action);
  for (const step of [
    "session:start",
    "invoke:Tier 1 Support",
    "trace:guardrail:meshguard",
    "read:customer_data",
    "trace:tool:lookup_customer",
    "handoff:Billing Specialist",
    "trace:handoff:Billing Specialist",
    "trace:agent:Tier 1 Support",
    "write:refund",
    "trace:tool:process_refund",
    "trace:agent:Billing Specialist",
    "session:complete",
  ]) {
    assert.ok(actions.includes(step), `${step} is in the trail: ${actions.join(", ")}`);
  }
  assert.equal(actions[0], "session:start");
  assert.equal(actions.at(-1), "session:complete");
  assert.deepEqual(trail.at(-1).metadata, {
    trace_id: out.traceId,
    user_id: "user_42",
    agent: "Tier 1 Support",
    final_agent: "Billing Specialist",
    output_length: "Refunded $40.".length,
  });
  const tool = trail.find((e) => e.action === "trace:tool:process_refund");
  assert.deepEqual([tool.agentId, tool.metadata.output], ["billing", "Refund of $40.00 processed for order ORD-1"]);

  const exported = mesh.exportAudit();
  const verdict = verifyAudit(exported);
  assert.equal(verdict.ok, true);
  assert.equal(verdict.entries, trail.length);
  const tampered = exported.replace('"amount":40', '"amount":4');
  assert.equal(verifyAudit(tampered).ok, false);
});

test("the trace processor knows a refused tool call by its decision, not by the text the model was sent", async () => {
  const mesh = new MeshGuard({ policies: [seedPolicy()] });
  const mimic = governedTool(
    "read:customer_data",
    {
      name: "mimic",
      description: "A tool whose own output looks like a refusal.",
      parameters: z.object({}),
      execute: async () => "Action blocked by policy: (this is the tool's own text)",
    },
    { mesh },
  );
  const refundTool = supportTools(mesh, [])[1];
  const model = new ScriptedModel([[functionCall("mimic", {}, { callId: "m" }), refund(500, "r")], echoResults]);
  const agent = new Agent({ name: "Customer Support Agent", model, tools: [mimic, refundTool] });
  meshguardAgents.set(agent, supportAgent);
  setTraceProcessors([meshguardTraceProcessor({ mesh })]);
  try {
    await runWithAudit(agent, "Go.", { mesh });
  } finally {
    setTraceProcessors([]);
  }
  const spans = Object.fromEntries(mesh.getAuditLog({ action: "trace:tool:*" }).map((e) => [e.action, e]));
  const mimicked = spans["trace:tool:mimic"];
  assert.deepEqual([mimicked.decision, mimicked.reason], ["allow", "tool ran"]);
  const refused = spans["trace:tool:process_refund"];
  assert.deepEqual(
    [refused.decision, refused.reason, refused.metadata.policy, refused.metadata.rule],
    ["deny", "refused by policy: Refunds over $100 require manager approval", "openai-support-agent-policy", "rule-5"],
  );
});

test("runWithAudit records an interrupted session and resumes it under the same trace id", async () => {
  const { mesh, executed, agent } = supportSetup(REFUNDS, [[refund(150, "c1")], [assistantMessage("Done.")]]);
  const first = await runWithAudit(agent, "Refund $150.", { mesh, userId: "u" });
  assert.equal(first.output, undefined);
  assert.equal(first.result.interruptions.length, 1);
  first.result.state.approve(first.result.interruptions[0]);
  const second = await runWithAudit(agent, first.result.state, { mesh, userId: "u" });
  assert.equal(second.output, "Done.");
  assert.equal(second.traceId, first.traceId);
  assert.deepEqual(executed, [["process_refund", 150]]);
  assert.deepEqual(
    mesh.getAuditLog().reverse().map((e) => `${e.action} ${e.decision}`),
    ["session:start allow", "write:refund require_approval", "session:interrupted require_approval", "session:resume allow", "write:refund allow", "session:complete allow"],
  );
});

test("the helpers refuse bad arguments with MeshGuardError", () => {
  const mesh = new MeshGuard({ policies: [seedPolicy()] });
  const opts = { name: "t", description: "d", parameters: z.object({}), execute: async () => "x" };
  for (const [what, fn] of [
    ["no mesh", () => governedTool("read:x", opts, {})],
    ["no action", () => governedTool("", opts, { mesh })],
    ["not a tool", () => governTool({}, "read:x", { mesh })],
    ["no agent", () => governedHandoff(undefined, { mesh })],
    ["bad identity", () => meshguardAgents.set(new Agent({ name: "A" }), { name: "no id" })],
    ["bad contextFrom", () => governedTool("read:x", opts, { mesh, contextFrom: 5 })],
  ]) {
    assert.throws(fn, MeshGuardError, what);
  }
});
