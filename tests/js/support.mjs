// Shared by the JavaScript tests: where the vectors and fixtures are.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const root = process.env.MESHGUARD_ROOT;

/** Every conformance vector file: the shared set plus MESHGUARD_CONFORMANCE_DIRS. */
export function vectorFiles() {
  const dirs = [process.env.MESHGUARD_SHARED_CONFORMANCE];
  for (const d of (process.env.MESHGUARD_CONFORMANCE_DIRS ?? "").split(":")) if (d) dirs.push(d);
  return dirs.flatMap((dir) => {
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
    if (files.length === 0) throw new Error(`no vector files in ${dir}`);
    return files.map((f) => ({ file: join(dir, f), text: readFileSync(join(dir, f), "utf8") }));
  });
}

export const seedPolicy = () => readFileSync(join(root, "examples", "policies", "openai-support-agent.yaml"), "utf8");

export const supportAgent = { id: "agent_support", name: "Customer Support Agent", trustTier: "verified", tags: ["openai", "support"] };

/** Fails with every failing case of a conformance report. */
export function assertPassed(report) {
  const failures = report.results.filter((r) => r.failure !== null);
  if (report.results.length === 0) throw new Error(`${report.file}: no cases ran`);
  if (failures.length) {
    throw new Error(`${report.file}:\n${failures.map((f) => `  ${f.name} (line ${f.line}): ${f.failure}`).join("\n")}`);
  }
}
