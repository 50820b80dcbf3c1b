// `meshguard replay`: decides every check and handoff of an audit trail again under
// other policies, and reports each decision that would change.

import { verifyAudit } from "../../node.mjs";
import { loadEngine } from "./diagnostics.js";
import { EXIT, display, list, loadError, painter, print, readAgents, readPolicies, readText, usageError } from "./io.js";

/** Parses JSON Lines, naming the line of the first that is not a JSON object. */
export function readTrail(text, file) {
  const entries = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "") return;
    let entry;
    try {
      entry = JSON.parse(line);
    } catch (e) {
      throw loadError(`${display(file)}, line ${i + 1}: not a JSON audit entry (${e.message})`);
    }
    if (entry === null || typeof entry !== "object" || typeof entry.action !== "string" || typeof entry.agentId !== "string") {
      throw loadError(`${display(file)}, line ${i + 1}: not an audit entry (it needs at least action and agentId)`);
    }
    entries.push({ ...entry, line: i + 1 });
  });
  return entries;
}

/**
 * Whether an entry records an engine decision rather than a manual `auditLog` entry:
 * the engine names the rule that decided, except when no policy applies at all.
 * Manual entries (the adapter's `trace:`, `session:` and approval records) name none.
 */
export const isDecision = (e) => typeof e.rule === "string" || (e.policy === null && e.reason === `no policy applies to agent ${e.agentId}`);

/** A handoff decision carries the delegate's id in `metadata.toAgent`. */
const isHandoff = (e) => e.action.startsWith("handoff:") && typeof e.metadata?.toAgent === "string";

const hasRedacted = (value) => JSON.stringify(value ?? null).includes('"[redacted]"');

/**
 * Who each id on the trail is. The trail records ids and names, not tiers or tags,
 * so identities come from --agents; an id missing there is replayed as the engine's
 * default agent (trust tier untrusted, no tags) under the trail's name for it, and
 * listed as assumed.
 */
function identities(entries, agents) {
  const names = new Map();
  for (const e of entries) {
    if (!names.has(e.agentId)) names.set(e.agentId, e.agentName);
    if (isHandoff(e) && !names.has(e.metadata.toAgent)) names.set(e.metadata.toAgent, e.action.slice("handoff:".length));
  }
  const assumed = new Map();
  const of = (id) => {
    const known = agents?.get(id);
    if (known && known.id === id) return known;
    const agent = { id, name: names.get(id) ?? id };
    assumed.set(id, agent);
    return agent;
  };
  return { of, assumed };
}

const bump = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);

/** Re-decides `entries` with `mesh`; returns what changed, what failed and the counts. */
export function replayEntries(entries, mesh, agents) {
  const who = identities(entries, agents);
  const out = { replayed: 0, manual: 0, changed: [], errors: [], redacted: 0 };
  for (const e of entries) {
    if (!isDecision(e)) {
      out.manual += 1;
      continue;
    }
    const metadata = e.metadata ?? {};
    const options = { context: metadata.context ?? {}, chain: (metadata.chain ?? []).map(who.of), now: e.timestamp, traceId: e.traceId };
    const redacted = hasRedacted(metadata.context);
    if (redacted) out.redacted += 1;
    let after;
    try {
      after = isHandoff(e)
        ? mesh.checkHandoff(who.of(e.agentId), who.of(metadata.toAgent), options)
        : mesh.check(e.action, { ...options, agent: who.of(e.agentId), resource: e.resource ?? undefined });
    } catch (err) {
      out.errors.push({ seq: e.seq, line: e.line, action: e.action, message: err.message });
      continue;
    }
    out.replayed += 1;
    if (after.decision === e.decision) continue;
    out.changed.push({
      seq: e.seq,
      line: e.line,
      timestamp: e.timestamp,
      kind: isHandoff(e) ? "handoff" : "check",
      agentId: e.agentId,
      agentName: e.agentName,
      action: e.action,
      resource: e.resource ?? null,
      context: metadata.context ?? {},
      chain: metadata.chain ?? [],
      redacted,
      before: { decision: e.decision, policy: e.policy, rule: e.rule, reason: e.reason },
      after: { decision: after.decision, policy: after.policy, rule: after.rule, reason: after.reason },
    });
  }
  const byChange = new Map();
  const byAction = new Map();
  const byAgent = new Map();
  for (const c of out.changed) {
    bump(byChange, `${c.before.decision} → ${c.after.decision}`);
    bump(byAction, c.action);
    bump(byAgent, c.agentId);
  }
  const sorted = (m) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
  out.counts = { byChange: sorted(byChange), byAction: sorted(byAction), byAgent: sorted(byAgent) };
  out.assumedAgents = [...who.assumed.values()];
  return out;
}

