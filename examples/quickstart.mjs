// Loads the customer-support policy from the integration guide and prints the
// decision for a handful of checks.
//
// Run from the repository: scripts/build.sh && examples/run.sh quickstart.mjs
import { readFileSync } from "node:fs";
import { MeshGuard } from "@meshguard/policy";

const policy = readFileSync(new URL("./policies/openai-support-agent.yaml", import.meta.url), "utf8");

const mesh = new MeshGuard({
  policies: [policy],
  agent: { id: "agent_support", name: "Customer Support Agent", trustTier: "verified", tags: ["openai", "support"] },
});

const checks = [
  ["read:customer_data", {}],
  ["write:refund", { context: { amount: 50 } }],
  ["write:refund", { context: { amount: 150 } }],
  ["write:refund", { context: {} }],
  ["write:email", { now: "2026-11-26T10:00:00Z" }],
  ["write:email", { now: "2026-11-26T21:00:00Z" }],
  ["execute:computer_use", {}],
  ["handoff:Billing Specialist", {}],
  ["delete:customer_data", {}],
];

for (const [action, options] of checks) {
  const d = mesh.check(action, options);
  const context = options.context ? ` ${JSON.stringify(options.context)}` : options.now ? ` at ${options.now}` : "";
  console.log(`${d.allowed ? "ALLOW" : "DENY "}  ${action}${context}\n       ${d.policy} / ${d.rule}: ${d.reason}`);
}

const verdict = mesh.verifyAudit(mesh.exportAudit());
console.log(`\naudit trail: ${mesh.auditStats().total} entries, chain ${verdict.ok ? "verified" : `broken at seq ${verdict.firstBadSeq}`}`);
