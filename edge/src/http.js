// HTTP plumbing: JSON responses, the one error shape, and request bodies read
// within a size limit.

import { MeshGuardError, PolicyError, TokenError } from "@meshguard/policy";

/** An error that becomes a response: `{ "error": { "code", "message", ... } }`. */
export class HttpError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}

/** A JSON response. */
export function json(body, status = 200, headers = {}) {
  return Response.json(body, { status, headers });
}

/** The response for any error: HttpError as it says, a package error by its kind, anything else 500. */
export function errorResponse(error) {
  const e = toHttpError(error);
  if (e.status >= 500) console.error(`${e.code}: ${e.message}`);
  const headers = e.extra.allow ? { allow: e.extra.allow } : {};
  const { allow, ...extra } = e.extra;
  return json({ error: { code: e.code, message: e.message, ...extra } }, e.status, headers);
}

/** Maps the package's errors to statuses; anything unexpected is a 500 that names no internals. */
export function toHttpError(error) {
  if (error instanceof HttpError) return error;
  if (error instanceof TokenError) return new HttpError(401, error.code, error.message);
  if (error instanceof PolicyError) {
    return new HttpError(422, "policy_invalid", error.message, { errors: error.errors ?? [], warnings: error.warnings ?? [] });
  }
  if (error instanceof MeshGuardError) {
    return error.code === "invalid_argument"
      ? new HttpError(400, "invalid_argument", error.message)
      : new HttpError(500, error.code, error.message);
  }
  console.error(error?.stack ?? String(error));
  return new HttpError(500, "internal_error", "the Worker failed; see its logs");
}

/** How much of an oversized body is read and dropped before the 413, so that clients still uploading get the answer. */
const DRAIN_BYTES = 1024 * 1024;

/** The body as text, refused with 413 past `limit` bytes. */
export async function readText(request, limit) {
  if (request.body === null) return "";
  // HTTP framing holds a body to its declared length: the runtime's own reader will do.
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) <= limit) return request.text();
  const reader = request.body.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit + DRAIN_BYTES) {
      await reader.cancel();
      break;
    }
    if (size <= limit) chunks.push(value);
  }
  if (size > limit) throw tooLarge(limit);
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function tooLarge(limit) {
  return new HttpError(413, "payload_too_large", `the body is larger than the limit of ${limit} bytes`);
}

/**
 * The body as a JSON object with only the `allowed` members. `required` members
 * must be present; every bad member is named in the 400.
 */
export async function readJsonObject(request, limit, { allowed, required = [] }) {
  const text = await readText(request, limit);
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, "invalid_json", `the body is not valid JSON: ${e.message}`);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new HttpError(400, "invalid_argument", "the body must be a JSON object");
  }
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      const hint = ["agent", "now", "mode"].includes(key) ? " (the agent and the time come from the token and the clock)" : "";
      throw new HttpError(400, "invalid_argument", `body.${key}: unknown field; expected one of ${allowed.join(", ")}${hint}`);
    }
  }
  for (const key of required) {
    if (body[key] === undefined) throw new HttpError(400, "invalid_argument", `body.${key}: missing`);
  }
  return body;
}

/** Throws a 400 naming `path` unless `value` is absent or passes `ok`. */
export function expect(value, path, what, ok) {
  if (value !== undefined && !ok(value)) throw new HttpError(400, "invalid_argument", `${path}: expected ${what}`);
}

export const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
export const isString = (v) => typeof v === "string";
export const isNonEmptyString = (v) => typeof v === "string" && v.length > 0;