function renderText(r, { file, verification, policyFiles, p }) {
  const lines = [];
  const s = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  if (!verification.ok) lines.push(p.yellow(`⚠ ${file} does not verify: line ${verification.firstBadLine} (seq ${verification.firstBadSeq}): ${verification.problem}; entries after it may have been altered`));
  if (r.assumedAgents.length) {
    lines.push(p.yellow(`⚠ ${s(r.assumedAgents.length, "agent")} not in --agents, replayed as trust tier untrusted with no tags: ${r.assumedAgents.map((a) => a.id).join(", ")}`));
  }
  if (r.redacted) lines.push(p.yellow(`⚠ ${s(r.redacted, "decision")} had redacted context values, replayed as the text "[redacted]"`));
  lines.push(`replayed ${s(r.replayed, "decision")} of ${file} under ${policyFiles.join(", ")} (${s(r.manual, "manual entry", "manual entries")} skipped)`);
  for (const err of r.errors) lines.push(p.red(`✘ line ${err.line} (seq ${err.seq}) ${err.action}: could not be decided again: ${err.message}`));
  if (r.changed.length === 0) {
    lines.push(p.green("✔ no decision would change"));
    return lines;
  }
  lines.push(p.bold(`${s(r.changed.length, "decision")} would change:`));
  const colour = (d) => (d === "allow" ? p.green(d) : d === "deny" ? p.red(d) : p.yellow(d));
  for (const c of r.changed) {
    const ctx = Object.keys(c.context).length ? p.dim(` ${JSON.stringify(c.context)}`) : "";
    const chain = c.chain.length ? p.dim(` under ${c.chain.join(" → ")}`) : "";
    lines.push(`  seq ${c.seq}  ${p.dim(c.timestamp)}  ${c.agentName} ${p.dim(`(${c.agentId})`)}  ${p.bold(c.action)}${ctx}${chain}`);
    lines.push(`      ${colour(c.before.decision)} → ${colour(c.after.decision)}  ${p.dim("now")} ${c.after.policy ?? "-"} / ${c.after.rule ?? "-"}: ${c.after.reason}`);
    lines.push(`      ${p.dim(`was ${c.before.policy ?? "-"} / ${c.before.rule ?? "-"}: ${c.before.reason}`)}`);
  }
  const table = (title, counts, label = (k) => k) => [p.bold(title), ...Object.entries(counts).map(([k, n]) => `  ${String(n).padStart(4)}  ${label(k)}`)];
  const names = new Map(r.changed.map((c) => [c.agentId, c.agentName]));
  lines.push(...table("by change", r.counts.byChange), ...table("by action", r.counts.byAction));
  lines.push(...table("by agent", r.counts.byAgent, (id) => `${id} (${names.get(id)})`));
  return lines;
}

export default {
  name: "replay",
  summary: "Decide every check and handoff of an audit trail again under other policies; report what would change",
  usage: "meshguard replay <audit.jsonl> --policies <files> [--agents <file>] [--fail-on-change] [--json]",
  description:
    "Each recorded decision (manual entries are skipped) is decided again, in order, at its recorded " +
    "time, with its context, resource and chain, so time windows and rate limits replay too. Audit " +
    "entries record agent ids and names, not trust tiers or tags: give identities with --agents (the " +
    "vector format's agents: map; entries are matched by id). An agent missing there is replayed as " +
    "trust tier untrusted with no tags, and listed. To see what the trail alone cannot tell, replay " +
    "it first under the policies that recorded it: every change then comes from a missing identity " +
    "or redacted context. Exits 1 with --fail-on-change when a decision would change.",
  options: {
    policies: { type: "string", multiple: true, arg: "files", help: "the policies to decide under (files or dirs)" },
    agents: { type: "string", arg: "file", help: "agent identities: a file with an agents: map (a vector file will do)" },
    "fail-on-change": { type: "boolean", help: "exit 1 when any decision would change" },
    json: { type: "boolean", help: "print the report as JSON" },
  },
  examples: [
    ["meshguard replay audit.jsonl --policies policies/ --agents tests/agents.yaml", "what would the edited policies have decided?"],
    ["meshguard replay audit.jsonl --policies policies/ --agents tests/agents.yaml --fail-on-change", "in CI: fail when a policy change flips a past decision"],
  ],
  positionals: true,

  async run({ values, positionals }) {
    if (positionals.length !== 1) throw usageError("give one audit trail (JSON Lines), e.g. meshguard replay audit.jsonl --policies policies/");
    const files = list(values.policies);
    if (files.length === 0) throw usageError("which policies? e.g. --policies policies/");
    const [trail] = positionals;
    const text = readText(trail, "audit trail");
    const entries = readTrail(text, trail);
    const verification = verifyAudit(text);
    const agents = values.agents === undefined ? undefined : readAgents(values.agents);
    const policies = readPolicies(files);
    const mesh = loadEngine(policies);
    const r = replayEntries(entries, mesh, agents);
    if (values.json) {
      const { replayed, manual, changed, errors, redacted, counts, assumedAgents } = r;
      print(JSON.stringify({ file: display(trail), verified: verification.ok, policies: policies.map((x) => x.name), replayed, skipped: manual, unchanged: replayed - changed.length, changed, errors, redacted, counts, assumedAgents }, null, 2));
    } else {
      print(renderText(r, { file: display(trail), verification, policyFiles: policies.map((x) => x.name), p: painter() }).join("\n"));
    }
    if (r.errors.length) return EXIT.LOAD;
    return values["fail-on-change"] && r.changed.length ? EXIT.FAILED : EXIT.OK;
  },
};
