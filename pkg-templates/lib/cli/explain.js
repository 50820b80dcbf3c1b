// A decision and its explanation as a readable tree: delegation steps, then every
// policy (applied or not, and why), every rule tried, and each condition's value.

const OUTCOME = {
  action_mismatch: "action does not match",
  conditions_false: "a condition is false",
  conditions_unknown: "a condition is unknown, so it does not grant",
  matched: "matched",
  fail_closed: "matched: a condition is unknown and a deny rule fails closed",
  context_dependent: "depends on a context not known yet (anyContext)",
  rate_limited: "matched, but its rate limit is spent",
  error: "a condition could not be evaluated",
};

const MATCHED = new Set(["matched", "fail_closed", "rate_limited", "error"]);

/** The tree lines under a root, drawn with box characters. */
function draw(nodes, prefix = "") {
  const out = [];
  nodes.forEach((node, i) => {
    const last = i === nodes.length - 1;
    out.push(`${prefix}${last ? "└─ " : "├─ "}${node.text}`);
    if (node.children?.length) out.push(...draw(node.children, `${prefix}${last ? "   " : "│  "}`));
  });
  return out;
}

function truthMark(value, p) {
  if (value === "true") return p.green("true");
  if (value === "false") return p.red("false");
  return p.yellow(value);
}

/** The explanation of `d` as tree nodes; the rule that decided is marked. */
function nodes(d, p) {
  const out = [];
  const steps = d.explanation?.delegation ?? [];
  if (steps.length) {
    out.push({
      text: p.bold("delegation"),
      children: steps.map((s) => ({
        text: `${s.passed ? p.green("✔") : p.red("✘")} ${s.check}${s.delegator ? ` of ${s.delegator}` : ""}${s.policy ? p.dim(` (policy ${s.policy})`) : ""}: ${s.detail}`,
      })),
    });
  }
  for (const pol of d.explanation?.policies ?? []) {
    const rules = pol.rules.map((r) => {
      const decided = pol.policy === d.policy && r.rule === d.rule;
      const mark = MATCHED.has(r.outcome) ? p.green("✔") : p.dim("·");
      const pattern = r.matchedPattern ? p.dim(` [${r.matchedPattern}]`) : "";
      return {
        text: `${mark} ${p.bold(r.rule)} ${r.effect}${pattern}: ${OUTCOME[r.outcome] ?? r.outcome}${decided ? p.cyan("  ← decided") : ""}`,
        children: r.conditions.map((c) => ({ text: `${c.key}: ${truthMark(c.value, p)}${c.detail ? p.dim(` (${c.detail})`) : ""}` })),
      };
    });
    if (pol.applies && pol.policy === d.policy && d.rule === "defaultEffect") {
      rules.push({ text: `${p.green("✔")} ${p.bold("defaultEffect")} ${d.decision}: no rule matched${p.cyan("  ← decided")}` });
    }
    out.push({
      text: `${pol.applies ? p.green("✔") : p.dim("✘")} policy ${p.bold(pol.policy)}: ${pol.why}`,
      children: rules,
    });
  }
  return out;
}

const MARK = { allow: "✔ allow", deny: "✘ deny", require_approval: "⏸ require_approval" };

/** The decision as text lines, with the explanation tree when it carries one. */
export function renderDecision(d, { who, p }) {
  const colour = d.decision === "allow" ? p.green : d.decision === "deny" ? p.red : p.yellow;
  const lines = [`${colour(p.bold(MARK[d.decision] ?? d.decision))}  ${p.bold(d.action)}  ${p.dim(`by ${who}`)}`];
  lines.push(`   policy  ${d.policy ?? p.dim("(none)")}`, `   rule    ${d.rule ?? p.dim("(none)")}`, `   reason  ${d.reason}`);
  if (d.chain?.length) lines.push(`   chain   ${d.chain.map((a) => a.name ?? a.id).join(" → ")}`);
  if (d.explanation) lines.push("", p.bold("explanation"), ...draw(nodes(d, p)));
  return lines;
}
