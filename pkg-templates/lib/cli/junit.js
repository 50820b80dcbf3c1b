// A JUnit XML report of a test run, in the form CI systems read (Jenkins, GitLab,
// GitHub test reporters): one <testsuite> per vector file, one <testcase> per case.

import { observed } from "../conformance.js";

/** XML 1.0 forbids most control characters even as references: they are dropped. */
const INVALID_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text for an attribute value or element content. */
export function xmlEscape(value) {
  return String(value)
    .replace(INVALID_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const attrs = (o) =>
  Object.entries(o)
    .map(([k, v]) => ` ${k}="${xmlEscape(v)}"`)
    .join("");

/** What a failed case says: the failure, the expectation and what was decided. */
function failureText(r) {
  const lines = [r.failure];
  const given = (o) => JSON.stringify(Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null)));
  if (r.expected && r.kind !== "invalid") lines.push(`expected: ${given(r.expected)}`);
  if (r.decision) lines.push(`actual: ${JSON.stringify(observed(r.decision))}`);
  return lines.join("\n");
}

/**
 * The report for `files`: each `{file, time, report}` where `report` is what
 * `runConformance` returned, or `{file, time, error}` for a file that could not be
 * read (one <error> case). A file whose policies did not load is one <error> too.
 */
export function junitXml(files) {
  const suites = [];
  const total = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  for (const f of files) {
    const cases = [];
    const count = { tests: 0, failures: 0, errors: 0, skipped: 0 };
    const loadFailure = f.error ?? (f.report.loadError ? f.report.loadError.message : null);
    if (loadFailure !== null) {
      count.tests = count.errors = 1;
      cases.push(`    <testcase${attrs({ name: "load", classname: f.file, time: "0" })}>\n      <error${attrs({ message: loadFailure.split("\n")[0], type: "load" })}>${xmlEscape(loadFailure)}</error>\n    </testcase>`);
    } else {
      for (const r of f.report.results) {
        count.tests += 1;
        const head = `    <testcase${attrs({ name: r.name, classname: f.file, time: "0" })}`;
        if (r.skipped) {
          count.skipped += 1;
          cases.push(`${head}>\n      <skipped${attrs({ message: "left out by --filter" })}/>\n    </testcase>`);
        } else if (r.failure !== null) {
          count.failures += 1;
          cases.push(`${head}>\n      <failure${attrs({ message: r.failure, type: r.kind })}>${xmlEscape(failureText(r))}</failure>\n    </testcase>`);
        } else {
          cases.push(`${head}/>`);
        }
      }
    }
    for (const k of Object.keys(count)) total[k] += count[k];
    total.time += f.time;
    suites.push(`  <testsuite${attrs({ name: f.file, ...count, time: f.time.toFixed(3) })}>\n${cases.join("\n")}${cases.length ? "\n" : ""}  </testsuite>`);
  }
  const head = attrs({ name: "meshguard test", tests: total.tests, failures: total.failures, errors: total.errors, skipped: total.skipped, time: total.time.toFixed(3) });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${head}>\n${suites.join("\n")}${suites.length ? "\n" : ""}</testsuites>\n`;
}
