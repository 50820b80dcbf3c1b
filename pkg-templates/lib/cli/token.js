// `meshguard token issue|verify`: agent tokens, with keys read from files or the
// environment only. No key material is ever printed.

import { readFileSync } from "node:fs";
import { TokenError, issueAgentToken } from "../../node.mjs";
import { resolveAgent } from "./check.js";
import { EXIT, painter, print, readAgents, usageError } from "./io.js";
import { KEY_OPTIONS, signingKey, verifyToken } from "./keys.js";

function seconds(text, what) {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw usageError(`${what} must be a whole number of seconds; got ${JSON.stringify(text)}`);
  return n;
}

const issue = {
  name: "token issue",
  summary: "Mint an agent token (HS256 with a shared secret, or EdDSA with an Ed25519 key)",
  usage: "meshguard token issue --agent <json|key> (--secret-file <f> | --secret-env <VAR> | --private-key <jwk file> | --private-key-env <VAR>) [--expires-in <s>] [--issuer <iss>]",
  description:
    "Prints the token. Secrets and keys are read from files or environment variables, never from " +
    "the command line. An HS256 secret must be at least 32 bytes. The token expires after " +
    "--expires-in seconds (default 3600).",
  options: {
    agent: { type: "string", arg: "json|key", help: "the agent: JSON, or a key of the --agents file" },
    agents: { type: "string", arg: "file", help: "a file with an agents: map" },
    ...KEY_OPTIONS,
    "private-key": { type: "string", arg: "file", help: "an Ed25519 private JWK, from a file" },
    "private-key-env": { type: "string", arg: "VAR", help: "an Ed25519 private JWK, from an environment variable" },
    "expires-in": { type: "string", arg: "seconds", help: "lifetime in seconds (default 3600)" },
    issuer: { type: "string", arg: "iss", help: "the iss claim (default meshguard)" },
  },
  examples: [
    [`meshguard token issue --agent '{"id":"agent_billing","name":"Billing Specialist","trustTier":"verified"}' --secret-file secret.key --expires-in 600`, "an HS256 token for ten minutes"],
    [`MESHGUARD_KEY="$(cat ed25519.jwk)" meshguard token issue --agent '{"id":"agent_tier1"}' --private-key-env MESHGUARD_KEY`, "an EdDSA token, the key from the environment"],
  ],
  positionals: false,
  redactPositionals: true,
  async run({ values }) {
    if (values.agent === undefined) throw usageError("which agent? give --agent with JSON, like '{\"id\":\"agent_support\",\"trustTier\":\"verified\"}'");
    const agents = values.agents === undefined ? undefined : readAgents(values.agents);
    if (!values.agent.trim().startsWith("{") && !agents?.has(values.agent.trim())) throw usageError("--agent must be an agent as JSON, or a key of the --agents file");
    const agent = resolveAgent(values.agent, agents, values);
    const key = signingKey(values);
    const token = issueAgentToken(agent, { ...key, expiresIn: seconds(values["expires-in"], "--expires-in"), issuer: values.issuer });
    print(token);
    return EXIT.OK;
  },
};

const verify = {
  name: "token verify",
  summary: "Verify an agent token and print the agent, or why it was refused",
  usage: "meshguard token verify <token | -> (--secret-file <f> | --secret-env <VAR> | --jwks <file>) [--issuer <iss>] [--leeway <s>] [--json]",
  description:
    "Give `-` to read the token from standard input. --jwks takes a JWKS ({\"keys\": […]}) or one " +
    "public JWK; with several keys, the token's kid picks one, else each is tried. A refusal prints " +
    "its stable code (malformed, alg_not_allowed, bad_signature, expired, not_yet_valid, " +
    "wrong_issuer, bad_claims, unknown_tier) and exits 1; an unusable key (bad_key) exits 3.",
  options: {
    ...KEY_OPTIONS,
    jwks: { type: "string", arg: "file", help: "Ed25519 public keys: a JWKS or one JWK" },
    issuer: { type: "string", arg: "iss", help: "the issuer the token must name (default meshguard)" },
    leeway: { type: "string", arg: "seconds", help: "clock skew allowed for exp and nbf (default 0)" },
    json: { type: "boolean", help: "print the agent (or the refusal) as JSON" },
  },
  examples: [
    ["meshguard token verify \"$TOKEN\" --secret-env MESHGUARD_SECRET", "HS256, the secret from the environment"],
    ["meshguard token verify - --jwks keys.json < token.txt", "EdDSA, the token from standard input"],
  ],
  positionals: true,
  redactPositionals: true,
  async run({ values, positionals }) {
    if (positionals.length !== 1) throw usageError("give one token, or - to read it from standard input");
    const token = (positionals[0] === "-" ? readFileSync(0, "utf8") : positionals[0]).trim();
    const p = painter();
    try {
      const agent = verifyToken(token, values);
      print(values.json ? JSON.stringify({ ok: true, agent }, null, 2) : `${p.green("✔")} valid: ${JSON.stringify(agent)}`);
      return EXIT.OK;
    } catch (e) {
      if (!(e instanceof TokenError)) throw e;
      if (values.json) print(JSON.stringify({ ok: false, code: e.code, message: e.message }, null, 2));
      else print(`${p.red("✘")} refused: ${e.code}: ${e.message}`);
      return e.code === "bad_key" ? EXIT.LOAD : EXIT.FAILED;
    }
  },
};

export default [issue, verify];
