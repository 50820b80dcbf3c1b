// Agent tokens: interoperability with an independent JWT library (jose) both ways,
// for HS256 and EdDSA, and the attack suite, each refused with its stable code.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";

import { MeshGuard, TokenError, issueAgentToken } from "@meshguard/policy";
import { root } from "./support.mjs";

const jose = await import(createRequire(join(root, "package.json")).resolve("jose"));

const secret = "a-shared-secret-of-at-least-32-bytes!";
const secretBytes = new TextEncoder().encode(secret);
const policy = "name: p\nappliesTo: {trustTiers: [trusted]}\nrules: [{effect: allow, actions: [\"read:*\"]}]";
const agent = { id: "agent_billing", name: "Billing Specialist", trustTier: "trusted", tags: ["billing", "openai"], orgId: "org_1" };
const claims = { name: agent.name, tier: agent.trustTier, tags: agent.tags, orgId: agent.orgId };

const { publicKey, privateKey } = await jose.generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
const publicJwk = await jose.exportJWK(publicKey);
const privateJwk = await jose.exportJWK(privateKey);

const hsMesh = () => new MeshGuard({ policies: [policy], verify: { secret } });
const edMesh = () => new MeshGuard({ policies: [policy], verify: { publicKey: publicJwk } });

async function joseSign(alg, key, { payload = claims, header = {}, exp = "1h", iss = "meshguard", sub = agent.id } = {}) {
  let jwt = new jose.SignJWT(payload).setProtectedHeader({ alg, typ: "JWT", ...header }).setIssuedAt().setSubject(sub);
  if (iss !== null) jwt = jwt.setIssuer(iss);
  if (exp !== null) jwt = jwt.setExpirationTime(exp);
  return jwt.sign(key);
}

function refusedWith(code) {
  return (e) => e instanceof TokenError && e.code === code;
}

test("tokens jose signs with HS256 are accepted, and the identity governs checks", async () => {
  const token = await joseSign("HS256", secretBytes);
  const m = hsMesh();
  assert.deepEqual(m.verifyAgentToken(token), { ...agent });
  const withToken = new MeshGuard({ policies: [policy], agentToken: token, verify: { secret } });
  assert.equal(withToken.agent.id, "agent_billing");
  assert.equal(withToken.check("read:invoices").allowed, true, "the verified tier is the one appliesTo sees");
});

test("tokens jose signs with EdDSA are accepted", async () => {
  const token = await joseSign("EdDSA", privateKey);
  assert.deepEqual(edMesh().verifyAgentToken(token), { ...agent });
  const raw = new MeshGuard({ policies: [policy], verify: { publicKey: publicJwk.x } });
  assert.equal(raw.verifyAgentToken(token).id, agent.id);
});

test("tokens we sign with HS256 are accepted by jose", async () => {
  const token = issueAgentToken(agent, { secret, expiresIn: 600 });
  const { payload, protectedHeader } = await jose.jwtVerify(token, secretBytes, { issuer: "meshguard", algorithms: ["HS256"] });
  assert.equal(protectedHeader.alg, "HS256");
  assert.equal(payload.sub, agent.id);
  assert.equal(payload.tier, "trusted");
  assert.deepEqual(payload.tags, agent.tags);
  assert.ok(payload.exp - payload.iat === 600);
  assert.equal(issueAgentToken(agent, { secret: secretBytes }).split(".").length, 3, "secrets may be bytes");
});

test("tokens we sign with EdDSA are accepted by jose", async () => {
  const token = issueAgentToken(agent, { privateKey: privateJwk });
  const { payload } = await jose.jwtVerify(token, publicKey, { issuer: "meshguard" });
  assert.equal(payload.name, agent.name);
  assert.equal(payload.orgId, "org_1");
});

test("the attack suite is refused, each with its code", async () => {
  const hs = hsMesh();
  const ed = edMesh();
  const good = await joseSign("HS256", secretBytes);
  const [h, p, s] = good.split(".");
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);

  const flipped = Buffer.from(p, "base64url");
  flipped[5] ^= 1;
  const attacks = [
    ["alg none", hs, `${b64({ alg: "none", typ: "JWT" })}.${p}.`, "alg_not_allowed"],
    ["alg none with a signature", hs, `${b64({ alg: "none" })}.${p}.${s}`, "alg_not_allowed"],
    ["HS256 signed with the Ed25519 public key bytes as the secret", ed, await joseSign("HS256", Buffer.from(publicJwk.x, "base64url")), "alg_not_allowed"],
    ["HS256 signed with the public JWK text as the secret", ed, await joseSign("HS256", Buffer.from(JSON.stringify(publicJwk))), "alg_not_allowed"],
    ["an EdDSA token for an HS256 verifier", hs, await joseSign("EdDSA", privateKey), "alg_not_allowed"],
    ["a flipped payload bit", hs, `${h}.${flipped.toString("base64url")}.${s}`, "bad_signature"],
    ["a stripped signature", hs, `${h}.${p}.`, "bad_signature"],
    ["a wrong secret", hs, await joseSign("HS256", new TextEncoder().encode("another-secret-that-is-32-bytes-long")), "bad_signature"],
    ["expired", hs, await joseSign("HS256", secretBytes, { exp: now - 10 }), "expired"],
    ["nbf ahead", hs, await new jose.SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("a").setIssuer("meshguard").setExpirationTime("1h").setNotBefore(now + 3600).sign(secretBytes), "not_yet_valid"],
    ["a wrong issuer", hs, await joseSign("HS256", secretBytes, { iss: "evil" }), "wrong_issuer"],
    ["tags of the wrong type", hs, await joseSign("HS256", secretBytes, { payload: { tags: "admin" } }), "bad_claims"],
    ["a numeric subject", hs, await new jose.SignJWT({ sub: 42 }).setProtectedHeader({ alg: "HS256" }).setIssuer("meshguard").setExpirationTime("1h").sign(secretBytes), "bad_claims"],
    ["an unknown tier", hs, await joseSign("HS256", secretBytes, { payload: { tier: "root" } }), "unknown_tier"],
    ["a 1 MB token", hs, `${h}.${"A".repeat(1024 * 1024)}.${s}`, "malformed"],
    ["not a JWT at all", hs, "hello", "malformed"],
  ];
  // How long refusals take (the 1 MB token among them) is measured against jose in
  // benches/js/check.mjs, not asserted here.
  for (const [name, mesh, token, code] of attacks) {
    assert.throws(() => mesh.verifyAgentToken(token), refusedWith(code), name);
  }
  assert.throws(
    () => new MeshGuard({ policies: [policy], agentToken: attacks[0][2], verify: { secret } }),
    refusedWith("alg_not_allowed"),
    "a bad agentToken fails construction",
  );
});

test("keys that cannot be used are refused with bad_key", () => {
  assert.throws(() => new MeshGuard({ verify: { secret: "too short" } }), refusedWith("bad_key"));
  assert.throws(() => issueAgentToken(agent, { privateKey: "not-a-key" }), refusedWith("bad_key"));
});
