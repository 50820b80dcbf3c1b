// Argument checks of the adapter's functions, each naming what was wrong.

import { describe, isPlainObject } from "../lib/args.js";
import { MeshGuardError } from "../lib/errors.js";

/** The `mesh` of `options`: a MeshGuard (anything with `check` and `auditLog`). */
export function requireMesh(options, fn) {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new MeshGuardError(`${fn} needs options with a MeshGuard: { mesh }; got ${describe(options)}`);
  }
  const { mesh } = options;
  if (!mesh || typeof mesh.check !== "function" || typeof mesh.auditLog !== "function") {
    throw new MeshGuardError(`${fn} needs { mesh }: a MeshGuard instance; got ${describe(mesh)}`);
  }
  return mesh;
}

/** Throws unless `agent` looks like an SDK Agent (an object with a string name). */
export function requireAgent(agent, fn) {
  if (!agent || typeof agent !== "object" || typeof agent.name !== "string") {
    throw new MeshGuardError(`${fn} needs an Agent; got ${describe(agent)}`);
  }
}

/** A check's context by default: the input when it is an object, else `{ input }`. */
export function defaultContext(input) {
  return isPlainObject(input) ? input : input === undefined ? {} : { input };
}

/** A tool call's arguments (JSON text) parsed; empty or malformed text gives `{}`. */
export function parseArguments(text) {
  if (typeof text !== "string" || text.length === 0) return {};
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

/** `contextFrom(input, details)`, which must give an object (or nothing). */
export function contextFor(contextFrom, input, details, action) {
  const context = contextFrom(input, details);
  if (context !== undefined && !isPlainObject(context)) {
    throw new MeshGuardError(`contextFrom for ${action} must return an object; got ${describe(context)}`);
  }
  return context ?? {};
}

/** Cuts a string to `n` characters (with an ellipsis); other values pass. */
export const clip = (v, n = 200) => (typeof v === "string" ? (v.length > n ? `${v.slice(0, n)}…` : v) : v);
