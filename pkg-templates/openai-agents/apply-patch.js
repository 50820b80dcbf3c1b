// apply_patch: each file operation is checked before the Editor applies it, as
// `write:file` (create, update) or `delete:file`, with the file's path as the
// resource, so `resource: { startsWith: "src/" }` confines edits to src/.

import { applyPatchTool as sdkApplyPatchTool } from "@openai/agents";
import { describe, isPlainObject } from "../lib/args.js";
import { MeshGuardError } from "../lib/errors.js";
import { requireMesh } from "./args.js";
import { checkIdentity } from "./identities.js";
import { LOCAL, admit, localGovernor, needsApproval } from "./local-calls.js";
import { GOVERNED } from "./run-state.js";

const METHODS = { create_file: "createFile", update_file: "updateFile", delete_file: "deleteFile" };

/**
 * The checks of one operation. A move (`update_file` with `moveTo`) writes the new
 * path and deletes the old one, so it needs `write:file` on both and `delete:file`.
 */
function checksOf(op) {
  const path = String(op?.path ?? "");
  const operation = String(op?.type ?? "");
  const write = (resource) => ({ action: "write:file", resource, context: { path: resource, operation } });
  if (operation === "delete_file") return [{ action: "delete:file", resource: path, context: { path, operation } }];
  if (operation === "update_file" && typeof op.moveTo === "string") {
    return [write(path), write(op.moveTo), { action: "delete:file", resource: path, context: { path, operation, moveTo: op.moveTo } }];
  }
  return [write(path)];
}

/**
 * `applyPatchTool(applyPatchOptions)` whose every operation MeshGuard checks before
 * `editor` applies it: `write:file` for create and update, `delete:file` for
 * delete, with the path as the resource and `{ path, operation }` as the context.
 * Deny: the file is untouched and the model reads `Action blocked by policy:
 * <reason>`. require_approval: the run interrupts for a person. Options: `mesh`,
 * and `agent` or `identity` to act as (default: the agent whose turn it is).
 */
export function governedApplyPatch(applyPatchOptions, options) {
  const mesh = requireMesh(options, "governedApplyPatch");
  const editor = applyPatchOptions?.editor;
  if (!isPlainObject(applyPatchOptions) || !editor || Object.values(METHODS).some((m) => typeof editor[m] !== "function")) {
    throw new MeshGuardError(`governedApplyPatch needs applyPatchTool options with an Editor ({ editor: { createFile, updateFile, deleteFile } }); got ${describe(applyPatchOptions)}`);
  }
  const identity = options.identity && checkIdentity(options.identity, options.agent);
  const g = localGovernor("governedApplyPatch", { ...options, identity }, checksOf);
  const governed = {};
  for (const method of Object.values(METHODS)) {
    governed[method] = async (operation, context) => {
      const { refusal } = admit(g, operation, context?.runContext);
      if (refusal) return { status: "failed", output: `Action blocked by policy: ${refusal.reason}` };
      return editor[method](operation, context);
    };
  }
  const tool = sdkApplyPatchTool({ ...applyPatchOptions, editor: governed, needsApproval: needsApproval(g, applyPatchOptions.needsApproval) });
  g.tool = tool;
  Object.defineProperty(tool, LOCAL, { value: g });
  Object.defineProperty(tool, GOVERNED, { value: { action: "write:file", mesh } });
  return tool;
}
