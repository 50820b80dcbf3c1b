// Argument checks shared by the API and the adapters: each names what was wrong.

import { MeshGuardError } from "./errors.js";

/** A short description of a value for messages: `null`, `an array`, `"text"`, `number`. */
export function describe(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : typeof value;
}

export const isPlainObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/** Throws unless `action` is a non-empty string; `what` names it in the message. */
export function requireAction(action, what = "action") {
  if (typeof action !== "string" || action.length === 0) {
    throw new MeshGuardError(`${what} must be a non-empty string, like "write:refund"; got ${describe(action)}`);
  }
}

/** Throws unless `value` is absent or a plain object. */
export function requireObject(value, what) {
  if (value !== undefined && !isPlainObject(value)) {
    throw new MeshGuardError(`${what} must be an object; got ${describe(value)}`);
  }
}
