#!/usr/bin/env node
// The governed customer-support system of the OpenAI Agents SDK guide, with
// @meshguard/policy: one support agent with four governed tools, then Tier 1 ->
// Billing Specialist -> Escalation Manager with governed handoffs. Every decision
// is printed as it is made; the run ends with the audit trail and its verification.
//
// Offline by default: each agent answers from a script (ScriptedModel). With
// OPENAI_API_KEY set, the agents use the SDK's default OpenAI model instead.
//
//   scripts/demo.sh                            (builds the package, then runs this file)
//   examples/run.sh openai-agents/support.mjs  (with the package already built)
//
// `--audit-out <file>` also writes the trail as JSON Lines, for `meshguard audit`
// and `meshguard replay`.

import { readFileSync, writeFileSync } from "node:fs";
import { Agent, RunState, Runner, addTraceProcessor, setTraceProcessors } from "@openai/agents";
import { ScriptedModel, assistantMessage, functionCall, modelResponder } from "@openai/agents/testing";
import { MeshGuard } from "@meshguard/policy";
import {
  governedHandoff,
  governedTool,
  meshguardAgents,
  meshguardInputGuardrail,
  meshguardTraceProcessor,
  runWithAudit,
} from "@meshguard/policy/openai-agents";
import { z } from "zod";
import { bold, cyan, dim, green, heading, MARK, printTrail, red, yellow } from "./console.mjs";

const live = Boolean(process.env.OPENAI_API_KEY);
const policy = (file) => ({ name: file, text: readFileSync(new URL(`./policies/${file}`, import.meta.url), "utf8") });

// ---------------------------------------------------------------------------
// Printing

const names = new Map(); // MeshGuard agent id -> name, for chains

/** Prints each policy decision as the audit trail records it. */
function printDecision(e) {
  if (e.action.startsWith("trace:") || e.action.startsWith("session:")) return;
  const ctx = e.metadata?.context;
  const args = ctx && Object.keys(ctx).length ? dim(` ${JSON.stringify(ctx)}`) : "";
  const chain = e.metadata?.chain ? dim(`  under ${e.metadata.chain.map((id) => names.get(id) ?? id).join(" → ")}`) : "";
  // A refused handoff is recorded when it is withheld from the model (`offered: false`).
  const offer = e.metadata?.offered === false ? dim("  (not offered)") : "";
  const why = e.rule ? `${e.reason} ${dim(`[${e.policy ?? "-"} / ${e.rule}]`)}` : e.reason;
  console.log(`   ${MARK[e.decision]}  ${bold(e.action)}${args}  ${dim(`by ${e.agentName}`)}${chain}${offer}`);
  if (e.decision !== "allow" || e.metadata?.approval || e.metadata?.attempted) console.log(`              ${dim("↳")} ${why}`);
}

// ---------------------------------------------------------------------------
// MeshGuard: both policy files, one audit trail

const mesh = new MeshGuard({
  policies: [policy("support-agent.yaml"), policy("support-tiers.yaml")],
  onAudit: printDecision,
});
const traceProcessor = meshguardTraceProcessor({ mesh });
// Offline, the MeshGuard processor replaces the OpenAI exporter; live, it joins it.
if (live) addTraceProcessor(traceProcessor);
else setTraceProcessors([traceProcessor]);

// ---------------------------------------------------------------------------
// Governed tools (mock implementations, as in the guide)

const lookupCustomer = governedTool(
  "read:customer_data",
  {
    name: "lookup_customer",
    description: "Look up a customer by email address.",
    parameters: z.object({ email: z.string() }),
    execute: async ({ email }) => `Customer found: John Doe (${email}), ID: CUST-001, Gold tier`,
  },
  { mesh },
);

const getOrderDetails = governedTool(
  "read:order_data",
  {
    name: "get_order_details",
    description: "Get details for a specific order.",
    parameters: z.object({ order_id: z.string() }),
    execute: async ({ order_id }) => `Order ${order_id}: Wireless Headphones, $79.99, delivered 2024-01-15`,
  },
  { mesh },
);

const processRefund = governedTool(
  "write:refund",
  {
    name: "process_refund",
    description: "Process a refund for an order. Governed by MeshGuard policy.",
    parameters: z.object({ order_id: z.string(), amount: z.number(), reason: z.string() }),
    execute: async ({ order_id, amount }) =>
      `Refund of $${amount.toFixed(2)} processed for order ${order_id}. Ref: REF-${order_id.replace(/\W/g, "")}-${Math.round(amount * 100)}`,
  },
  { mesh },
);

