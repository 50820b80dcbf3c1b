// Rule coverage of a test run: which rules decided at least one case. The rules come
// from the engine (`mesh.rules()`, through each report), the hits from the decisions.

/**
 * Coverage of `reports` (from `runConformance`). A rule is hit when it decided a
 * case: it is the decision's policy and rule. Policies are told apart by source as
 * well as name, so inline policies of different vector files stay apart while a
 * policy file given with --policies is one policy across all of them.
 */
export function coverage(reports) {
  const policies = new Map();
  const key = (source, policy) => `${source}\u0000${policy}`;
  for (const report of reports) {
    for (const r of report.rules ?? []) {
      const k = key(r.source, r.policy);
      if (!policies.has(k)) policies.set(k, { policy: r.policy, source: r.source, rules: new Map() });
      const entry = policies.get(k);
      if (!entry.rules.has(r.rule)) entry.rules.set(r.rule, { rule: r.rule, line: r.line, effect: r.effect, hits: 0 });
    }
    // The policy that decided a case is one of this report's: find it by name among them.
    const sourceOf = new Map((report.rules ?? []).map((r) => [r.policy, r.source]));
    for (const result of report.results) {
      const d = result.decision;
      if (!d?.policy || !d.rule || !sourceOf.has(d.policy)) continue;
      const hit = policies.get(key(sourceOf.get(d.policy), d.policy))?.rules.get(d.rule);
      if (hit) hit.hits += 1;
    }
  }
  const list = [...policies.values()].map((p) => {
    const rules = [...p.rules.values()];
    const hit = rules.filter((r) => r.hits > 0).length;
    return { policy: p.policy, source: p.source, total: rules.length, hit, percent: percent(hit, rules.length), rules };
  });
  const total = list.reduce((n, p) => n + p.total, 0);
  const hit = list.reduce((n, p) => n + p.hit, 0);
  return { total, hit, percent: percent(hit, total), policies: list };
}

/** `hit` of `total` as a percentage; 0 when there is nothing to cover (a threshold then fails). */
const percent = (hit, total) => (total === 0 ? 0 : (100 * hit) / total);

/** A percentage with one decimal, rounded down so 89.96% never shows as 90.0%. */
export const formatPercent = (value) => `${(Math.floor(value * 10) / 10).toFixed(1)}%`;

/** Whether a source is a policy written inside a vector file (`<file>: policies[i]`). */
const inline = (source) => /: policies\[\d+\]$/.test(source);

/** Coverage as text lines; `p` is a painter. */
export function renderCoverage(cov, p) {
  const lines = [p.bold(`coverage: ${cov.hit} of ${cov.total} rules decided a case (${formatPercent(cov.percent)})`)];
  for (const pol of cov.policies) {
    const mark = pol.hit === pol.total ? p.green("✔") : p.yellow("○");
    lines.push(`  ${mark} ${pol.policy} ${p.dim(`(${pol.source})`)}: ${pol.hit}/${pol.total} rules, ${formatPercent(pol.percent)}`);
    const missed = pol.rules.filter((r) => r.hits === 0);
    // A vector file's inline policies reach the engine as JSON text: their lines say nothing.
    const where = (r) => (inline(pol.source) ? "" : ` ${p.dim(`(line ${r.line})`)}`);
    if (missed.length) lines.push(`      never hit: ${missed.map((r) => `${r.rule}${where(r)}`).join(", ")}`);
  }
  return lines;
}

/** Coverage as JSON output carries it. */
export function coverageJson(cov) {
  return {
    total: cov.total,
    hit: cov.hit,
    percent: cov.percent,
    policies: cov.policies.map((p) => ({
      policy: p.policy,
      source: p.source,
      total: p.total,
      hit: p.hit,
      percent: p.percent,
      rules: p.rules.map(({ rule, line, effect, hits }) => ({ rule, line: inline(p.source) ? null : line, effect, hits })),
    })),
  };
}
