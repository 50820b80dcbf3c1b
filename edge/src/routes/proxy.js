// ANY /proxy/<path>: gateway mode. The request's action (X-MeshGuard-Action) is
// checked for the token's agent; only an allowed request is forwarded, to the
// UPSTREAM service binding or to UPSTREAM_URL, with <path> and the query kept, the
// Authorization header and the caller's X-MeshGuard-* headers removed, and the
// decision added as X-MeshGuard-Decision, -Policy, -Rule and -Trace-ID.

import { decide } from "../decide.js";
import { HttpError } from "../http.js";
import { agentOf } from "../identity.js";

const PREFIX = "/proxy";

/** Header values must be Latin-1; anything else (a policy named in Greek) is percent-encoded. */
const headerValue = (v) => (/^[\x20-\x7e]*$/.test(v) ? v : encodeURIComponent(v));

function callOf(request) {
  const h = request.headers;
  const action = h.get("x-meshguard-action");
  if (!action) throw new HttpError(400, "invalid_argument", "X-MeshGuard-Action: missing; it names the action to check");
  const options = {};
  if (h.has("x-meshguard-resource")) options.resource = h.get("x-meshguard-resource");
  if (h.has("x-meshguard-trace-id")) options.traceId = h.get("x-meshguard-trace-id");
  if (h.has("x-meshguard-context")) {
    let context;
    try {
      context = JSON.parse(h.get("x-meshguard-context"));
    } catch (e) {
      throw new HttpError(400, "invalid_argument", `X-MeshGuard-Context: not JSON: ${e.message}`);
    }
    if (context === null || typeof context !== "object" || Array.isArray(context)) {
      throw new HttpError(400, "invalid_argument", "X-MeshGuard-Context: expected a JSON object");
    }
    options.context = context;
  }
  return { action, options };
}

/** Where the request goes: <path> and the query kept, under the upstream's origin and base path. */
function targetUrl(request, env) {
  const url = new URL(request.url);
  const rest = url.pathname.slice(PREFIX.length) || "/";
  if (env.UPSTREAM) return `https://upstream${rest}${url.search}`;
  if (env.UPSTREAM_URL) {
    const base = new URL(env.UPSTREAM_URL);
    return `${base.origin}${base.pathname.replace(/\/+$/, "")}${rest}${url.search}`;
  }
  throw new HttpError(502, "no_upstream", "gateway mode needs the UPSTREAM service binding or the UPSTREAM_URL variable");
}

/** The request to send upstream: the caller's, less its credentials, Host and X-MeshGuard-* headers, plus the decision. */
function upstreamRequest(request, target, decision) {
  const headers = new Headers();
  for (const [name, value] of request.headers) {
    if (name !== "authorization" && name !== "host" && !name.startsWith("x-meshguard-")) headers.append(name, value);
  }
  headers.set("x-meshguard-decision", decision.decision);
  if (decision.policy != null) headers.set("x-meshguard-policy", headerValue(decision.policy));
  if (decision.rule != null) headers.set("x-meshguard-rule", headerValue(decision.rule));
  headers.set("x-meshguard-trace-id", headerValue(decision.traceId));
  headers.set("x-meshguard-agent-id", headerValue(decision.agentId));
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  return new Request(target, { method: request.method, headers, body: hasBody ? request.body : null, redirect: "manual" });
}

export async function proxy(request, env, ctx) {
  const agent = agentOf(request, env);
  const call = callOf(request);
  const target = targetUrl(request, env);
  const { decision } = await decide(env, ctx, agent, call);
  if (!decision.allowed) {
    const approval = decision.decision === "require_approval";
    throw new HttpError(403, approval ? "approval_required" : "policy_denied", decision.reason, { decision });
  }
  const outgoing = upstreamRequest(request, target, decision);
  try {
    return await (env.UPSTREAM ? env.UPSTREAM.fetch(outgoing) : fetch(outgoing));
  } catch (e) {
    throw new HttpError(502, "upstream_unreachable", `the upstream did not answer: ${e.message}`);
  }
}
