// GET /v1/health: the bundle in force, when it loaded, its policies, the last load
// error, the audit outbox and the package version. 503 while no bundle has loaded.

import { version as packageVersion } from "@meshguard/policy";

import { settings } from "../config.js";
import { isolateEngine } from "../decide.js";
import { json } from "../http.js";

export async function health(request, env) {
  const engine = isolateEngine(env);
  let status = 200;
  try {
    await engine.bundle.ready(env, settings(env).refreshMs);
  } catch {
    status = 503;
  }
  const body = { package: packageVersion, bundle: engine.bundle.status(), audit: engine.outbox.status() };
  if (status !== 200) body.error = { code: "no_policy_bundle", message: "no policy bundle has loaded; every check is refused" };
  return json(body, status);
}
