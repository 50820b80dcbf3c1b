// The one place that reads the OpenAI Agents SDK's private state. The rest of the
// adapter uses the SDK's public API (tools, handoffs, guardrails, run options,
// tracing processors, RunResult and RunState's public members). A RunState has no
// public accessor for its RunContext, for the items it generated, or for the shell
// and apply_patch calls it will run on resuming, which restoring a saved run needs;
// this module reads them, checks their shape, and fails loudly (code
// `sdk_incompatible`) if an SDK release moved them.
//
// Checked against the versions below. When you move to another version, run the
// adapter's tests (tests/js/openai-agents*.test.*): openai-agents-compat.test.mjs
// fails until the new version is checked and added here.

import { RunContext, RunState } from "@openai/agents";
import { MeshGuardError } from "../lib/errors.js";

/** The `@openai/agents` versions this adapter was checked against. */
export const CHECKED_SDK_VERSIONS = Object.freeze(["0.20.0"]);

function moved(field, wanted) {
  return new MeshGuardError(
    `@openai/agents: ${field} is no longer ${wanted}; MeshGuard's adapter was checked against @openai/agents ${CHECKED_SDK_VERSIONS.join(", ")} and needs an update for this version`,
    "sdk_incompatible",
  );
}

/** The RunContext of a RunState (`RunState._context`). */
export function runContextOfState(state) {
  const context = state._context;
  if (!(context instanceof RunContext)) throw moved("RunState._context", "a RunContext");
  return context;
}

/** The items a RunState generated so far, oldest first (`RunState._generatedItems`). */
export function generatedItemsOfState(state) {
  const items = state._generatedItems;
  if (!Array.isArray(items)) throw moved("RunState._generatedItems", "an array of run items");
  return items;
}

/**
 * The shell and apply_patch calls a RunState will run when resumed, as
 * `{ tool, payload, callId }` (`RunState._lastProcessedResponse`): the payload is
 * the object the SDK passes to the tool's Shell or Editor.
 */
export function localCallsOfState(state) {
  const processed = state._lastProcessedResponse;
  if (processed === undefined || processed === null) return [];
  const shell = processed.shellActions ?? [];
  const patch = processed.applyPatchActions ?? [];
  if (typeof processed !== "object" || !Array.isArray(shell) || !Array.isArray(patch)) {
    throw moved("RunState._lastProcessedResponse", "a processed response with shellActions and applyPatchActions arrays");
  }
  const calls = [];
  for (const [runs, toolKey, payloadKey] of [[shell, "shell", "action"], [patch, "applyPatch", "operation"]]) {
    for (const run of runs) {
      const payload = run?.toolCall?.[payloadKey];
      if (!run?.[toolKey] || !payload || typeof payload !== "object") {
        throw moved(`RunState._lastProcessedResponse.${toolKey === "shell" ? "shellActions" : "applyPatchActions"}`, `a list of { toolCall: { ${payloadKey} }, ${toolKey} }`);
      }
      calls.push({ tool: run[toolKey], payload, callId: run.toolCall.callId });
    }
  }
  return calls;
}

/** The RunContext of a run result: public `runContext`, else its state's. */
export function runContextOfResult(result) {
  if (result?.runContext instanceof RunContext) return result.runContext;
  if (result?.state instanceof RunState) return runContextOfState(result.state);
  return undefined;
}
