// What the JavaScript benches check: the guide's policy, its support agent, and four
// requests with the answer each must get (and the facts Cedar's version of the
// policy reads: amounts in cents, the hour).

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const seed = readFileSync(join(root, "examples", "policies", "openai-support-agent.yaml"), "utf8");
export const agent = { id: "agent_support", name: "Customer Support Agent", trustTier: "verified", tags: ["openai", "support"] };
export const requests = [
  { action: "write:refund", context: { amount: 50 }, cents: 5_000, expect: "allow" },
  { action: "write:refund", context: { amount: 150 }, cents: 15_000, expect: "deny" },
  { action: "write:email", now: "2026-11-26T10:00:00Z", hour: 10, expect: "allow" },
  { action: "execute:computer_use", expect: "deny" },
];
/** A request's check options. */
export const options = (r) => ({ context: r.context, now: r.now });

/** The package built in `dir` (a directory like pkg/), as Node's ES module entry. */
export const loadPackage = (dir) => import(pathToFileURL(join(dir, "node.mjs")).href);

/**
 * A cold start: imports the package in `dir`, loads the seed policy, makes the first
 * check (asserting its decision), and calls `mark()` after each of the three steps.
 */
export async function coldStart(dir, mark) {
  const { MeshGuard } = await loadPackage(dir);
  mark();
  const mesh = new MeshGuard({ policies: [seed], agent });
  mark();
  const [first] = requests;
  if (mesh.check(first.action, options(first)).decision !== first.expect) throw new Error("unexpected decision");
  mark();
}
