// The edge Worker wrapped for benchmarks: the same routes and bindings, plus routes
// that time work inside the isolate. Local runs only: workerd's clock advances
// during computation here (in 1 ms steps), while Cloudflare's stops between I/O.
import { started } from "./clock.js";
import worker, { AgentLimits } from "../src/index.js";
import { MeshGuard } from "@meshguard/policy";

import { bundleKey, CURRENT_KEY } from "../src/bundle.js";
import { isolateEngine } from "../src/decide.js";

const evaluated = Date.now();

export { AgentLimits };

/** A waitUntil that keeps the promises, to be awaited outside the timed part. */
function context() {
  const pending = [];
  return { pending, waitUntil: (p) => pending.push(p), passThroughOnException() {} };
}

const checkRequest = (token, amount) =>
  new Request("https://edge/v1/check", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ action: "write:refund", context: { amount } }),
  });

async function timed(fn) {
  const t = performance.now();
  const value = await fn();
  return [performance.now() - t, value];
}

/** The first request of a fresh isolate: bundle load, first check, then a warm one. */
async function cold(env, token) {
  const [bundleLoadMs] = await timed(() => isolateEngine(env).bundle.ready(env, 0));
  const ctx = context();
  const [firstCheckMs, first] = await timed(() => worker.fetch(checkRequest(token, 50), env, ctx));
  const [warmCheckMs] = await timed(() => worker.fetch(checkRequest(token, 50), env, ctx));
  // The parse alone, on a throwaway engine (the bundle is in KV's cache by now).
  const version = await env.POLICIES.get(CURRENT_KEY);
  const { policies } = await env.POLICIES.get(bundleKey(version), { type: "json" });
  const [parseMs] = await timed(() => new MeshGuard({ policies, audit: false }));
  await Promise.all(ctx.pending);
  return { instantiateMs: evaluated - started, bundleLoadMs, parseMs, firstCheckMs, warmCheckMs, firstStatus: first.status };
}

/** A Queue that takes every message at once: the handler's CPU without the Queue's I/O. */
const nullQueue = { send: async () => {} };

/**
 * `n` checks through the Worker's handler (Queue I/O left out), the token
 * verification alone, and the engine's check alone; microseconds per check.
 */
async function cpu(env, token, n) {
  const ctx = context();
  const quiet = { ...env, AUDIT_QUEUE: nullQueue };
  await worker.fetch(checkRequest(token, 50), quiet, ctx);
  const requests = Array.from({ length: n }, (_, i) => checkRequest(token, i % 2 ? 50 : 150));
  const [handlerMs] = await timed(async () => {
    for (const r of requests) await worker.fetch(r, quiet, ctx);
  });
  const verifier = new MeshGuard({ verify: { secret: env.AGENT_TOKEN_SECRET }, audit: false });
  const [tokenMs] = await timed(() => {
    for (let i = 0; i < n; i++) verifier.verifyAgentToken(token);
  });
  const mesh = isolateEngine(env).mesh;
  const agent = { id: "agent_support", tags: ["support"], trustTier: "verified" };
  const [engineMs] = await timed(() => {
    for (let i = 0; i < n; i++) mesh.check("write:refund", { agent, context: { amount: i % 2 ? 50 : 150 } });
  });
  await Promise.all(ctx.pending);
  const us = (ms) => (1000 * ms) / n;
  return { n, handlerUs: us(handlerMs), tokenUs: us(tokenMs), engineUs: us(engineMs) };
}

export default {
  ...worker,
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const token = url.searchParams.get("token");
    if (url.pathname === "/bench/cold") return Response.json(await cold(env, token));
    if (url.pathname === "/bench/cpu") return Response.json(await cpu(env, token, Number(url.searchParams.get("n") ?? 2000)));
    return worker.fetch(request, env, ctx);
  },
};
