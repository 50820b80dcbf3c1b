// The explanation of a decision, as the engine gives it: the delegation steps, every
// policy (applied or not, and why), every rule tried with the pattern that matched
// and each condition's value with what was compared.

import { h } from "./dom.js";

const MARK = { true: "✓", false: "✗", unknown: "?" };
const OUTCOME = {
  action_mismatch: "action does not match",
  conditions_false: "a condition is false",
  conditions_unknown: "a condition is unknown (does not grant)",
  matched: "matched",
  fail_closed: "matched: fail closed on an unknown condition",
  rate_limited: "matched, but over its rate limit",
  error: "error",
};

/** The rules an explanation shows as hit (`policy\0rule`): each applicable policy's answer. */
export function hitsOf(explanation) {
  const out = [];
  for (const p of explanation?.policies ?? []) {
    if (!p.applies) continue;
    for (const r of p.rules) if (["matched", "fail_closed", "rate_limited"].includes(r.outcome)) out.push(`${p.policy}\u0000${r.rule}`);
  }
  return out;
}

/** The explanation as elements; `decision` marks the deciding row, `onShow(policy, rule)` jumps to the editor. */
export function renderExplanation(decision, explanation, onShow) {
  const parts = [];
  const steps = explanation?.delegation ?? [];
  if (steps.length) {
    parts.push(
      h("h3", {}, "Delegation"),
      h("ul", { class: "steps" }, ...steps.map((s) =>
        h("li", { class: s.passed ? "pass" : "fail" },
          h("span", { class: "mark", "aria-label": s.passed ? "passed" : "failed" }, s.passed ? "✓" : "✗"),
          h("b", {}, s.check),
          s.delegator ? ` of ${s.delegator}` : "",
          s.policy ? h("span", {}, " (policy ", policyLink(s.policy, s.check, onShow), ")") : "",
          `: ${s.detail}`,
        ))),
    );
  }
  const policies = explanation?.policies ?? [];
  parts.push(h("h3", {}, "Policies"));
  if (policies.length === 0) {
    parts.push(h("p", { class: "muted" }, steps.some((s) => !s.passed) ? "Not evaluated: a delegation step refused first." : "No policies are loaded."));
  }
  for (const p of policies) {
    const deciding = (r) => decision && decision.policy === p.policy && decision.rule === r.rule;
    parts.push(
      h("div", { class: `policy ${p.applies ? "applies" : "skipped"}` },
        h("h4", {}, policyLink(p.policy, null, onShow), h("span", { class: "tag" }, p.applies ? "applies" : "does not apply")),
        h("p", { class: "why" }, p.why),
        p.rules.length
          ? h("div", { class: "table-wrap" }, h("table", { class: "rules" },
            h("thead", {}, h("tr", {}, ...["Rule", "Effect", "Pattern matched", "Conditions", "Outcome"].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, ...p.rules.map((r) =>
              h("tr", { class: `${r.outcome}${deciding(r) ? " deciding" : ""}` },
                h("td", {}, policyLink(p.policy, r.rule, onShow, r.rule)),
                h("td", {}, h("span", { class: `effect ${r.effect}` }, r.effect)),
                h("td", {}, r.matchedPattern ? h("code", {}, r.matchedPattern) : h("span", { class: "muted" }, "none")),
                h("td", {}, r.conditions.length
                  ? h("ul", { class: "conditions" }, ...r.conditions.map((c) =>
                    h("li", { class: `c-${c.value}` }, h("span", { class: "mark" }, MARK[c.value] ?? ""), h("code", {}, c.key), ` ${c.value}`, c.detail ? h("span", { class: "detail" }, ` — ${c.detail}`) : "")))
                  : h("span", { class: "muted" }, "none")),
                h("td", {}, OUTCOME[r.outcome] ?? r.outcome, deciding(r) ? h("b", { class: "decides" }, " (decides)") : ""),
              )))))
          : null,
      ),
    );
  }
  return parts;
}

function policyLink(policy, rule, onShow, text = policy) {
  if (!onShow) return text;
  return h("button", { type: "button", class: "link", title: "Show in the editor", onclick: () => onShow(policy, rule) }, text);
}
