// The audit trail: the package's hash-chained trail of every simulated decision, its
// JSON Lines export, and verification of a pasted trail down to the first bad line.

import { $, download, h } from "./dom.js";

export function setupAudit(app) {
  const body = $("audit-table").tBodies[0];
  let note = "";

  function render({ entries, stats }) {
    body.replaceChildren(
      ...entries.map((e) =>
        h("tr", { class: e.decision },
          h("td", {}, String(e.seq)),
          h("td", {}, h("span", { class: `effect ${e.decision}` }, e.decision.replace("_", " "))),
          h("td", {}, h("code", {}, e.action)),
          h("td", {}, e.agentName || e.agentId),
          h("td", {}, h("code", { title: e.hash }, e.hash.slice(0, 12))))),
    );
    if (entries.length === 0) body.replaceChildren(h("tr", {}, h("td", { colspan: "5", class: "muted" }, "No decisions yet.")));
    $("audit-summary").textContent = `${stats.total} entr${stats.total === 1 ? "y" : "ies"}: ${stats.allowed} allowed, ${stats.denied} denied, ${stats.approvalRequired} awaiting approval.${note}`;
  }

  $("export-audit").addEventListener("click", async () => {
    download("meshguard-audit.jsonl", await app.engine.call("exportAudit"), "application/jsonl");
  });

  $("verify-audit").addEventListener("click", async () => {
    const box = $("audit-paste");
    const verdict = $("audit-verdict");
    const text = box.value;
    if (!text.trim()) {
      verdict.className = "result error";
      verdict.textContent = "Paste a trail (JSON Lines, as Export JSON Lines writes it) first.";
      return;
    }
    const r = await app.engine.call("verifyAudit", { text });
    if (r.ok) {
      verdict.className = "result ok";
      verdict.textContent = `Verified: ${r.entries} entr${r.entries === 1 ? "y" : "ies"}, the hash chain is intact.`;
      return;
    }
    verdict.className = "result error";
    const lines = text.split("\n");
    const line = r.firstBadLine ?? 1;
    verdict.replaceChildren(
      h("b", {}, `Broken at line ${line}`), r.firstBadSeq != null ? ` (seq ${r.firstBadSeq})` : "", `: ${r.kind} — ${r.problem}`,
      h("pre", { class: "bad-line" }, (lines[line - 1] ?? "").slice(0, 300)),
    );
    // Select the bad line in the box.
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    box.focus();
    box.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
    box.scrollLeft = 0;
  });

  return {
    render,
    async refresh() {
      render(await app.engine.call("trail"));
    },
    /** The engine restarted for another mode: its trail starts anew. */
    restarted(mode) {
      note = ` A new trail started when the mode changed to ${mode}.`;
      this.refresh();
    },
  };
}
