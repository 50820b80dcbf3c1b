// The test table: cases with expected outcomes, kept as a conformance vector file
// (the format the package's runConformance reads). Runs use the editor's policies and
// the workspace's agents; each row shows pass or fail with the reason.

import { $, download, h } from "./dom.js";
import { hitsOf } from "./explain.js";
import { fromFile, toYaml } from "./vectors.js";

const DECISIONS = ["allow", "deny", "require_approval"];

export function setupTests(app) {
  /** The file's text as given (kept exactly until the table is edited). */
  let text = "cases: []\n";
  /** The rows, once the package has read the text. */
  let model = null;
  let results = null;
  /** Policies of an imported file, offered to the editor. */
  let importedPolicies = [];

  const summary = $("tests-summary");
  const yamlBox = $("tests-yaml");

  async function setText(next, { merge = true } = {}) {
    const read = await app.engine.call("readTests", { text: next });
    if (!read.ok) {
      $("tests-yaml-error").textContent = read.message;
      text = next;
      model = null;
      render();
      return false;
    }
    $("tests-yaml-error").textContent = "";
    const { model: rows, agents } = fromFile(read.file, app.ws.agents);
    if (merge && Object.keys(agents).length !== Object.keys(app.ws.agents).length) {
      app.ws.agents = agents;
      app.renderAgents();
      app.handoffs.refresh();
    }
    text = next;
    model = rows;
    importedPolicies = read.file.policies;
    results = null;
    render();
    return true;
  }

  /** The table edited: the text follows. */
  function edited() {
    text = toYaml(model, app.ws.agents);
    results = null;
    render();
    app.changed();
  }

  const who = (c) => {
    const name = (k) => app.agentOf(k)?.name ?? `${k} (unknown)`;
    const chain = c.chain?.length ? ` under ${c.chain.map(name).join(" → ")}` : "";
    return c.handoff ? `${name(c.handoff.from)} → ${name(c.handoff.to)}${chain}` : `${name(c.agent)}${chain}`;
  };

  function render() {
    yamlBox.value = text;
    const body = $("tests-table").tBodies[0];
    if (!model) {
      body.replaceChildren(h("tr", {}, h("td", { colspan: "4", class: "muted" }, "The tests' YAML has an error; see Edit as YAML.")));
      summary.textContent = "";
      return;
    }
    const rows = model.cases.map((c, i) => {
      const r = results?.[i];
      const details = [c.resource ? `resource ${c.resource}` : "", c.context ? `context ${JSON.stringify(c.context)}` : "", c.now ? `at ${c.now}` : ""].filter(Boolean).join(" · ");
      const expected = h("select", { "aria-label": `Expected decision for ${c.name}`, onchange: (e) => {
        c.expect.decision = e.target.value;
        edited();
      } }, ...DECISIONS.map((d) => h("option", { value: d, selected: d === c.expect.decision }, d)));
      const extra = ["policy", "rule", "reasonContains", "allowed"].filter((k) => c.expect[k] !== undefined).map((k) => `${k} ${c.expect[k]}`).join(", ");
      const what = c.handoff ? "hands off" : h("code", {}, c.action);
      return h("tr", { class: r ? (r.failure ? "fail" : "pass") : "" },
        h("th", { scope: "row" }, c.name, h("div", { class: "detail" }, who(c), ": ", what, details ? ` · ${details}` : "")),
        h("td", {}, expected, extra ? h("div", { class: "detail" }, extra) : null),
        h("td", { class: "result" }, r ? resultCell(r) : h("span", { class: "muted" }, "not run")),
        h("td", {}, h("button", { type: "button", class: "small", "aria-label": `Remove case ${c.name}`, onclick: () => {
          model.cases.splice(i, 1);
          edited();
        } }, "✕")),
      );
    });
    const invalid = model.invalid.map((d, j) => {
      const r = results?.[model.cases.length + j];
      return h("tr", { class: r ? (r.failure ? "fail" : "pass") : "" },
        h("th", { scope: "row" }, d.name, h("div", { class: "detail" }, "a document that must be refused")),
        h("td", {}, "refused"), h("td", { class: "result" }, r ? resultCell(r) : h("span", { class: "muted" }, "not run")), h("td", {}));
    });
    body.replaceChildren(...rows, ...invalid);
    if (rows.length + invalid.length === 0) body.replaceChildren(h("tr", {}, h("td", { colspan: "4", class: "muted" }, "No cases yet: run a check, then Add the current check.")));
    if (results) {
      const failed = results.filter((r) => r.failure).length;
      summary.className = `summary ${failed ? "fail" : "pass"}`;
      summary.textContent = `${results.length - failed} passed, ${failed} failed`;
    } else {
      summary.className = "summary";
      summary.textContent = `${model.cases.length + model.invalid.length} case${model.cases.length + model.invalid.length === 1 ? "" : "s"}`;
    }
    if (importedPolicies.length && !summary.querySelector("button")) {
      summary.append(" · ", h("button", { type: "button", class: "small", onclick: openImportedPolicies }, `Open the file's ${importedPolicies.length} polic${importedPolicies.length === 1 ? "y" : "ies"} in the editor`));
    }
  }

  function resultCell(r) {
    const got = r.decision ? `${r.decision.decision}${r.decision.rule ? ` (${r.decision.rule})` : ""}` : "";
    if (!r.failure) return h("span", { class: "pass" }, h("span", { class: "mark", "aria-hidden": "true" }, "✓ "), "pass", got ? h("span", { class: "detail" }, ` ${got}`) : "");
    return h("span", { class: "fail" }, h("span", { class: "mark", "aria-hidden": "true" }, "✗ "), "fail: ", r.failure);
  }

  function openImportedPolicies() {
    const names = new Set(app.editor.names());
    for (const [i, p] of importedPolicies.entries()) {
      let name = `tests-policy-${i + 1}.yaml`;
      for (let n = 2; names.has(name); n++) name = `tests-policy-${i + 1}-${n}.yaml`;
      names.add(name);
      app.editor.addTab(name, p);
    }
    importedPolicies = [];
    render();
  }

  async function run() {
    if (!model) return;
    const file = toYaml(model, app.ws.agents, app.editor.policies());
    const out = await app.engine.call("runTests", { text: file });
    if (!out.ok) {
      summary.className = "summary fail";
      summary.textContent = `The tests could not run: ${out.message}`;
      return;
    }
    results = out.report.results;
    if (results.length === 1 && results[0].name === "policies load" && model.cases.length + model.invalid.length !== 1) {
      summary.className = "summary fail";
      summary.textContent = `The policies do not load: ${results[0].failure}`;
      results = null;
      return;
    }
    app.addHits(results.flatMap((r) => hitsOf(r.explanation)));
    render();
  }

  $("run-tests").addEventListener("click", run);
  $("add-test").addEventListener("click", () => {
    if (!model) return;
    const d = app.lastDecision;
    const form = app.workspace().checks[0];
    const key = app.ws.agent.key;
    const c = { name: `${form.action} by ${app.agentOf(key)?.name ?? key}${d ? ` is ${d.decision}` : ""}`, agent: key, action: form.action };
    if (form.resource) c.resource = form.resource;
    try {
      const ctx = JSON.parse(form.context || "{}");
      if (Object.keys(ctx).length) c.context = ctx;
    } catch {
      // An invalid context is not added; the check form says what is wrong with it.
    }
    const now = app.now();
    if (now) c.now = now;
    const agent = app.agentOf(key);
    const above = app.chainAbove(agent);
    if (above.length) c.chain = app.ws.chain.slice(0, -1);
    c.expect = { decision: d?.decision ?? "allow" };
    if (d?.rule) c.expect.rule = d.rule;
    model.cases.push(c);
    edited();
  });
  $("export-tests").addEventListener("click", () => {
    if (model) download("meshguard-tests.yaml", toYaml(model, app.ws.agents, app.editor.policies()), "text/yaml");
  });
  $("import-tests").addEventListener("change", async (e) => {
    const file = e.target.files?.[0];
    if (!file) return;
    const ok = await setText(await file.text());
    e.target.value = "";
    if (ok) {
      app.notice(`Imported ${file.name}.${importedPolicies.length ? " Its policies are not loaded: use the button in the Tests panel to open them." : ""}`);
      app.changed();
    } else {
      app.notice(`${file.name} is not a vector file the package can read; see Edit as YAML.`, "error");
    }
  });
  $("tests-yaml-apply").addEventListener("click", async () => {
    if (await setText(yamlBox.value)) app.changed();
  });

  return {
    setText,
    text: () => text,
    /** Agents were edited: the file names them by key, so its text follows. */
    agentsChanged() {
      if (model) text = toYaml(model, app.ws.agents);
      render();
    },
    run,
  };
}
