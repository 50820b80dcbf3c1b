// Shared by the JavaScript tests: where the vectors and fixtures are.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const root = process.env.MESHGUARD_ROOT;

/**
 * The directories of conformance vectors to run: the repository's own
 * (tests/vectors), the shared set when present (MESHGUARD_SHARED_CONFORMANCE, else
 * ../shared/conformance beside the repository; required when CI is set), and each
 * directory of MESHGUARD_CONFORMANCE_DIRS.
 */
export function vectorDirs() {
  const dirs = [join(root, "tests", "vectors")];
  const shared = process.env.MESHGUARD_SHARED_CONFORMANCE || resolve(root, "..", "shared", "conformance");
  if (process.env.MESHGUARD_SHARED_CONFORMANCE || existsSync(shared)) dirs.push(shared);
  else if (process.env.CI) throw new Error(`CI is set, so the shared conformance vectors are required, but ${shared} does not exist`);
  for (const d of (process.env.MESHGUARD_CONFORMANCE_DIRS ?? "").split(":")) if (d) dirs.push(d);
  return dirs;
}

/** Every conformance vector file of `vectorDirs()`, as `{file, text}`. */
export function vectorFiles() {
  return vectorDirs().flatMap((dir) => {
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
