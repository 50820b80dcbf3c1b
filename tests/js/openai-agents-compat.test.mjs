// The adapter's compatibility module (openai-agents/compat.js), the only place that
// reads the OpenAI Agents SDK's private state: these tests fail loudly when the
// installed SDK is not a version it was checked against, or when a field it reads
// has gone.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

import { Agent, RunContext, RunState, run, setTraceProcessors } from "@openai/agents";
import { ScriptedModel, functionCall } from "@openai/agents/testing";
import { MeshGuard, MeshGuardError } from "@meshguard/policy";
import { CHECKED_SDK_VERSIONS, governedHandoff, governedShell, governedTool, meshguardAgents, meshguardRestore, meshguardRunOptions } from "@meshguard/policy/openai-agents";
import { z } from "zod";

setTraceProcessors([]);

const installed = (name) => JSON.parse(readFileSync(join(process.cwd(), "node_modules", name, "package.json"), "utf8")).version;
const compat = await import(pathToFileURL(join(process.cwd(), "node_modules", "@meshguard", "policy", "openai-agents", "compat.js")).href);

test("the installed @openai/agents is a version the compatibility module was checked against", () => {
  const version = installed("@openai/agents");
  assert.ok(
    CHECKED_SDK_VERSIONS.includes(version),
    `@openai/agents ${version} is installed, but openai-agents/compat.js was checked against ${CHECKED_SDK_VERSIONS.join(", ")}: check the private fields it reads against this version, then add it`,
  );
  assert.equal(installed("@openai/agents-core"), version, "the SDK's packages move together");
});

/** A saved run: Tier 1 handed off to Billing, whose refund waits for approval. */
async function savedRun() {
  const mesh = new MeshGuard({
    policies: ['name: all\nrules:\n  - {effect: allow, actions: ["read:*", "handoff:*"]}\n  - {name: refunds, effect: require_approval, actions: ["write:refund"]}\n'],
  });
  const refund = governedTool("write:refund", { name: "refund", description: "Refund.", parameters: z.object({ amount: z.number() }), execute: async () => "done" }, { mesh });
  const billing = new Agent({ name: "Billing", model: new ScriptedModel([[functionCall("refund", { amount: 5 }, { callId: "r" })]]), tools: [refund] });
  const tier1 = new Agent({ name: "Tier 1", model: new ScriptedModel([[functionCall("transfer_to_Billing", {}, { callId: "h" })]]), handoffs: [governedHandoff(billing, { mesh })] });
  meshguardAgents.set(tier1, { id: "tier1" });
  const result = await run(tier1, "Refund $5.", meshguardRunOptions());
  assert.equal(result.interruptions.length, 1, "the run waits for approval");
  return { tier1, billing, text: result.state.toString() };
}

test("a restored RunState has the private fields the compatibility module reads, with the shapes it expects", async () => {
  const { tier1, billing, text } = await savedRun();
  const state = await RunState.fromString(tier1, text);
  assert.ok(compat.runContextOfState(state) instanceof RunContext);
  const handoffs = compat.generatedItemsOfState(state).filter((i) => i.type === "handoff_output_item");
  assert.equal(handoffs.length, 1);
  assert.deepEqual([handoffs[0].sourceAgent, handoffs[0].targetAgent], [tier1, billing]);
  assert.equal(state.currentAgent, billing, "the public currentAgent names the delegate");
  assert.ok(compat.runContextOfState(state).usage.requests > 0, "a restored run has called a model");
});

test("when a private field has gone, restoring fails loudly with sdk_incompatible", async () => {
  const { tier1, text } = await savedRun();
  for (const field of ["_generatedItems", "_context"]) {
    const state = await RunState.fromString(tier1, text);
    delete state[field];
    assert.throws(
      () => meshguardRestore(state),
      (e) => e instanceof MeshGuardError && e.code === "sdk_incompatible" && e.message.includes(`RunState.${field}`) && e.message.includes(CHECKED_SDK_VERSIONS[0]),
      field,
    );
  }
});

/** A saved run whose shell call waits for a person's approval. */
async function savedShellRun() {
  const mesh = new MeshGuard({ policies: ['name: all\nrules:\n  - {name: installs, effect: require_approval, actions: ["execute:shell"]}\n'] });
  const shell = governedShell({ shell: { run: async () => ({ output: [] }) } }, { mesh });
  const call = { type: "shell_call", id: "sh_1", callId: "s1", status: "completed", action: { commands: ["npm install"] } };
  const agent = new Agent({ name: "Coder", model: new ScriptedModel([[call]]), tools: [shell] });
  meshguardAgents.set(agent, { id: "coder" });
  const result = await run(agent, "Install.", meshguardRunOptions());
  assert.equal(result.interruptions.length, 1, "the run waits for approval");
  return { agent, shell, text: result.state.toString() };
}

test("a restored RunState names the shell and apply_patch calls it will run, with the payload objects the SDK passes on", async () => {
  const { agent, shell, text } = await savedShellRun();
  const state = await RunState.fromString(agent, text);
  const calls = compat.localCallsOfState(state);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].tool.name, shell.name);
  assert.deepEqual([calls[0].callId, calls[0].payload.commands], ["s1", ["npm install"]]);
});

test("when the processed response has moved, restoring fails loudly with sdk_incompatible", async () => {
  const { agent, text } = await savedShellRun();
  for (const spoil of [(p) => (p.shellActions = "moved"), (p) => (p.shellActions[0].toolCall = {})]) {
    const state = await RunState.fromString(agent, text);
    spoil(state._lastProcessedResponse);
    assert.throws(
      () => meshguardRestore(state),
      (e) => e instanceof MeshGuardError && e.code === "sdk_incompatible" && e.message.includes("RunState._lastProcessedResponse"),
    );
  }
});
