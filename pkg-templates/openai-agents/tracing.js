// The audit trail written from the SDK's traces: a tracing processor that records
// agent, function-tool, handoff and guardrail spans. A tool call that a governed
// tool's guardrail refused is known by the decision the guardrail left on the
// call's span (`noteRefusal`), not by the text the model was sent.

import { getCurrentSpan } from "@openai/agents";
import { clip, requireMesh } from "./args.js";
import { meshguardAgents } from "./identities.js";

/** Function-tool span -> the decision that refused the call. */
const refusals = new WeakMap();

/**
 * Records that the tool call being run was refused by `decision`: called from a
 * governed tool's input guardrail, which the SDK runs inside the call's function
 * span. Outside a function span (no tracing, or a guardrail run before approval)
 * there is no span to mark.
 */
export function noteRefusal(decision) {
  const span = getCurrentSpan();
  if (span?.spanData?.type === "function") refusals.set(span, decision);
}

/**
 * A tracing processor (for `addTraceProcessor` / `setTraceProcessors`) that writes
 * the run's agent, function-tool, handoff and guardrail spans into the audit
 * trail as `trace:agent:<name>`, `trace:tool:<name>`, `trace:handoff:<to>` and
 * `trace:guardrail:<name>`, under the SDK's trace id. A span with an error, a tool
 * call the policy refused, or a tripped guardrail is recorded as deny. Audit
 * failures go to `onError`.
 */
export function meshguardTraceProcessor(options) {
  const mesh = requireMesh(options, "meshguardTraceProcessor");
  const onError = options.onError ?? ((e) => console.error(`[meshguard] could not audit a trace span: ${e?.message ?? e}`));
  const agentOfSpan = new Map();
  const agentOf = (span) => {
    const name = agentOfSpan.get(span.parentId);
    return name === undefined ? undefined : meshguardAgents.identityByName(name);
  };
  const record = (entry) => {
    try {
      mesh.auditLog(entry);
    } catch (e) {
      onError(e);
    }
  };
  return {
    async onTraceStart() {},
    async onTraceEnd() {},
    async onSpanStart(span) {
      const d = span.spanData;
      if (d?.type === "agent") agentOfSpan.set(span.spanId, d.name);
      else if (d?.type === "turn" && d.agent_name) agentOfSpan.set(span.spanId, d.agent_name);
      else if (span.parentId && agentOfSpan.has(span.parentId)) agentOfSpan.set(span.spanId, agentOfSpan.get(span.parentId));
    },
    async onSpanEnd(span) {
      agentOfSpan.delete(span.spanId);
      const entry = entryOf(span, agentOf);
      if (entry) record(entry);
    },
    async shutdown() {},
    async forceFlush() {},
  };
}

/** The audit entry of a finished span, or undefined for spans not recorded. */
function entryOf(span, agentOf) {
  const d = span.spanData ?? {};
  const error = span.error ? clip(span.error.data?.error ?? span.error.message) : undefined;
  let entry;
  switch (d.type) {
    case "agent":
      entry = { action: `trace:agent:${d.name}`, agent: meshguardAgents.identityByName(d.name), metadata: { tools: d.tools, handoffs: d.handoffs }, reason: "agent ran" };
      break;
    case "function": {
      // A call a governed tool's guardrail refused ends normally, with the refusal as its output.
      const refusal = refusals.get(span);
      entry = { action: `trace:tool:${d.name}`, agent: agentOf(span), metadata: { input: clip(d.input), output: clip(d.output) }, denied: refusal !== undefined, reason: "tool ran" };
      if (refusal) Object.assign(entry, { reason: `refused by policy: ${refusal.reason}`, metadata: { ...entry.metadata, policy: refusal.policy, rule: refusal.rule } });
      break;
    }
    case "handoff":
      entry = { action: `trace:handoff:${d.to_agent}`, agent: d.from_agent ? meshguardAgents.identityByName(d.from_agent) : undefined, metadata: { from_agent: d.from_agent, to_agent: d.to_agent }, reason: "handed off" };
      break;
    case "guardrail":
      entry = { action: `trace:guardrail:${d.name}`, agent: agentOf(span), metadata: { triggered: Boolean(d.triggered) }, denied: Boolean(d.triggered), reason: d.triggered ? "guardrail tripped" : "guardrail passed" };
      break;
    default:
      return undefined;
  }
  const metadata = { span: d.type, span_id: span.spanId, ...entry.metadata };
  if (error !== undefined) metadata.error = error;
  for (const k of Object.keys(metadata)) if (metadata[k] === undefined || metadata[k] === "") delete metadata[k];
  const out = { action: entry.action, decision: entry.denied || error !== undefined ? "deny" : "allow", reason: error ?? entry.reason, traceId: span.traceId, metadata };
  if (entry.agent) out.agent = entry.agent;
  return out;
}
