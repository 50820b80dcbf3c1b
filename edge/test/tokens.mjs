// Agent tokens for the tests: good ones from the package, and hand-made attacks.

import { createHmac, generateKeyPairSync, sign } from "node:crypto";

import { issueAgentToken } from "@meshguard/policy";

export const SECRET = "edge-test-secret-with-at-least-32-bytes";

const b64 = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** Two Ed25519 key pairs; the Worker's JWKS has both public keys. */
export const edKeys = ["k1", "k2"].map((kid) => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { kid, privateKey, jwk: privateKey.export({ format: "jwk" }), publicJwk: { ...publicKey.export({ format: "jwk" }), kid } };
});
export const jwks = JSON.stringify({ keys: edKeys.map((k) => k.publicJwk) });

/** An HS256 token from the package. */
export const hsToken = (agent, options = {}) => issueAgentToken(agent, { secret: SECRET, expiresIn: 600, ...options });

/** An EdDSA token from the package (no `kid`: the Worker tries each key). */
export const edToken = (agent, key = edKeys[1]) => issueAgentToken(agent, { privateKey: key.jwk, expiresIn: 600 });

const now = () => Math.floor(Date.now() / 1000);
const claims = (extra) => ({ sub: "agent_x", name: "X", tier: "verified", iss: "meshguard", iat: now(), exp: now() + 600, ...extra });

/** An HS256 token signed by hand, for claims the package would refuse to issue. */
export function handHs256(extra, secret = SECRET, header = { alg: "HS256", typ: "JWT" }) {
  const input = `${b64(header)}.${b64(claims(extra))}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

/** An EdDSA token signed by hand, naming key `kid`. */
export function handEdDsa(extra, key, kid = key.kid) {
  const input = `${b64({ alg: "EdDSA", typ: "JWT", kid })}.${b64(claims(extra))}`;
  return `${input}.${sign(null, Buffer.from(input), key.privateKey).toString("base64url")}`;
}

/** `alg: none`: no signature at all. */
export const algNone = (extra = {}) => `${b64({ alg: "none", typ: "JWT" })}.${b64(claims(extra))}.`;
