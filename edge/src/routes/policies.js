// PUT /v1/policies: publish a policy bundle. The admin token is compared in constant
// time; the bundle is loaded by the same engine before KV is written, so a bundle
// that would not load never reaches KV (422 with the diagnostics).

import { MeshGuard } from "@meshguard/policy";

import { publish, versionOf } from "../bundle.js";
import { settings } from "../config.js";
import { isolateEngine } from "../decide.js";
import { HttpError, json, readJsonObject } from "../http.js";
import { bearer } from "../identity.js";

const sha256 = (text) => crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));

/** Throws 401 unless the request bears ADMIN_TOKEN; digests first, so the compare sees equal lengths. */
async function requireAdmin(request, env) {
  if (!env.ADMIN_TOKEN) throw new HttpError(403, "admin_disabled", "publishing is off: set the ADMIN_TOKEN secret");
  let token;
  try {
    token = bearer(request);
  } catch {
    throw new HttpError(401, "unauthorized", "send the admin token as Authorization: Bearer <ADMIN_TOKEN>");
  }
  const [given, expected] = await Promise.all([sha256(token), sha256(env.ADMIN_TOKEN)]);
  if (!crypto.subtle.timingSafeEqual(given, expected)) throw new HttpError(401, "unauthorized", "the admin token is wrong");
}

/** `{ policies: [{ name, text }] }`, checked member by member. */
function policiesOf(body) {
  const { policies } = body;
  if (!Array.isArray(policies) || policies.length === 0) {
    throw new HttpError(400, "invalid_argument", "body.policies: expected a non-empty list of { name, text }");
  }
  const names = new Set();
  return policies.map((p, i) => {
    const keys = p !== null && typeof p === "object" && !Array.isArray(p) ? Object.keys(p) : null;
    if (!keys || typeof p.name !== "string" || !p.name || typeof p.text !== "string" || keys.some((k) => k !== "name" && k !== "text")) {
      throw new HttpError(400, "invalid_argument", `body.policies[${i}]: expected { name, text } with two strings`);
    }
    if (names.has(p.name)) throw new HttpError(400, "invalid_argument", `body.policies[${i}].name: '${p.name}' is given twice`);
    names.add(p.name);
    return { name: p.name, text: p.text };
  });
}

export async function putPolicies(request, env) {
  await requireAdmin(request, env);
  const body = await readJsonObject(request, settings(env).maxBundleBytes, { allowed: ["policies"], required: ["policies"] });
  const policies = policiesOf(body);
  // The same engine as every check; throws PolicyError (422) and writes nothing.
  const warnings = new MeshGuard({ policies, audit: false }).warnings;
  const version = await versionOf(policies);
  await publish(env.POLICIES, version, policies);
  // This isolate need not wait for KV to tell it.
  isolateEngine(env).bundle.adopt(version, policies);
  return json({ version, policies: policies.length, warnings });
}
