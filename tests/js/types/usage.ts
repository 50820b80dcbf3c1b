// A typed use of the package; `tsc --noEmit` must accept it (and reject misuse).
import {
  MeshGuard,
  runConformance,
  type RuleListing,
  PolicyDeniedError,
  PolicyError,
  TokenError,
  issueAgentToken,
  verifyAudit,
  type AuditEntry,
  type Decision,
  type HandoffDecision,
} from "@meshguard/policy";

const entries: AuditEntry[] = [];
const mesh = new MeshGuard({
  policies: ["name: p\nrules: [{effect: allow, actions: [\"*\"]}]"],
  agent: { id: "agent_support", name: "Support", trustTier: "verified", tags: ["support"], orgId: "org_1" },
  mode: "enforce",
  audit: { capacity: 100, redact: ["email"] },
  onAudit: (e) => entries.push(e),
});

const d: Decision = mesh.check("write:refund", { context: { amount: 150 }, resource: "order/1", now: new Date(), traceId: "t" });
const allowed: boolean = d.allowed;
const rule: string | null = d.rule;
mesh.enforce("read:x");
const n: Promise<number> = mesh.govern("read:x", async (decision) => (decision.allowed ? 1 : 0));
const x = mesh.explain("read:x");
const offered: boolean = mesh.explain("mcp:files:read_file", { anyContext: true }).allowed;
const firstRuleOutcome = x.explanation.policies[0]?.rules[0]?.outcome;
const h: HandoffDecision = mesh.checkHandoff(null, { id: "billing", name: "Billing Specialist" }, { chain: [] });
mesh.check("write:email", { agent: { id: "billing" }, chain: h.chain });
const unknownChain: string | null = mesh.check("write:email", { agent: { id: "billing" }, chainUnknown: true }).rule;
mesh.checkHandoff({ id: "billing" }, { id: "escalation" }, { chainUnknown: true });
const warnings = mesh.loadPolicies([{ name: "p.yaml", text: "name: p\nrules: []" }]);
const line: number = warnings[0]?.line ?? 0;
const stats = mesh.auditStats();
const total: number = stats.total + stats.recorded;
const ok: boolean = verifyAudit(mesh.exportAudit()).ok;
const token: string = issueAgentToken({ id: "a" }, { secret: "x".repeat(32), expiresIn: 60 });

try {
  mesh.enforce("write:refund");
} catch (e) {
  if (e instanceof PolicyDeniedError) console.log(e.reason, e.traceId, e.decision.rule);
  if (e instanceof PolicyError) console.log(e.line, e.column, e.path, e.errors.length);
  if (e instanceof TokenError) console.log(e.code);
}

// @ts-expect-error: the action must be a string
mesh.check(42);
// @ts-expect-error: unknown trust tier
new MeshGuard({ agent: { id: "a", trustTier: "root" } });
// @ts-expect-error: mode is one of enforce, audit, bypass
new MeshGuard({ mode: "yolo" });
// @ts-expect-error: chainUnknown is a boolean
mesh.check("read:x", { chainUnknown: "yes" });

const listed: RuleListing[] = mesh.rules();
const report = runConformance("cases: []", { file: "t.yaml", filter: (name) => name.includes("refund"), policies: ["name: p\nrules: []"] });
const hit: string | null = report.results[0]?.decision?.rule ?? null;
const skipped: boolean = report.results.every((r) => r.skipped);
// @ts-expect-error: filter is a function of the case's name
runConformance("cases: []", { filter: "refund" });

export { allowed, rule, n, firstRuleOutcome, line, total, ok, token, listed, hit, skipped, unknownChain };

// Share links.
import { decodeWorkspace, encodeWorkspace, type Workspace } from "@meshguard/policy/workspace";
import { version } from "@meshguard/policy";
const ws: Workspace = { policies: [{ name: "p.yaml", text: "name: p" }], tests: "cases: []" };
void encodeWorkspace(ws).then(decodeWorkspace).then((r) => r.sameVersion && r.version === version);

// Vector files: read, then run with explanations.
import { readConformance, type ConformanceFile } from "@meshguard/policy";
const vectors: ConformanceFile = readConformance("cases: []", { file: "t.yaml" });
const firstAction: string | undefined = vectors.cases[0]?.check?.action;
const run = runConformance("cases: []", { explain: true });
const decided: string | undefined = run.results[0]?.decision?.decision;
const steps: number | undefined = run.results[0]?.explanation?.delegation.length;
export { firstAction, decided, steps };
