// GET /v1/health: the bundle in force, when it loaded, its policies, the last load
// error, the audit outbox and the package version. 503 while no bundle has loaded.

import { version as packageVersion } from "@meshguard/policy";

import { settings } from "../config.js";
import { isolateEngine } from "../decide.js";
import { json } from "../http.js";

export async function health(request, env) {
  const engine = isolateEngine(env);
  let error = null;
  try {
    await engine.bundle.ready(env, settings(env).refreshMs);
  } catch (e) {
    if (e.code !== "no_policy_bundle") throw e;
    error = { code: e.code, message: e.message };
  }
  const body = { package: packageVersion, bundle: engine.bundle.status(), audit: engine.outbox.status() };
  return error ? json({ error, ...body }, 503) : json(body);
}
