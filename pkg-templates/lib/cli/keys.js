// Keys for agent tokens, read from files or the environment only: an HS256 secret,
// an Ed25519 private JWK for signing, or a JWKS (or one JWK) for verifying.

import { MeshGuard, TokenError } from "../../node.mjs";
import { loadError, readSecret, readText, usageError } from "./io.js";

/** The options every command that reads a key takes. */
export const KEY_OPTIONS = {
  "secret-file": { type: "string", arg: "file", help: "the HS256 secret, from a file (one trailing newline is dropped)" },
  "secret-env": { type: "string", arg: "VAR", help: "the HS256 secret, from an environment variable" },
  // Accepted only to be refused with advice: a secret on the command line ends up in shell history and process lists.
  secret: { type: "string", hidden: true },
};

/** Refuses a secret given on the command line, without repeating it. */
export function refuseInlineSecret(values) {
  if (values.secret !== undefined) {
    throw usageError("secrets are never taken on the command line (they would stay in shell history and process lists): use --secret-file <file> or --secret-env <VAR>");
  }
}

/** The HS256 secret the options name, as bytes, or undefined. */
export const secretFrom = (values) => readSecret({ file: values["secret-file"], env: values["secret-env"] }, "secret");

/** Reads a JSON file (a JWK or JWKS), never echoing its contents in errors. */
function keyFile(file, what) {
  const text = readText(file, what);
  try {
    return JSON.parse(text);
  } catch {
    throw loadError(`the ${what} ${file} is not JSON`);
  }
}

/** The public keys of a JWKS file (`{keys: [...]}`) or of a single JWK. */
function jwks(file) {
  const doc = keyFile(file, "JWKS file");
  const keys = Array.isArray(doc?.keys) ? doc.keys : [doc];
  const usable = keys.filter((k) => k && k.kty === "OKP" && k.crv === "Ed25519");
  if (usable.length === 0) throw loadError(`the JWKS file ${file} holds no Ed25519 public key (kty OKP, crv Ed25519)`);
  return usable.map(({ d, ...pub }) => pub);
}

/** The `kid` of a token's header, if it has one (read without trusting it: it only picks a key). */
function kidOf(token) {
  try {
    const header = JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString("utf8"));
    return typeof header.kid === "string" ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies `token` with the key the options name (`--secret-file`/`--secret-env`
 * or `--jwks`), returning the agent. With several keys, the one named by the token's
 * `kid` is used, else each is tried: the first that verifies wins, and a refusal
 * other than a bad signature (an expired token, say) is the one reported.
 */
export function verifyToken(token, values) {
  refuseInlineSecret(values);
  const secret = secretFrom(values);
  if ((secret !== undefined) === (values.jwks !== undefined)) {
    throw usageError("to verify a token give one key: --secret-file, --secret-env (HS256) or --jwks (Ed25519)");
  }
  const common = { issuer: values.issuer, leewaySeconds: values.leeway === undefined ? undefined : leeway(values.leeway) };
  if (secret !== undefined) return new MeshGuard({ verify: { ...common, secret }, audit: false }).verifyAgentToken(token);
  let keys = jwks(values.jwks);
  const kid = kidOf(token);
  if (kid !== undefined && keys.some((k) => k.kid === kid)) keys = keys.filter((k) => k.kid === kid);
  let refusal;
  for (const publicKey of keys) {
    try {
      return new MeshGuard({ verify: { ...common, publicKey }, audit: false }).verifyAgentToken(token);
    } catch (e) {
      if (!(e instanceof TokenError)) throw e;
      if (refusal === undefined || refusal.code === "bad_signature") refusal = e;
    }
  }
  throw refusal;
}

function leeway(text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw usageError(`--leeway must be a whole number of seconds; got ${JSON.stringify(text)}`);
  return n;
}

/** The signing key the options name: `{secret}` or `{privateKey}`. */
export function signingKey(values) {
  refuseInlineSecret(values);
  const secret = secretFrom(values);
  const file = values["private-key"];
  const env = values["private-key-env"];
  const given = [secret !== undefined, file !== undefined, env !== undefined].filter(Boolean).length;
  if (given !== 1) throw usageError("give one key: --secret-file or --secret-env (HS256), or --private-key or --private-key-env (an Ed25519 private JWK)");
  if (secret !== undefined) return { secret };
  if (file !== undefined) return { privateKey: keyFile(file, "private key file") };
  const text = process.env[env];
  if (!text) throw loadError(`the environment variable ${env} (the private key) is not set`);
  try {
    return { privateKey: JSON.parse(text) };
  } catch {
    throw loadError(`the environment variable ${env} does not hold a JWK (JSON)`);
  }
}
