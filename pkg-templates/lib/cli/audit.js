// `meshguard audit verify|query|stats`: an exported audit trail (JSON Lines), read
// after the fact.

import { MeshGuard, PolicyError, verifyAudit } from "../../node.mjs";
import { EXIT, display, painter, print, readText, usageError } from "./io.js";
import { readTrail } from "./replay.js";

const DECISIONS = ["allow", "deny", "require_approval"];

/**
 * Whether an action matches `pattern`, by the engine's own matcher: the pattern is
 * the one action of a one-rule policy, so `--action` means what `actions:` means.
 */
function actionMatcher(pattern) {
  const policy = { name: "audit-query", rules: [{ name: "match", effect: "allow", actions: [pattern] }] };
  let mesh;
  try {
    mesh = new MeshGuard({ policies: [{ name: "--action", text: JSON.stringify(policy) }], audit: false });
  } catch (e) {
    if (e instanceof PolicyError) throw usageError(`--action ${JSON.stringify(pattern)} is not a pattern: ${e.message}`);
    throw e;
  }
  const agent = { id: "audit-query" };
  const seen = new Map();
  return (action) => {
    if (!seen.has(action)) seen.set(action, mesh.check(action, { agent }).allowed);
    return seen.get(action);
  };
}

function instant(text, what) {
  if (text === undefined) return undefined;
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(t)) throw usageError(`${what} must be an RFC 3339 time, like 2026-11-26T10:00:00Z; got ${JSON.stringify(text)}`);
  return t;
}

/** Warns on stderr when the trail does not verify: what it says may have been altered. */
function warnUnverified(text, file) {
  const v = verifyAudit(text);
  if (!v.ok) process.stderr.write(`${painter(process.stderr).yellow("⚠")} ${file} does not verify at line ${v.firstBadLine} (seq ${v.firstBadSeq}): ${v.problem}\n`);
}

function oneFile(positionals, sub) {
  if (positionals.length !== 1) throw usageError(`give one audit trail (JSON Lines), e.g. meshguard audit ${sub} audit.jsonl`);
  return positionals[0];
}

const verify = {
  name: "audit verify",
  summary: "Verify an audit trail's hash chain; report the first line that breaks it",
  usage: "meshguard audit verify <audit.jsonl> [--json]",
  description:
    "Checks every line's hash and its link to the line before, and stops at the first that fails " +
    "(an edited, dropped, inserted or reordered line). The file is verified as a segment: its first " +
    "line is taken on trust unless its seq is 1. Exits 0 when the chain holds, 1 when it breaks.",
  options: { json: { type: "boolean", help: "print the verification as JSON" } },
  examples: [["meshguard audit verify audit.jsonl", "is the trail intact?"]],
  positionals: true,
  async run({ values, positionals }) {
    const file = oneFile(positionals, "verify");
    const v = verifyAudit(readText(file, "audit trail"));
    const p = painter();
    if (values.json) print(JSON.stringify({ file: display(file), ...v }, null, 2));
    else if (v.ok) print(`${p.green("✔")} ${display(file)}: ${v.entries} entries, the hash chain holds`);
    else print(`${p.red("✘")} ${display(file)}, line ${v.firstBadLine} (seq ${v.firstBadSeq}): ${v.problem} ${p.dim(`[${v.kind}]`)}`);
    return v.ok ? EXIT.OK : EXIT.FAILED;
  },
};

