// The agent input guardrail: `invoke:<agent name>` is checked before the agent's
// model is called, alongside any content guardrails of the SDK.

import { contextFor, requireMesh } from "./args.js";
import { meshguardAgents } from "./identities.js";
import { checkAs, runState } from "./run-state.js";

function inputLength(input) {
  if (typeof input === "string") return input.length;
  try {
    return JSON.stringify(input)?.length ?? 0;
  } catch {
    return 0;
  }
}

/**
 * An agent input guardrail that checks `invoke:<agent name>` before the model is
 * called (`runInParallel: false`), with context `{ input_length }`. A decision
 * other than allow trips `InputGuardrailTripwireTriggered`; `outputInfo` holds
 * `{allowed, decision, reason, policy, rule, action}`.
 */
export function meshguardInputGuardrail(options) {
  const mesh = requireMesh(options, "meshguardInputGuardrail");
  const name = options.name ?? "meshguard";
  const contextFrom = options.contextFrom ?? ((input) => ({ input_length: inputLength(input) }));
  return {
    name,
    runInParallel: false,
    execute: async ({ agent, input, context: runContext }) => {
      const s = runState(runContext);
      s.currentAgent = agent;
      const identity = meshguardAgents.identityOf(agent);
      const action = `invoke:${identity.name}`;
      const context = contextFor(contextFrom, input, { agent, runContext }, action);
      const d = checkAs(mesh, action, s, agent, { context, metadata: { guardrail: name } });
      return {
        tripwireTriggered: !d.allowed,
        outputInfo: { allowed: d.allowed, decision: d.decision, reason: d.reason, policy: d.policy, rule: d.rule, action },
      };
    },
  };
}
