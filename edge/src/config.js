// The Worker's settings, read from its variables once per isolate. A bad value is a
// configuration error (500), never a silent default.

import { HttpError } from "./http.js";

const cache = new WeakMap();

/** The largest check body; audit entries carry the context, and a Queue message holds 128 KB. */
export const MAX_BODY_LIMIT = 64 * 1024;

function number(env, name, fallback, { min, max }) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new HttpError(500, "configuration_error", `${name} must be a number from ${min} to ${max}; it is ${JSON.stringify(raw)}`);
  }
  return n;
}

/** The settings of `env`. */
export function settings(env) {
  let s = cache.get(env);
  if (s === undefined) {
    const mode = env.MODE || "enforce";
    if (mode !== "enforce" && mode !== "audit") {
      throw new HttpError(500, "configuration_error", `MODE must be enforce or audit; it is ${JSON.stringify(mode)}`);
    }
    s = {
      mode,
      maxBodyBytes: number(env, "MAX_BODY_BYTES", 16 * 1024, { min: 1024, max: MAX_BODY_LIMIT }),
      maxBundleBytes: number(env, "MAX_BUNDLE_BYTES", 4 * 1024 * 1024, { min: 1024, max: 20 * 1024 * 1024 }),
      refreshMs: number(env, "POLICY_REFRESH_SECONDS", 5, { min: 0, max: 3600 }) * 1000,
      auditBacklog: number(env, "AUDIT_MAX_BACKLOG", 10_000, { min: 1, max: 1_000_000 }),
      issuer: env.TOKEN_ISSUER || undefined,
      leewaySeconds: number(env, "TOKEN_LEEWAY_SECONDS", 0, { min: 0, max: 3600 }),
      redact: (env.AUDIT_REDACT || "").split(",").map((p) => p.trim()).filter(Boolean),
    };
    cache.set(env, s);
  }
  return s;
}
