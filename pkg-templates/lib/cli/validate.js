// `meshguard validate`: loads policy files together, as one engine would, and
// reports every error and warning.

import { MeshGuard, PolicyError } from "../../node.mjs";
import { diagnosticJson, githubAnnotation, renderDiagnostic } from "./diagnostics.js";
import { EXIT, painter, print, readPolicies, usageError } from "./io.js";
import { printShareLink } from "./share.js";

const FORMATS = ["text", "json", "github"];

export default {
  name: "validate",
  summary: "Load policies as the engine would; report errors and warnings with their place",
  usage: "meshguard validate <files or dirs…> [--format text|json|github] [--share]",
  description:
    "Every file is loaded into one engine, so names must be unique across files. Directories are " +
    "searched for .yaml, .yml and .json files (vector files, those with a top-level `cases:` or " +
    "`invalid:`, are left to `meshguard test`). Exits 0 when everything loads (warnings allowed), " +
    "3 when anything does not.",
  options: {
    format: { type: "string", default: "text", arg: "text|json|github", help: "text for people, json for programs, github for Actions annotations" },
    share: { type: "boolean", help: "also print a playground link that opens these policies" },
    base: { type: "string", arg: "url", help: "the playground's address for --share" },
  },
  examples: [
    ["meshguard validate policies/", "every policy file under policies/"],
    ["meshguard validate support.yaml --format github", "annotations for a GitHub Actions log"],
  ],
  positionals: true,

  async run({ values, positionals }) {
    if (!FORMATS.includes(values.format)) throw usageError(`--format must be one of ${FORMATS.join(", ")}; got ${JSON.stringify(values.format)}`);
    if (positionals.length === 0) throw usageError("which policies? give files or directories, e.g. meshguard validate policies/");
    const policies = readPolicies(positionals);
    let errors = [];
    let warnings;
    let rules = [];
    try {
      const mesh = new MeshGuard({ policies, audit: false });
      warnings = mesh.warnings;
      rules = mesh.rules();
    } catch (e) {
      if (!(e instanceof PolicyError)) throw e;
      errors = e.errors.length ? e.errors : [{ severity: "error", kind: "invalid_value", source: e.source ?? policies[0].name, line: e.line ?? 0, column: e.column ?? 0, path: e.path ?? "", message: e.message }];
      warnings = e.warnings ?? [];
    }
    const all = [...errors, ...warnings];
    const ok = errors.length === 0;
    if (values.format === "json") {
      const policyCount = new Set(rules.map((r) => r.policy)).size;
      print(JSON.stringify({ ok, files: policies.map((x) => x.name), policies: policyCount, rules: rules.length, errors: errors.map(diagnosticJson), warnings: warnings.map(diagnosticJson) }, null, 2));
    } else if (values.format === "github") {
      for (const d of all) print(githubAnnotation(d));
    } else {
      const p = painter();
      const sources = new Map(policies.map((x) => [x.name, x.text]));
      for (const d of all) print(`${renderDiagnostic(d, sources, p)}\n`);
      const counts = `${errors.length} error${errors.length === 1 ? "" : "s"}, ${warnings.length} warning${warnings.length === 1 ? "" : "s"}`;
      if (ok) {
        const policyCount = new Set(rules.map((r) => r.policy)).size;
        print(`${p.green("✔")} ${policies.length} file${policies.length === 1 ? "" : "s"}: ${policyCount} polic${policyCount === 1 ? "y" : "ies"}, ${rules.length} rule${rules.length === 1 ? "" : "s"} loaded (${counts})`);
      } else {
        print(`${p.red("✘")} ${policies.length} file${policies.length === 1 ? "" : "s"} did not load (${counts})`);
      }
    }
    if (values.share) await printShareLink({ policies }, values.base, values.format === "text" ? process.stdout : process.stderr);
    return ok ? EXIT.OK : EXIT.LOAD;
  },
};