const sendEmail = governedTool(
  "write:email",
  {
    name: "send_email",
    description: "Send an email to a customer.",
    parameters: z.object({ to: z.string(), subject: z.string(), body: z.string() }),
    execute: async ({ to, subject }) => `Email sent to ${to}: ${subject}`,
  },
  { mesh, contextFrom: ({ to, subject }) => ({ to, subject }) },
);

const escalateToHuman = governedTool(
  "write:escalation",
  {
    name: "escalate_to_human",
    description: "Escalate to human support.",
    parameters: z.object({ ticket_id: z.string(), reason: z.string() }),
    execute: async ({ ticket_id }) => `Ticket ${ticket_id} escalated to a person`,
  },
  { mesh },
);

// ---------------------------------------------------------------------------
// Scripts for the offline run: what a model would answer at each turn.

/** The tool results of the previous turn. */
const resultsOf = (request) => {
  const lastCall = request.input.findLastIndex((i) => i.type !== "function_call_result");
  return request.input.slice(lastCall + 1).map((i) => i.output?.text ?? String(i.output));
};
/** A final answer that quotes the tool results, the way a model would relay them. */
const relay = (lead) =>
  modelResponder((call) => {
    const results = resultsOf(call.request);
    const blocked = results.filter((r) => r.startsWith("Action blocked by policy: ")).map((r) => r.slice(26));
    const text = blocked.length
      ? `I'm sorry, policy does not let me do that: ${blocked.join("; ")}. I'll escalate to a human agent.`
      : `${lead} ${results.join(" ")}`;
    return [assistantMessage(text)];
  });
const scripted = (steps) => (live ? {} : { model: new ScriptedModel(steps) });
const refund = (order_id, amount, reason, callId) => functionCall("process_refund", { order_id, amount, reason }, { callId });

// ---------------------------------------------------------------------------
// 1. One governed agent

const supportAgent = new Agent({
  name: "Customer Support Agent",
  instructions: `You are a helpful customer support agent for an e-commerce company.
Your capabilities are governed by enterprise policy. You can look up customers, check orders,
process refunds (subject to policy limits) and send confirmation emails. If an action is blocked
by policy, acknowledge it clearly, explain that you need to escalate, and offer alternatives.`,
  tools: [lookupCustomer, getOrderDetails, processRefund, sendEmail],
  inputGuardrails: [meshguardInputGuardrail({ mesh })],
  ...scripted([
    [functionCall("lookup_customer", { email: "john@example.com" }, { callId: "q1" })],
    relay("Here is what I found:"),
    [functionCall("get_order_details", { order_id: "ORD-2024-001" }, { callId: "q2" })],
    relay("Here are the order details:"),
    [
      refund("ORD-2024-001", 79.99, "defective", "q3"),
      functionCall("send_email", { to: "john@example.com", subject: "Your refund", body: "Your refund is on its way." }, { callId: "q3m" }),
    ],
    relay("Done:"),
    [refund("ORD-2024-002", 250, "never arrived", "q4")],
    relay("Done:"),
    [refund("ORD-2024-003", 1500, "changed mind", "q5")],
    relay("Done:"),
  ]),
});
meshguardAgents.set(supportAgent, { id: "agent_support", name: "Customer Support Agent", trustTier: "verified", tags: ["openai", "support"] });

// ---------------------------------------------------------------------------
// 2. Tier 1 -> Billing Specialist -> Escalation Manager

const escalationAgent = new Agent({
  name: "Escalation Manager",
  instructions: "You handle escalated issues. You can process any refund and escalate to human support when needed.",
  tools: [lookupCustomer, processRefund, escalateToHuman],
  ...scripted([[refund("12345", 250, "arrived broken", "e1")], relay("Sorted:")]),
});

const billingAgent = new Agent({
  name: "Billing Specialist",
  instructions: "You handle billing and refund requests. You can process refunds up to $100. For larger amounts, hand off to escalation.",
  tools: [lookupCustomer, processRefund, sendEmail],
  ...scripted([
    [
      refund("12345", 250, "arrived broken", "b1"),
      functionCall("send_email", { to: "john@example.com", subject: "About your refund", body: "We are on it." }, { callId: "b2" }),
    ],
    [functionCall("transfer_to_Escalation_Manager", {}, { callId: "b3" })],
  ]),
});