const query = {
  name: "audit query",
  summary: "Print the entries of an audit trail that match every filter given",
  usage: "meshguard audit query <audit.jsonl> [--agent <id>] [--action <pattern>] [--decision <d>] [--trace <id>] [--since <t>] [--until <t>] [--limit <n>] [--json]",
  description:
    "Filters as getAuditLog does: agent id and trace id exactly, --action as a policy pattern (`*` " +
    "matches any run of characters), --since and --until inclusive. Entries print oldest first; " +
    "--limit keeps the newest n. --json prints the matching lines as they are in the file.",
  options: {
    agent: { type: "string", arg: "id", help: "the agent id" },
    action: { type: "string", arg: "pattern", help: "an action pattern, like write:*" },
    decision: { type: "string", arg: "d", help: "allow, deny or require_approval" },
    trace: { type: "string", arg: "id", help: "the trace id" },
    since: { type: "string", arg: "time", help: "entries at or after this time (RFC 3339)" },
    until: { type: "string", arg: "time", help: "entries at or before this time (RFC 3339)" },
    limit: { type: "string", arg: "n", help: "at most the newest n entries" },
    json: { type: "boolean", help: "print the entries as JSON Lines, as they are in the file" },
  },
  examples: [
    ["meshguard audit query audit.jsonl --decision deny --action 'write:*'", "every write that was denied"],
    ["meshguard audit query audit.jsonl --agent agent_support --since 2026-11-26T00:00:00Z --json", "one agent's day, as JSON Lines"],
  ],
  positionals: true,
  async run({ values, positionals }) {
    const file = oneFile(positionals, "query");
    if (values.decision !== undefined && !DECISIONS.includes(values.decision)) throw usageError(`--decision must be one of ${DECISIONS.join(", ")}; got ${JSON.stringify(values.decision)}`);
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw usageError(`--limit must be a whole number; got ${JSON.stringify(values.limit)}`);
    const since = instant(values.since, "--since");
    const until = instant(values.until, "--until");
    const matches = values.action === undefined ? () => true : actionMatcher(values.action);
    const text = readText(file, "audit trail");
    const lines = text.split("\n");
    warnUnverified(text, display(file));
    let found = readTrail(text, file).filter((e) => {
      const t = Date.parse(e.timestamp);
      return (values.agent === undefined || e.agentId === values.agent)
        && (values.trace === undefined || e.traceId === values.trace)
        && (values.decision === undefined || e.decision === values.decision)
        && (since === undefined || t >= since)
        && (until === undefined || t <= until)
        && matches(e.action);
    });
    if (limit !== undefined) found = found.slice(Math.max(found.length - limit, 0));
    if (values.json) {
      for (const e of found) print(lines[e.line - 1].replace(/\r$/, ""));
      return EXIT.OK;
    }
    const p = painter();
    const colour = { allow: p.green, deny: p.red, require_approval: p.yellow };
    for (const e of found) {
      const by = e.rule ? p.dim(` [${e.policy ?? "-"} / ${e.rule}]`) : "";
      print(`${String(e.seq).padStart(5)}  ${p.dim(e.timestamp)}  ${e.agentId}  ${p.bold(e.action)}  ${(colour[e.decision] ?? String)(e.decision)}${by}  ${e.reason}`);
    }
    print(p.dim(`${found.length} matching entr${found.length === 1 ? "y" : "ies"}`));
    return EXIT.OK;
  },
};

const stats = {
  name: "audit stats",
  summary: "Count an audit trail's entries by decision, agent and action",
  usage: "meshguard audit stats <audit.jsonl> [--json]",
  description: "Counts as auditStats does (total, allowed, denied, approvalRequired), with counts per agent and per action.",
  options: { json: { type: "boolean", help: "print the counts as JSON" } },
  examples: [["meshguard audit stats audit.jsonl", "how many decisions of each kind"]],
  positionals: true,
  async run({ values, positionals }) {
    const file = oneFile(positionals, "stats");
    const text = readText(file, "audit trail");
    warnUnverified(text, display(file));
    const entries = readTrail(text, file);
    const count = (d) => entries.filter((e) => e.decision === d).length;
    const by = (key) => {
      const m = new Map();
      for (const e of entries) m.set(e[key], (m.get(e[key]) ?? 0) + 1);
      return Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
    };
    const s = { total: entries.length, allowed: count("allow"), denied: count("deny"), approvalRequired: count("require_approval"), byAgent: by("agentId"), byAction: by("action") };
    if (values.json) {
      print(JSON.stringify(s, null, 2));
      return EXIT.OK;
    }
    const p = painter();
    print(`${p.bold(`${s.total} entries`)}: ${p.green(`${s.allowed} allowed`)}, ${p.red(`${s.denied} denied`)}, ${p.yellow(`${s.approvalRequired} approval required`)}`);
    for (const [title, counts] of [["by agent", s.byAgent], ["by action", s.byAction]]) {
      print(p.bold(title));
      for (const [k, n] of Object.entries(counts)) print(`  ${String(n).padStart(5)}  ${k}`);
    }
    return EXIT.OK;
  },
};

export default [verify, query, stats];
