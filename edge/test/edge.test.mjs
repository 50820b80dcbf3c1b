// The edge Worker in the real workerd (Miniflare), built by `wrangler deploy
// --dry-run`, with KV, Durable Objects, a Queue and R2. Two copies of the Worker
// ("edge" and "edge-b") are two isolates that share the KV namespace, the Queue, the
// bucket and the Durable Object namespace, as two Cloudflare locations would.
//
// The tests run in order: the first ones see an empty KV.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { verifyAudit } from "@meshguard/policy";

import { SIZE_LIMITS, build, edgeDir, edgeWorker, secondIsolate, start } from "./harness.mjs";
import { SECRET, algNone, edKeys, edToken, handEdDsa, handHs256, hsToken, jwks } from "./tokens.mjs";

const ADMIN = "edge-test-admin-token";
const seedPolicy = readFileSync(join(edgeDir, "..", "examples", "policies", "openai-support-agent.yaml"), "utf8");
const extraPolicy = `
name: edge-extras
appliesTo: { tags: [support] }
rules:
  - name: wire-transfers-need-approval
    effect: require_approval
    actions: ["write:wire_transfer"]
    reason: Wire transfers need a person's approval
---
name: bots
appliesTo: { tags: [bot] }
rules:
  - name: search-budget
    effect: allow
    actions: ["read:search"]
    conditions: { rateLimit: { requestsPerMinute: 3 } }
delegation: { maxDepth: 1 }
`;
const bundle = [
  { name: "support.yaml", text: seedPolicy },
  { name: "extras.yaml", text: extraPolicy },
];

const support = { id: "agent_support", name: "Customer Support", trustTier: "verified", tags: ["openai", "support"] };
const bot = { id: "agent_bot", name: "Search Bot", trustTier: "basic", tags: ["bot"] };
const billing = { id: "agent_billing", name: "Billing Specialist" };

let mf;
let a;
let b;
let built;
let server;
/** Requests the UPSTREAM_URL server received. */
const upstreamHits = [];

const vars = { AGENT_TOKEN_SECRET: SECRET, AGENT_PUBLIC_KEYS: jwks, POLICY_REFRESH_SECONDS: "0" };

const echo = `export default { async fetch(request) {
  return Response.json({ method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body: await request.text() });
} };`;

before(async () => {
  built = build(join(edgeDir, "dist"));
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      upstreamHits.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ via: "upstream-url", url: req.url }));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const upstreamUrl = `http://127.0.0.1:${server.address().port}/base/`;
  mf = start({
    workers: [
      edgeWorker(built, { name: "edge", vars: { ...vars, ADMIN_TOKEN: ADMIN }, serviceBindings: { UPSTREAM: "upstream" } }),
      secondIsolate(built, "edge", { name: "edge-b", vars: { ...vars, UPSTREAM_URL: upstreamUrl } }),
      { name: "upstream", modules: true, script: echo, compatibilityDate: "2026-04-01" },
    ],
  });
  a = await mf.getWorker("edge");
  b = await mf.getWorker("edge-b");
});

after(async () => {
  await mf?.dispose();
  server?.close();
});

