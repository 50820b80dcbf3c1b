// Who is asking: the agent its token names, and nothing else. Every check of the
// token (algorithm, signature, expiry, issuer, claims, tier) is the package's; this
// module only picks the key: the HS256 secret AGENT_TOKEN_SECRET, or an Ed25519 key of
// the AGENT_PUBLIC_KEYS JWKS (by `kid` when the token names one).

import { MeshGuard, TokenError } from "@meshguard/policy";

import { settings } from "./config.js";
import { HttpError } from "./http.js";

/** The verifiers of the key material last seen (one set per isolate in practice). */
let keyring = { env: null, source: null, secret: null, byKid: new Map(), publicKeys: [] };

function configError(message) {
  return new HttpError(500, "configuration_error", message);
}

function verifier(verify, what) {
  try {
    return new MeshGuard({ verify, audit: false });
  } catch (e) {
    throw configError(`${what}: ${e.message}`);
  }
}

function parseJwks(text) {
  let jwks;
  try {
    jwks = JSON.parse(text);
  } catch (e) {
    throw configError(`AGENT_PUBLIC_KEYS is not JSON: ${e.message}`);
  }
  if (!Array.isArray(jwks?.keys)) throw configError('AGENT_PUBLIC_KEYS must be a JWKS: { "keys": [ ... ] }');
  return jwks.keys;
}

function keys(env) {
  if (keyring.env === env) return keyring;
  const { issuer, leewaySeconds } = settings(env);
  const source = JSON.stringify([env.AGENT_TOKEN_SECRET ?? null, env.AGENT_PUBLIC_KEYS ?? null, issuer, leewaySeconds]);
  if (keyring.source === source) {
    keyring.env = env;
    return keyring;
  }
  const common = { issuer, leewaySeconds };
  const next = { env, source, secret: null, byKid: new Map(), publicKeys: [] };
  if (env.AGENT_TOKEN_SECRET) next.secret = verifier({ secret: env.AGENT_TOKEN_SECRET, ...common }, "AGENT_TOKEN_SECRET");
  if (env.AGENT_PUBLIC_KEYS) {
    parseJwks(env.AGENT_PUBLIC_KEYS).forEach((jwk, i) => {
      const v = verifier({ publicKey: jwk, ...common }, `AGENT_PUBLIC_KEYS keys[${i}]`);
      next.publicKeys.push(v);
      if (typeof jwk.kid === "string") next.byKid.set(jwk.kid, v);
    });
  }
  if (next.secret === null && next.publicKeys.length === 0) {
    throw configError("no agent token key: set the AGENT_TOKEN_SECRET secret or the AGENT_PUBLIC_KEYS variable");
  }
  keyring = next;
  return keyring;
}

/** The token's header, read only to pick a key; anything unreadable picks the default. */
function header(token) {
  try {
    const part = token.slice(0, token.indexOf("."));
    const h = JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
    return h !== null && typeof h === "object" ? h : {};
  } catch {
    return {};
  }
}

/** The verifiers to try, in order. A token the keys cannot be for still goes to one, which says why. */
function candidates(ring, token) {
  const { alg, kid } = header(token);
  if (typeof kid === "string" && ring.byKid.has(kid)) return [ring.byKid.get(kid)];
  if (typeof alg === "string" && alg.startsWith("HS") && ring.secret) return [ring.secret];
  if ((alg === "EdDSA" || alg === "Ed25519") && ring.publicKeys.length) return ring.publicKeys;
  return [ring.secret ?? ring.publicKeys[0]];
}

/** The bearer token of `request`, or a 401. */
export function bearer(request) {
  const auth = request.headers.get("authorization") ?? "";
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(auth);
  if (!m) throw new HttpError(401, "missing_token", "send the agent token as Authorization: Bearer <token>");
  return m[1];
}

/** The agent `request` acts as: `{ id, name, trustTier, tags, orgId }` from its verified token. */
export function agentOf(request, env) {
  const token = bearer(request);
  const ring = keys(env);
  let first;
  for (const v of candidates(ring, token)) {
    try {
      return v.verifyAgentToken(token);
    } catch (e) {
      if (!(e instanceof TokenError)) throw e;
      first ??= e;
    }
  }
  throw new HttpError(401, first.code, first.message);
}
