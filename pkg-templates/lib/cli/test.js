// `meshguard test`: runs vector files (the conformance format) through
// `runConformance`, with coverage, a threshold, JUnit and JSON reports.

import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { runConformance } from "../../node.mjs";
import { readConformance } from "../conformance.js";
import { coverage, coverageJson, formatPercent, renderCoverage } from "./coverage.js";
import { EXIT, display, expandPaths, isVectorFile, list, loadError, painter, print, readPolicies, readText, usageError } from "./io.js";
import { junitXml } from "./junit.js";
import { printShareLink } from "./share.js";

function threshold(text) {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0 || n > 100) throw usageError(`--threshold must be a percentage from 0 to 100; got ${JSON.stringify(text)}`);
  return n;
}

/** `effect [policy / rule]` of an expectation or a decision. */
function summary(d) {
  if (!d) return "";
  const named = [d.policy, d.rule].filter((x) => x !== null && x !== undefined);
  return `${d.decision}${named.length ? ` [${named.join(" / ")}]` : ""}`;
}

function renderFile(f, p, verbose) {
  const lines = [];
  if (f.error !== undefined) return [`${p.red("✘")} ${p.bold(f.file)}: ${f.error}`];
  const { results, loadError: failed } = f.report;
  const counts = tally([f]);
  lines.push(`${failed || counts.failed ? p.red("✘") : p.green("✔")} ${p.bold(f.file)} ${p.dim(`(${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ""})`)}`);
  if (failed) return [...lines, `    the policies did not load: ${failed.message}`];
  for (const r of results) {
    if (r.skipped) {
      if (verbose) lines.push(`  ${p.dim(`- ${r.name} (skipped)`)}`);
    } else if (r.failure === null) {
      lines.push(`  ${p.green("✔")} ${r.name}`);
    } else {
      lines.push(`  ${p.red("✘")} ${r.name} ${p.dim(`(${f.file}:${r.line})`)}`);
      if (r.kind !== "invalid" && r.expected) lines.push(`      expected  ${summary(r.expected)}${r.expected.reasonContains ? `, reason containing ${JSON.stringify(r.expected.reasonContains)}` : ""}`);
      if (r.decision) lines.push(`      actual    ${p.red(summary(r.decision))}`, `      reason    ${r.decision.reason}`);
      else lines.push(`      ${r.failure}`);
    }
  }
  return lines;
}

/** Passed, failed and skipped cases; a file that did not load counts as one failure. */
function tally(files) {
  const t = { passed: 0, failed: 0, skipped: 0 };
  for (const f of files) {
    if (f.error !== undefined || f.report.loadError) {
      t.failed += 1;
      continue;
    }
    for (const r of f.report.results) {
      if (r.skipped) t.skipped += 1;
      else if (r.failure === null) t.passed += 1;
      else t.failed += 1;
    }
  }
  return t;
}

function fileJson(f) {
  if (f.error !== undefined) return { file: f.file, passed: false, error: f.error, results: [] };
  const { results, passed, loadError: failed } = f.report;
  return { file: f.file, passed, error: failed ? failed.message : null, results };
}