/** A request to `worker`; returns `{ status, body, headers }`. */
async function call(worker, method, path, { token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (body !== undefined && !h["content-type"]) h["content-type"] = "application/json";
  const res = await worker.fetch(`https://edge.example${path}`, {
    method,
    headers: h,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

const check = (worker, agentOrToken, body) =>
  call(worker, "POST", "/v1/check", { token: typeof agentOrToken === "string" ? agentOrToken : hsToken(agentOrToken), body });
const publish = (worker, policies, token = ADMIN) => call(worker, "PUT", "/v1/policies", { token, body: { policies } });

/** Asserts the one error shape and returns the error. */
function assertError(res, status, code) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error.code, code, JSON.stringify(res.body));
  assert.equal(typeof res.body.error.message, "string");
  return res.body.error;
}

async function kvKeys() {
  const kv = await mf.getKVNamespace("POLICIES", "edge");
  const { keys } = await kv.list();
  return Promise.all(keys.map(async (k) => [k.name, await kv.get(k.name)]));
}

test("wrangler deploy --dry-run builds the Worker within Workers' size limits", (t) => {
  const total = built.files.reduce((s, f) => s + f.gzip, 0);
  for (const f of built.files) t.diagnostic(`${f.file}: ${f.bytes} bytes, ${f.gzip} gzip`);
  t.diagnostic(`total ${total} bytes gzip: ${((100 * total) / SIZE_LIMITS.free).toFixed(1)}% of the Free plan's 3 MB, ${((100 * total) / SIZE_LIMITS.paid).toFixed(1)}% of the Paid plan's 10 MB`);
  assert.ok(built.files.some((f) => f.file === "index.js"));
  assert.ok(built.files.some((f) => f.file.endsWith(".wasm")), "the .wasm ships as its own module");
  assert.ok(total < SIZE_LIMITS.free);
});

test("before any bundle has loaded, checks are refused with 503 and health says why", async () => {
  assertError(await check(a, support, { action: "read:customer_data" }), 503, "no_policy_bundle");
  const health = await call(a, "GET", "/v1/health");
  assertError(health, 503, "no_policy_bundle");
  assert.equal(health.body.bundle.version, null);
  assert.match(health.body.bundle.lastError.message, /PUT \/v1\/policies/);
  assert.match(health.body.package, /^\d+\.\d+\.\d+/);
});

test("publishing needs the admin token, compared exactly", async () => {
  assertError(await call(a, "PUT", "/v1/policies", { body: { policies: bundle } }), 401, "unauthorized");
  assertError(await publish(a, bundle, `${ADMIN}x`), 401, "unauthorized");
  assertError(await publish(a, bundle, ADMIN.slice(0, -1)), 401, "unauthorized");
  assertError(await publish(a, bundle, hsToken(support)), 401, "unauthorized");
  assertError(await publish(b, bundle, ADMIN), 403, "admin_disabled");
  assert.deepEqual(await kvKeys(), []);
});

test("a bundle that does not load is refused with 422 and its diagnostics, and KV is untouched", async () => {
  const typo = seedPolicy.replace("amount_max: 100", "amount_mx: 100");
  const e = assertError(await publish(a, [{ name: "support.yaml", text: typo }]), 422, "policy_invalid");
  const [first] = e.errors;
  assert.equal(first.source, "support.yaml");
  assert.equal(first.path, "rules[3].conditions.amount_mx");
  assert.equal(typeof first.line, "number");
  assert.equal(typeof first.column, "number");
  assert.equal(first.suggestion, "amount_max");
  assert.deepEqual(await kvKeys(), []);
  assertError(await publish(a, []), 400, "invalid_argument");
  assertError(await publish(a, [{ name: "x" }]), 400, "invalid_argument");
  assertError(await call(a, "PUT", "/v1/policies", { token: ADMIN, body: { policies: bundle, extra: 1 } }), 400, "invalid_argument");
  assert.deepEqual(await kvKeys(), []);
});

test("a valid bundle is written whole (bundle first, then the pointer) and decides at once", async () => {
  const res = await publish(a, bundle);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.match(res.body.version, /^[0-9a-f]{16}$/);
  const kv = Object.fromEntries(await kvKeys());
  assert.equal(kv["policies/current"], res.body.version);
  assert.deepEqual(JSON.parse(kv[`policies/bundles/${res.body.version}`]).policies, bundle);
  // The other isolate loads it from KV on its next request.
  for (const worker of [a, b]) {
    const health = await call(worker, "GET", "/v1/health");
    assert.equal(health.status, 200);
    assert.equal(health.body.bundle.version, res.body.version);
    assert.deepEqual(health.body.bundle.policies, ["openai-support-agent-policy", "edge-extras", "bots"]);
    assert.equal(health.body.bundle.lastError, null);
  }
});

test("POST /v1/check answers 200 with the package's decision, deny included", async () => {
  const allow = await check(a, support, { action: "write:refund", context: { amount: 50 } });
  assert.equal(allow.status, 200);
  assert.equal(allow.body.decision, "allow");
  assert.equal(allow.body.agentId, "agent_support");
  assert.ok(allow.headers.get("x-meshguard-bundle-version"));
  const deny = await check(b, support, { action: "write:refund", context: { amount: 150 }, traceId: "trace-1" });
  assert.equal(deny.status, 200);
  assert.deepEqual(
    { allowed: deny.body.allowed, decision: deny.body.decision, reason: deny.body.reason, traceId: deny.body.traceId },
    { allowed: false, decision: "deny", reason: "Refunds over $100 require manager approval", traceId: "trace-1" },
  );
  const approval = await check(a, support, { action: "write:wire_transfer" });
  assert.equal(approval.body.decision, "require_approval");
  const delegated = await check(a, billing, { action: "write:refund", context: { amount: 5 }, chain: [support] });
  assert.equal(delegated.body.decision, "deny", "billing has no policy of its own");
});

test("an EdDSA token verifies against the JWKS, by kid or by trying each key", async () => {
  assert.equal((await check(a, edToken(support), { action: "read:order_data" })).body.decision, "allow");
  const byKid = await check(a, handEdDsa({ sub: "agent_support", tags: ["support"] }, edKeys[0]), { action: "read:order_data" });
  assert.equal(byKid.body.decision, "allow");
});

test("identity comes only from the token", async () => {
  const e = assertError(await check(a, bot, { action: "read:customer_data", agent: support }), 400, "invalid_argument");
  assert.match(e.message, /body\.agent: unknown field/);
  assertError(await check(a, bot, { action: "read:customer_data", now: "2020-01-01T00:00:00Z" }), 400, "invalid_argument");
  const asBot = await check(a, bot, { action: "read:customer_data" });
  assert.equal(asBot.body.agentId, "agent_bot");
  assert.equal(asBot.body.decision, "deny");
});

test("token attacks get 401 with the package's codes", async () => {
  const body = { action: "read:customer_data" };
  const cases = [
    ["no token", undefined, "missing_token"],
    ["not a JWT", "abc", "malformed"],
    ["alg: none", algNone({ sub: "agent_support", tags: ["support"] }), "alg_not_allowed"],
    ["the wrong secret", hsToken(support, { secret: "another-secret-with-at-least-32-bytes!" }), "bad_signature"],
    ["HS256 signed with a public key as the secret", handHs256({}, JSON.stringify(edKeys[0].publicJwk)), "bad_signature"],
    ["a forged EdDSA signature", handEdDsa({ tags: ["support"] }, edKeys[0], "k2"), "bad_signature"],
    ["expired", hsToken(support, { now: "2020-01-01T00:00:00Z", expiresIn: 60 }), "expired"],
    ["a tier that does not exist", handHs256({ tier: "superuser" }), "unknown_tier"],
    ["the wrong issuer", handHs256({ iss: "someone-else" }), "wrong_issuer"],
  ];
  for (const [what, token, code] of cases) {
    const res = await call(a, "POST", "/v1/check", { token, body });
    assert.equal(res.status, 401, `${what}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, code, what);
  }
});

test("bad input is a 400 naming the path; an oversized body a 413", async () => {
  const bad = async (body, pattern) => assert.match(assertError(await check(a, support, body), 400, "invalid_argument").message, pattern);
  await bad({}, /body\.action: missing/);
  await bad({ action: "" }, /body\.action: expected a non-empty string/);
  await bad({ action: "read:x", context: [1] }, /body\.context: expected an object/);
  await bad({ action: "read:x", chain: [{ name: "no id" }] }, /chain\[0\]: missing key 'id'/);
  await bad({ action: "read:x", contxt: {} }, /body\.contxt: unknown field/);
  assertError(await check(a, support, "{not json"), 400, "invalid_json");
  assertError(await check(a, support, "[1]"), 400, "invalid_argument");
  const big = { action: "read:x", context: { blob: "x".repeat(20_000) } };
  assertError(await check(a, support, big), 413, "payload_too_large");
});

test("unknown routes are 404 and wrong methods 405, in the same error shape", async () => {
  assertError(await call(a, "GET", "/v1/nothing"), 404, "not_found");
  const res = await call(a, "GET", "/v1/check");
  assertError(res, 405, "method_not_allowed");
  assert.equal(res.headers.get("allow"), "POST");
  assertError(await call(a, "POST", "/v1/policies", { token: ADMIN, body: {} }), 405, "method_not_allowed");
});

test("POST /v1/handoff answers with the decision and its chain", async () => {
  const token = hsToken(support);
  const ok = await call(a, "POST", "/v1/handoff", { token, body: { to: billing } });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.decision, "allow");
  assert.equal(ok.body.action, "handoff:Billing Specialist");
  assert.deepEqual(ok.body.chain.map((c) => c.id), ["agent_support"]);
  const cycle = await call(a, "POST", "/v1/handoff", { token, body: { to: billing, chain: [billing] } });
  assert.equal(cycle.body.decision, "deny");
  assert.equal(cycle.body.rule, "cycle");
  const other = await call(b, "POST", "/v1/handoff", { token, body: { to: { id: "x", name: "Stranger" } } });
  assert.equal(other.body.decision, "deny");
  assertError(await call(a, "POST", "/v1/handoff", { token, body: {} }), 400, "invalid_argument");
  assertError(await call(a, "POST", "/v1/handoff", { token, body: { to: { name: "no id" } } }), 400, "invalid_argument");
});

test("a rate limit holds across two isolates: the agent's checks meet in one Durable Object", async () => {
  const token = hsToken(bot);
  const decisions = [];
  for (const worker of [a, b, a, b, a]) {
    decisions.push((await check(worker, token, { action: "read:search" })).body);
  }
  assert.deepEqual(decisions.map((d) => d.decision), ["allow", "allow", "allow", "deny", "deny"]);
  assert.equal(decisions[3].reason, "rate limit exceeded: 3 per minute (rule search-budget)");
  // The same engine and bundle: the object's answer to an unlimited action is the isolates'.
  assert.equal((await check(b, token, { action: "read:other" })).body.decision, "deny");
});

test("a budget survives the Durable Object's eviction: a fresh object starts from what was spent", async () => {
  const persist = mkdtempSync(join(tmpdir(), "meshguard-edge-test-"));
  const options = edgeWorker(built, { vars: { ...vars, ADMIN_TOKEN: ADMIN }, kvPersist: persist, durableObjectsPersist: persist, consumer: false });
  const token = hsToken(bot);
  const run = async (n) => {
    const instance = start(options);
    const worker = await instance.getWorker("edge");
    if ((await call(worker, "GET", "/v1/health")).status === 503) assert.equal((await publish(worker, bundle)).status, 200);
    const decisions = [];
    for (let i = 0; i < n; i++) decisions.push((await check(worker, token, { action: "read:search" })).body.decision);
    await instance.dispose();
    return decisions;
  };
  try {
    assert.deepEqual(await run(2), ["allow", "allow"]);
    // A new workerd process: new isolates, a new object, the same storage.
    assert.deepEqual(await run(2), ["allow", "deny"]);
  } finally {
    rmSync(persist, { recursive: true, force: true });
  }
});

test("a bundle that fails to load keeps the last good one in force, and health reports it", async () => {
  const kv = await mf.getKVNamespace("POLICIES", "edge");
  const good = await kv.get("policies/current");
  await kv.put("policies/bundles/bad", JSON.stringify({ version: "bad", policies: [{ name: "broken.yaml", text: "name: broken\nrules: []\n" }] }));
  await kv.put("policies/current", "bad");
  for (const worker of [a, b]) {
    const res = await check(worker, support, { action: "read:customer_data" });
    assert.equal(res.body.decision, "allow");
    assert.equal(res.headers.get("x-meshguard-bundle-version"), good);
    const health = await call(worker, "GET", "/v1/health");
    assert.equal(health.status, 200);
    assert.equal(health.body.bundle.version, good);
    assert.equal(health.body.bundle.lastError.version, "bad");
    assert.match(health.body.bundle.lastError.message, /broken\.yaml/);
  }
  await kv.put("policies/current", good);
  assert.equal((await call(a, "GET", "/v1/health")).body.bundle.lastError, null);
});

test("gateway mode forwards an allowed request to UPSTREAM, without Authorization, with the decision", async () => {
  const res = await call(a, "POST", "/proxy/orders/42?expand=items", {
    token: hsToken(support),
    body: "payload",
    headers: {
      "content-type": "text/plain",
      "x-meshguard-action": "read:order_data",
      "x-meshguard-resource": "orders/42",
      "x-meshguard-trace-id": "trace-proxy",
      "x-meshguard-decision": "spoofed",
      "x-request-id": "r1",
    },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const seen = res.body;
  assert.equal(seen.method, "POST");
  assert.equal(seen.url, "https://upstream/orders/42?expand=items");
  assert.equal(seen.body, "payload");
  assert.equal(seen.headers.authorization, undefined);
  assert.equal(seen.headers["x-meshguard-action"], undefined);
  assert.equal(seen.headers["x-request-id"], "r1");
  assert.equal(seen.headers["x-meshguard-decision"], "allow");
  assert.equal(seen.headers["x-meshguard-policy"], "openai-support-agent-policy");
  assert.equal(seen.headers["x-meshguard-rule"], "rule-1");
  assert.equal(seen.headers["x-meshguard-trace-id"], "trace-proxy");
});

test("gateway mode forwards to UPSTREAM_URL only when allowed", async () => {
  const token = hsToken(support);
  const ok = await call(b, "GET", "/proxy/v2/customers?id=7", { token, headers: { "x-meshguard-action": "read:customer_data", "x-meshguard-context": '{"channel":"chat"}' } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(upstreamHits.length, 1);
  assert.equal(upstreamHits[0].url, "/base/v2/customers?id=7");
  assert.equal(upstreamHits[0].headers.authorization, undefined);
  assert.equal(upstreamHits[0].headers["x-meshguard-decision"], "allow");

  const denied = await call(b, "POST", "/proxy/refunds", {
    token,
    body: "{}",
    headers: { "x-meshguard-action": "write:refund", "x-meshguard-context": '{"amount": 500}' },
  });
  const e = assertError(denied, 403, "policy_denied");
  assert.equal(e.message, "Refunds over $100 require manager approval");
  assert.equal(e.decision.decision, "deny");
  assertError(await call(b, "POST", "/proxy/wires", { token, headers: { "x-meshguard-action": "write:wire_transfer" } }), 403, "approval_required");
  assertError(await call(b, "GET", "/proxy/x", { token }), 400, "invalid_argument");
  assertError(await call(b, "GET", "/proxy/x", { token, headers: { "x-meshguard-action": "read:x", "x-meshguard-context": "{" } }), 400, "invalid_argument");
  assertError(await call(b, "GET", "/proxy/x", { headers: { "x-meshguard-action": "read:customer_data" } }), 401, "missing_token");
  assert.equal(upstreamHits.length, 1, "nothing denied or refused reached the upstream");
});

test("gateway mode answers 502 when the upstream does not answer, and when there is none", async () => {
  const closed = createServer();
  await new Promise((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = closed.address().port;
  await new Promise((resolve) => closed.close(resolve));
  const instance = start({
    workers: [
      edgeWorker(built, { vars: { ...vars, UPSTREAM_URL: `http://127.0.0.1:${port}` }, consumer: false }),
      secondIsolate(built, "edge", { name: "no-upstream", vars }),
    ],
  });
  try {
    const headers = { "x-meshguard-action": "read:customer_data" };
    const token = hsToken(support);
    const worker = await instance.getWorker("edge");
    // This instance has its own, empty KV: publish through the KV API.
    const kv = await instance.getKVNamespace("POLICIES", "edge");
    await kv.put("policies/bundles/v1", JSON.stringify({ version: "v1", policies: bundle }));
    await kv.put("policies/current", "v1");
    assertError(await call(worker, "GET", "/proxy/x", { token, headers }), 502, "upstream_unreachable");
    assertError(await call(await instance.getWorker("no-upstream"), "GET", "/proxy/x", { token, headers }), 502, "no_upstream");
  } finally {
    await instance.dispose();
  }
});

/** Every audit object in R2, read and parsed. */
async function auditObjects() {
  const bucket = await mf.getR2Bucket("AUDIT_BUCKET", "edge");
  const { objects } = await bucket.list({ prefix: "audit/", include: ["customMetadata"] });
  return Promise.all(
    objects.map(async (o) => {
      const text = await (await bucket.get(o.key)).text();
      return { key: o.key, text, meta: o.customMetadata, entries: text.trimEnd().split("\n").map((l) => JSON.parse(l)) };
    }),
  );
}

test("every decision reaches R2: objects verify, and each chain's objects link up from seq 1", async () => {
  const sent = () => Promise.all([a, b].map(async (w) => (await call(w, "GET", "/v1/health")).body.audit));
  let objects = [];
  let isolates;
  for (let i = 0; i < 60; i++) {
    isolates = await sent();
    objects = await auditObjects();
    const stored = (chain) => objects.filter((o) => o.meta.chain === chain).reduce((n, o) => n + o.entries.length, 0);
    if (isolates.every((s) => s.waiting === 0 && stored(s.chain) === s.sent) && objects.some((o) => o.meta.chain.startsWith("limits-"))) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const chains = new Map();
  for (const o of objects) chains.set(o.meta.chain, [...(chains.get(o.meta.chain) ?? []), o]);
  assert.ok(chains.has(isolates[0].chain) && chains.has(isolates[1].chain), "both isolates' chains");
  assert.notEqual(isolates[0].chain, isolates[1].chain);
  const limits = [...chains.keys()].filter((c) => c.startsWith("limits-"));
  assert.equal(limits.length, 1, "the bot's Durable Object has one chain");

  for (const [chain, list] of chains) {
    list.sort((x, y) => x.entries[0].seq - y.entries[0].seq);
    let previous = null;
    for (const o of list) {
      const v = verifyAudit(o.text);
      assert.ok(v.ok, `${o.key}: ${v.problem}`);
      assert.equal(o.meta.verified, "true");
      const first = o.entries[0];
      const last = o.entries.at(-1);
      assert.match(o.key, new RegExp(`^audit/\\d{4}-\\d{2}-\\d{2}/${chain}/0*${first.seq}-0*${last.seq}\\.jsonl$`));
      if (previous === null) {
        assert.equal(first.seq, 1, `${chain} starts at seq 1`);
        assert.equal(first.prevHash, "0".repeat(64));
      } else {
        assert.equal(first.seq, previous.seq + 1, `${o.key} follows on`);
        assert.equal(first.prevHash, previous.hash, `${o.key} links to the object before`);
      }
      previous = last;
    }
    // The whole chain, objects joined, verifies as one log.
    assert.ok(verifyAudit(list.map((o) => o.text).join("")).ok);
  }
  for (const s of isolates) {
    const stored = chains.get(s.chain).reduce((n, o) => n + o.entries.length, 0);
    assert.equal(stored, s.sent, `${s.chain}: every entry sent is stored`);
    assert.equal(s.failedSends, 0);
  }
  const botEntries = chains.get(limits[0]).flatMap((o) => o.entries);
  // One refused read, the five budgeted searches across both isolates, one more read.
  assert.deepEqual(botEntries.map((e) => e.decision), ["deny", "allow", "allow", "allow", "deny", "deny", "deny"]);
  assert.ok(botEntries.every((e) => e.agentId === "agent_bot"));
});
