// Share links: a playground workspace (policies, agent, checks, tests, chain) packed
// into a URL fragment as gzip + base64url, stamped with the package version. The
// playground and the `meshguard share` command both use this module, so a link one
// makes the other opens.
//
// Fragment form: `v=<package version>&w=<base64url of the gzip of the workspace JSON>`.

import { describe, isPlainObject } from "./args.js";
import { MeshGuardError } from "./errors.js";
import { VERSION } from "./version.js";

/** The largest workspace JSON a link may unpack to (a guard against gzip bombs). */
export const MAX_WORKSPACE_BYTES = 8 * 1024 * 1024;

function invalid(message) {
  return new MeshGuardError(`share link: ${message}`, "invalid_share_link");
}

/**
 * Checks the fields both sides rely on and returns a copy with defaults:
 * `policies` is a list of `{ name, text }`; `tests`, when present, is a vector file's
 * text (the conformance format); `agent`, `checks` and `chain` belong to the
 * playground and are kept as they are when they are objects or lists.
 */
export function normalizeWorkspace(workspace) {
  if (!isPlainObject(workspace)) throw invalid(`the workspace must be an object; got ${describe(workspace)}`);
  const { policies = [], tests, agent, checks, chain, ...rest } = workspace;
  if (!Array.isArray(policies)) throw invalid(`policies must be a list; got ${describe(policies)}`);
  const out = {
    policies: policies.map((p, i) => {
      if (!isPlainObject(p) || typeof p.name !== "string" || typeof p.text !== "string") {
        throw invalid(`policies[${i}] must be {name, text} with two strings; got ${describe(p)}`);
      }
      return { name: p.name, text: p.text };
    }),
  };
  if (tests !== undefined) {
    if (typeof tests !== "string") throw invalid(`tests must be the text of a vector file; got ${describe(tests)}`);
    out.tests = tests;
  }
  if (agent !== undefined) {
    if (!isPlainObject(agent)) throw invalid(`agent must be an object; got ${describe(agent)}`);
    out.agent = agent;
  }
  for (const [key, value] of [["checks", checks], ["chain", chain]]) {
    if (value === undefined) continue;
    if (!Array.isArray(value)) throw invalid(`${key} must be a list; got ${describe(value)}`);
    out[key] = value;
  }
  return { ...rest, ...out };
}

async function pipe(bytes, transform) {
  const stream = new Blob([bytes]).stream().pipeThrough(transform);
  const chunks = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > MAX_WORKSPACE_BYTES) throw invalid(`the workspace unpacks to more than ${MAX_WORKSPACE_BYTES} bytes`);
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function toBase64url(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw invalid("the workspace is not base64url text");
  let binary;
  try {
    binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    throw invalid("the workspace is not base64url text");
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Packs a workspace into a fragment (without the `#`), stamped with this package's version. */
export async function encodeWorkspace(workspace) {
  const json = new TextEncoder().encode(JSON.stringify(normalizeWorkspace(workspace)));
  if (json.length > MAX_WORKSPACE_BYTES) throw invalid(`the workspace is more than ${MAX_WORKSPACE_BYTES} bytes`);
  const packed = await pipe(json, new CompressionStream("gzip"));
  return `v=${encodeURIComponent(VERSION)}&w=${toBase64url(packed)}`;
}

/**
 * Unpacks a fragment made by `encodeWorkspace` (a whole URL, `#…` or the bare
 * fragment). Returns `{ workspace, version, sameVersion }`; `sameVersion` is false
 * when another version of the package made the link. Throws `MeshGuardError` with
 * code `invalid_share_link` on anything else.
 */
export async function decodeWorkspace(link) {
  if (typeof link !== "string") throw invalid(`expected the link's text; got ${describe(link)}`);
  const hash = link.indexOf("#");
  const params = new URLSearchParams(hash >= 0 ? link.slice(hash + 1) : link);
  const version = params.get("v");
  const packed = params.get("w");
  if (!version || !packed) throw invalid("the fragment holds no workspace (expected v=…&w=…)");
  let json;
  try {
    json = new TextDecoder("utf-8", { fatal: true }).decode(await pipe(fromBase64url(packed), new DecompressionStream("gzip")));
  } catch (e) {
    if (e instanceof MeshGuardError) throw e;
    throw invalid("the workspace is not gzip-compressed UTF-8 text");
  }
  let workspace;
  try {
    workspace = JSON.parse(json);
  } catch (e) {
    throw invalid(`the workspace is not JSON (${e.message})`);
  }
  return { workspace: normalizeWorkspace(workspace), version, sameVersion: version === VERSION };
}

/** A link to `base` (the playground's address) that opens `workspace`. */
export async function shareUrl(base, workspace) {
  const url = new URL(base);
  url.hash = await encodeWorkspace(workspace);
  return url.href;
}