export default {
  name: "test",
  summary: "Run policy tests (vector files) with coverage, a threshold, JUnit and JSON reports",
  usage: "meshguard test [files or dirs…] [--policies <files>] [--filter <text>] [--coverage] [--threshold <percent>] [--junit <file>] [--json] [--share]",
  description:
    "Runs every vector file (the conformance format: policies, agents, cases with the decision each " +
    "must reach, documents that must be refused) found under the paths (default: the working " +
    "directory; in directories, .yaml and .yml files with a top-level `cases:` or `invalid:`). The " +
    "cases of a file run in order against one engine. A rule counts as covered when it decided a " +
    "case. Exits 1 when a case fails or coverage is under --threshold, 3 when a file or its " +
    "policies do not load.",
  options: {
    policies: { type: "string", multiple: true, arg: "files", help: "policy files or dirs loaded after each vector file's own policies" },
    filter: { type: "string", arg: "text", help: "run only cases whose name contains the text (ignoring case); the rest are skipped" },
    coverage: { type: "boolean", help: "report, per policy, the rules that decided a case and those that never did" },
    threshold: { type: "string", arg: "percent", help: "fail when fewer rules than this decided a case (implies --coverage)" },
    junit: { type: "string", arg: "file", help: "write a JUnit XML report" },
    json: { type: "boolean", help: "print the results as JSON" },
    verbose: { type: "boolean", short: "v", help: "list skipped cases too" },
    share: { type: "boolean", help: "print a playground link for each vector file" },
    base: { type: "string", arg: "url", help: "the playground's address for --share" },
  },
  examples: [
    ["meshguard test tests/policies --coverage --threshold 90 --junit report.xml", "in CI"],
    ["meshguard test tests/support.yaml --filter refund", "only the cases about refunds"],
    ["meshguard test tests/ --policies policies/", "vector files without policies of their own, against the real files"],
  ],
  positionals: true,

  async run({ values, positionals }) {
    const min = threshold(values.threshold);
    const paths = positionals.length ? positionals : ["."];
    const files = expandPaths(paths, { extensions: [".yaml", ".yml"], wanted: isVectorFile });
    if (files.length === 0) throw loadError(`no vector files under ${paths.map(display).join(", ")} (YAML files with a top-level cases: or invalid:)`);
    const extra = values.policies ? readPolicies(list(values.policies)) : [];
    const needle = values.filter?.toLowerCase();
    const filter = needle === undefined ? undefined : (name) => name.toLowerCase().includes(needle);

    const runs = files.map((path) => {
      const file = display(path);
      const text = readText(path, "vector file");
      const start = performance.now();
      try {
        const report = runConformance(text, { file, filter, policies: extra });
        return { file, text, report, time: (performance.now() - start) / 1000 };
      } catch (e) {
        return { file, text, error: e.message, time: (performance.now() - start) / 1000 };
      }
    });

    const counts = tally(runs);
    const loadFailed = runs.some((f) => f.error !== undefined || f.report.loadError);
    const cov = values.coverage || min !== undefined ? coverage(runs.filter((f) => f.report).map((f) => f.report)) : undefined;
    const belowThreshold = min !== undefined && cov.percent < min;
    const nothingRan = counts.passed + counts.failed === 0;

    if (values.json) {
      const out = { ok: !loadFailed && counts.failed === 0 && !belowThreshold && !nothingRan, ...counts, files: runs.map(fileJson) };
      if (cov) out.coverage = { ...coverageJson(cov), threshold: min ?? null };
      print(JSON.stringify(out, null, 2));
    } else {
      const p = painter();
      for (const f of runs) print(renderFile(f, p, values.verbose).join("\n"));
      if (cov) print(`\n${renderCoverage(cov, p).join("\n")}`);
      if (belowThreshold) print(p.red(`coverage ${formatPercent(cov.percent)} is under the threshold of ${min}%`));
      if (nothingRan) print(p.red(values.filter ? `no case matches --filter ${JSON.stringify(values.filter)}` : "no case ran"));
      print(`\n${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ""}`);
    }
    if (values.junit) {
      try {
        writeFileSync(values.junit, junitXml(runs));
      } catch (e) {
        throw loadError(`cannot write the JUnit report ${values.junit}: ${e.message}`);
      }
    }
    if (values.share) {
      for (const f of runs.filter((x) => x.report)) {
        const own = readConformance(f.text, { file: f.file }).policies.map((text, i) => ({ name: `${f.file}: policies[${i}]`, text }));
        await printShareLink({ policies: [...own, ...extra], tests: f.text }, values.base, values.json ? process.stderr : process.stdout);
      }
    }
    if (loadFailed) return EXIT.LOAD;
    return counts.failed || belowThreshold || nothingRan ? EXIT.FAILED : EXIT.OK;
  },
};