const tier1Agent = new Agent({
  name: "Tier 1 Support",
  instructions: `You handle initial customer inquiries. You can look up customer information.
For refunds, hand off to the billing specialist. For complex issues, hand off to the escalation agent.`,
  tools: [lookupCustomer],
  inputGuardrails: [meshguardInputGuardrail({ mesh })],
  ...scripted([
    [functionCall("lookup_customer", { email: "john@example.com" }, { callId: "t1" })],
    // A model that ignores what it was offered: the denied handoff is refused, and the run goes on.
    [functionCall("transfer_to_Escalation_Manager", {}, { callId: "t2" })],
    [functionCall("transfer_to_Billing_Specialist", {}, { callId: "t3" })],
  ]),
});

tier1Agent.handoffs = [
  governedHandoff(billingAgent, { mesh, identity: { id: "agent_billing", trustTier: "verified" } }),
  governedHandoff(escalationAgent, { mesh, identity: { id: "agent_escalation", trustTier: "trusted" } }),
];
billingAgent.handoffs = [governedHandoff(escalationAgent, { mesh })];
meshguardAgents.set(tier1Agent, { id: "agent_tier1", name: "Tier 1 Support", trustTier: "verified" });
for (const a of [supportAgent, tier1Agent, billingAgent, escalationAgent]) names.set(meshguardAgents.identityOf(a).id, a.name);

// ---------------------------------------------------------------------------
// Running

const runner = new Runner();
runner.on("agent_handoff", (_ctx, from, to) => console.log(`   ${cyan("⇢ handoff")}   ${from.name} → ${bold(to.name)}`));

/**
 * One request: run, let a manager decide any approval, print the answer. A run
 * waiting for a person is saved as text, as a service would store it, and resumed
 * from that text; runWithAudit restores the delegation chains on the way.
 */
async function ask(agent, message) {
  console.log(`\n${bold("👤 Customer:")} ${message}`);
  let out = await runWithAudit(agent, message, { mesh, runner, userId: "customer_john" });
  while (out.result.interruptions.length > 0) {
    const state = await RunState.fromString(agent, out.result.state.toString());
    for (const item of state.getInterruptions()) {
      console.log(`   ${yellow("👩‍💼 manager")}  approves ${item.name} ${dim(item.arguments)}`);
      state.approve(item);
    }
    out = await runWithAudit(agent, state, { mesh, runner, userId: "customer_john" });
  }
  console.log(`${bold("🤖 Agent:")} ${out.output}`);
  if (out.finalAgent !== agent.name) console.log(dim(`   (answered by ${out.finalAgent})`));
  console.log(dim(`   trace ${out.traceId}`));
}

console.log(bold("MeshGuard × OpenAI Agents SDK: a governed customer-support system"));
console.log(dim(live ? "model: OpenAI (OPENAI_API_KEY is set)" : "model: scripted, offline (set OPENAI_API_KEY to use the OpenAI API)"));

heading("1. One governed agent");
await ask(supportAgent, "Can you look up the customer with email john@example.com?");
await ask(supportAgent, "What's the status of order ORD-2024-001?");
await ask(supportAgent, "I need a refund of $79.99 for order ORD-2024-001, the product was defective. Please email me a confirmation.");
await ask(supportAgent, "Please refund $250 for order ORD-2024-002, it never arrived.");
await ask(supportAgent, "Refund $1,500 for order ORD-2024-003 right now.");

heading("2. Tier 1 → Billing Specialist → Escalation Manager");
await ask(tier1Agent, "I'm john@example.com. I need a $250 refund for order #12345, the item arrived broken.");

// ---------------------------------------------------------------------------
// The audit trail

heading("Audit trail");
const trail = mesh.getAuditLog().reverse();
const decisions = trail.filter((e) => !e.action.startsWith("trace:") && !e.action.startsWith("session:"));
const count = (d) => decisions.filter((e) => e.decision === d).length;
console.log(
  `${trail.length} entries: ${decisions.length} policy decisions (${green(`${count("allow")} allowed`)}, ${red(`${count("deny")} denied`)}, ` +
    `${yellow(`${count("require_approval")} approval required`)}), ${trail.length - decisions.length} session and trace records\n`,
);
printTrail(mesh, { agents: true });
const auditOut = process.argv.indexOf("--audit-out");
if (auditOut > 0) {
  writeFileSync(process.argv[auditOut + 1], mesh.exportAudit());
  console.log(dim(`   written to ${process.argv[auditOut + 1]}`));
}
