// The playground: wires the policy editor, the engine worker and the panels, and
// keeps the workspace (policies, agents, the check, tests, chain) in localStorage
// and in share links. Everything runs in this page; nothing is sent anywhere.

import { json, jsonParseLinter } from "@codemirror/lang-json";
import { linter } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { version as packageVersion } from "@meshguard/policy/package.json";
import { decodeWorkspace, normalizeWorkspace, shareUrl } from "@meshguard/policy/workspace";

import { setupAudit } from "./audit.js";
import { $, debounce, h, idle } from "./dom.js";
import { createPolicyEditor } from "./editor.js";
import { startEngine } from "./engine.js";
import { hitsOf, renderExplanation } from "./explain.js";
import { setupHandoffs } from "./handoffs.js";
import { defaultSample, samples } from "./samples.js";
import { setupTests } from "./tests.js";
import { zonedTime, zones } from "./time.js";

const STORAGE_KEY = "meshguard-playground";
const started = performance.now();

const app = {
  engine: startEngine(),
  /** The workspace's own fields besides policies and tests (agents, agent, chain, and any unknown ones, kept). */
  ws: { agents: {}, agent: { key: null, source: "fields" }, chain: [], extra: {} },
  /** Whether the policies in the editor loaded. */
  loaded: false,
  /** Rules hit since the page opened: `policy\0rule`. */
  coverage: new Set(),
  lastDecision: null,
};

// --- Notices --------------------------------------------------------------------

let noticeTimer;
app.notice = (text, kind = "info") => {
  const el = $("notice");
  clearTimeout(noticeTimer);
  if (kind === "info" && text) noticeTimer = setTimeout(() => app.notice(null), 8000);
  el.hidden = !text;
  el.className = `notice ${kind}`;
  el.textContent = text ?? "";
};

// --- Panels (tabs on the right) -------------------------------------------------

const panelTabs = [...$("panel-tabs").querySelectorAll('[role="tab"]')];
app.showPanel = (name) => {
  for (const tab of panelTabs) {
    const on = tab.id === `tab-${name}`;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !on;
  }
};
for (const tab of panelTabs) tab.addEventListener("click", () => app.showPanel(tab.id.slice(4)));
$("panel-tabs").addEventListener("keydown", (e) => {
  const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
  if (!step) return;
  e.preventDefault();
  const i = panelTabs.findIndex((t) => t.getAttribute("aria-selected") === "true");
  const next = panelTabs[(i + step + panelTabs.length) % panelTabs.length];
  app.showPanel(next.id.slice(4));
  next.focus();
});

// --- The policy editor and validation ------------------------------------------

let generation = 0;
const validate = debounce(() => app.validate(), 300);
app.editor = createPolicyEditor({
  parent: $("editor"),
  tabList: $("policy-tabs"),
  problems: $("problems"),
  onChange: () => {
    generation++;
    if (app.lastDecision) $("decision-stale").hidden = false;
    validate();
    app.changed();
  },
  onSelectTab: () => app.changed(),
});

/** Loads the editor's policies into the engine and shows what it says about them. */
app.validate = async () => {
  const mine = generation;
  const result = await app.engine.call("load", { policies: app.editor.policies(), mode: $("mode").value });
  if (mine !== generation) return; // the text changed meanwhile; a newer load follows
  app.loaded = result.ok;
  app.validated = mine;
  app.editor.setDiagnostics([...result.errors, ...result.warnings]);
  if (result.restarted) app.audit.restarted($("mode").value);
  app.editor.setCoverage(app.coverage);
  app.renderCoverage();
  if (result.ok) app.handoffs.refresh();
  return result;
};

$("add-policy").addEventListener("click", () => {
  const names = new Set(app.editor.names());
  let n = app.editor.names().length + 1;
  while (names.has(`policy-${n}.yaml`)) n++;
  app.editor.addTab(`policy-${n}.yaml`, `name: policy-${n}\nrules:\n  - effect: allow\n    actions: ["read:*"]\ndefaultEffect: deny\n`);
});
$("rename-policy").addEventListener("click", () => {
  const current = app.editor.names()[app.editor.active];
  const name = prompt("Name of this policy document", current)?.trim();
  if (!name || name === current) return;
  if (app.editor.names().includes(name)) return app.notice(`There is already a document named ${name}.`, "error");
  app.editor.renameTab(name);
});
$("remove-policy").addEventListener("click", () => {
  if (!app.editor.removeTab()) app.notice("A workspace keeps at least one policy document.", "error");
});

/** Where a policy's rule is written: `{tab, from, to}`; special rules point at their setting. */
app.findRule = (policy, rule) => {
  for (const { tab, policies } of app.editor.outlines()) {
    const p = policies.find((x) => x.name === policy);
    if (!p) continue;
    const r = p.rules.find((x) => x.name === rule);
    if (r) return { tab, from: r.from, to: r.to };
    const setting = { permissionCeiling: p.ceiling, maxDepth: p.maxDepth, defaultEffect: p.defaultEffect }[rule];
    return setting ? { tab, ...setting } : { tab, from: p.from, to: p.from };
  }
  return null;
};

app.showRule = (policy, rule) => {
  const place = app.findRule(policy, rule);
  if (!place) return;
  app.editor.select(place.tab);
  app.editor.highlight(place);
  app.editor.view.dispatch({ selection: { anchor: place.from }, scrollIntoView: true });
};

// --- Coverage --------------------------------------------------------------------

app.addHits = (keys) => {
  for (const k of keys) app.coverage.add(k);
  app.editor.setCoverage(app.coverage);
  app.renderCoverage();
};

let coverageJob = 0;
app.renderCoverage = () => {
  const job = ++coverageJob;
  idle(() => job === coverageJob && renderCoverageNow());
};

function renderCoverageNow() {
  const policies = app.editor.outlines().flatMap((o) => o.policies.filter((p) => p.name && p.rules.length));
  const items = policies.map((p) => {
    const hit = p.rules.filter((r) => app.coverage.has(`${p.name}\u0000${r.name}`)).length;
    const pct = Math.round((100 * hit) / p.rules.length);
    return h("li", {}, h("b", {}, p.name), ` ${hit}/${p.rules.length} rules hit (${pct}%)`, h("span", { class: "bar", "aria-hidden": "true" }, h("span", { style: `width:${pct}%` })));
  });
  $("coverage").replaceChildren(h("span", { class: "label" }, "Coverage since the page opened:"), h("ul", {}, ...items));
}

// --- Agents ------------------------------------------------------------------------

const tiers = ["untrusted", "basic", "verified", "trusted", "privileged"];
const identity = () => document.querySelector('input[name="identity"]:checked').value;

/** The agent behind a key, as the engine takes it. */
app.agentOf = (key) => {
  const a = app.ws.agents[key];
  if (!a) return null;
  const out = { id: a.id, name: a.name || a.id, trustTier: a.trustTier || "untrusted", tags: a.tags ?? [] };
  if (a.orgId) out.orgId = a.orgId;
  return out;
};

app.renderAgents = () => {
  const select = $("agent-select");
  select.replaceChildren(...Object.entries(app.ws.agents).map(([key, a]) => h("option", { value: key }, `${a.name || a.id} (${a.id})`)));
  if (!(app.ws.agent.key in app.ws.agents)) app.ws.agent.key = Object.keys(app.ws.agents)[0] ?? null;
  select.value = app.ws.agent.key ?? "";
  const a = app.ws.agents[app.ws.agent.key] ?? {};
  $("agent-id").value = a.id ?? "";
  $("agent-name").value = a.name ?? "";
  $("agent-tier").value = tiers.includes(a.trustTier) ? a.trustTier : "untrusted";
  $("agent-tags").value = (a.tags ?? []).join(", ");
  $("agent-org").value = a.orgId ?? "";
  for (const r of document.querySelectorAll('input[name="identity"]')) r.checked = r.value === (app.ws.agent.source ?? "fields");
  $("agent-fields").hidden = app.ws.agent.source === "token";
  $("agent-token").hidden = app.ws.agent.source !== "token";
  if (app.ws.agent.source === "token") $("agent-details").open = true;
  renderAgentSummary();
  $("token").value = app.ws.agent.token ?? "";
  $("token-key-type").value = app.ws.agent.keyType ?? "secret";
  $("token-key").value = app.ws.agent.keyValue ?? "";
  app.renderChainNote();
};

/** The closed details' summary: who acts. */
function renderAgentSummary() {
  const a = app.agentOf(app.ws.agent.key);
  $("agent-summary").textContent = app.ws.agent.source === "token"
    ? "Signed agent token (verified by the package on each check)"
    : a ? `${a.name} · ${a.trustTier}${a.tags.length ? ` · tags ${a.tags.join(", ")}` : ""}${a.orgId ? ` · org ${a.orgId}` : ""} (edit)` : "Agent details";
}

function agentEdited() {
  const key = app.ws.agent.key;
  if (!key) return;
  const a = { id: $("agent-id").value.trim(), name: $("agent-name").value.trim(), trustTier: $("agent-tier").value, tags: $("agent-tags").value.split(",").map((t) => t.trim()).filter(Boolean) };
  const org = $("agent-org").value.trim();
  if (org) a.orgId = org;
  app.ws.agents[key] = a;
  const option = $("agent-select").selectedOptions[0];
  if (option) option.textContent = `${a.name || a.id} (${a.id})`;
  renderAgentSummary();
  app.tests.agentsChanged();
  app.handoffs.refresh();
  app.changed();
}
for (const id of ["agent-id", "agent-name", "agent-tags", "agent-org"]) $(id).addEventListener("input", debounce(agentEdited, 250));
$("agent-tier").addEventListener("change", agentEdited);
$("agent-select").addEventListener("change", () => {
  app.ws.agent.key = $("agent-select").value;
  app.renderAgents();
  app.changed();
});
$("agent-new").addEventListener("click", () => {
  let n = 1;
  while (`agent${n}` in app.ws.agents) n++;
  app.ws.agents[`agent${n}`] = { id: `agent_${n}`, name: `Agent ${n}`, trustTier: "basic", tags: [] };
  app.ws.agent.key = `agent${n}`;
  app.renderAgents();
  app.handoffs.refresh();
  app.changed();
  $("agent-details").open = true;
  $("agent-id").focus();
});
$("agent-remove").addEventListener("click", () => {
  if (Object.keys(app.ws.agents).length < 2) return app.notice("A workspace keeps at least one agent.", "error");
  delete app.ws.agents[app.ws.agent.key];
  app.ws.chain = app.ws.chain.filter((k) => k in app.ws.agents);
  app.ws.agent.key = null;
  app.renderAgents();
  app.handoffs.refresh();
  app.changed();
});
for (const r of document.querySelectorAll('input[name="identity"]')) {
  r.addEventListener("change", () => {
    app.ws.agent.source = identity();
    app.renderAgents();
    app.changed();
  });
}
for (const [id, field] of [["token", "token"], ["token-key-type", "keyType"], ["token-key", "keyValue"]]) {
  $(id).addEventListener("input", () => {
    app.ws.agent[field] = $(id).value;
    app.changed();
  });
}

/** The token's agent, or null after showing why the package refused it. */
async function tokenAgent() {
  const result = await app.engine.call("verifyToken", { token: $("token").value.trim(), keyType: $("token-key-type").value, key: $("token-key").value });
  const out = $("token-result");
  if (result.ok) {
    const a = result.agent;
    out.className = "wide result ok";
    out.textContent = `Verified: ${a.name} (${a.id}), ${a.trustTier}${a.tags.length ? `, tags ${a.tags.join(", ")}` : ""}`;
    return a;
  }
  out.className = "wide result error";
  out.replaceChildren("Refused: ", h("code", { class: "code" }, result.code), ` ${result.message}`);
  return null;
}
$("token-verify").addEventListener("click", tokenAgent);
$("token-sign").addEventListener("click", async () => {
  const agent = app.agentOf(app.ws.agent.key);
  const result = await app.engine.call("signToken", { agent, secret: $("token-key").value });
  if (!result.ok) {
    $("token-result").className = "wide result error";
    $("token-result").replaceChildren("Cannot sign: ", h("code", { class: "code" }, result.code), ` ${result.message}`);
    return;
  }
  $("token-key-type").value = "secret";
  $("token").value = result.token;
  Object.assign(app.ws.agent, { token: result.token, keyType: "secret", keyValue: $("token-key").value });
  app.changed();
  await tokenAgent();
});

/** The acting agent: the selected one, or the token's. */
async function actingAgent() {
  if (app.ws.agent.source === "token") return tokenAgent();
  return app.agentOf(app.ws.agent.key);
}

/** The delegators above `agent` when it is the last agent of the workspace's chain. */
app.chainAbove = (agent) => {
  const chain = app.ws.chain.map(app.agentOf).filter(Boolean);
  return chain.length > 1 && chain.at(-1).id === agent?.id ? chain.slice(0, -1) : [];
};

app.renderChainNote = () => {
  const note = $("chain-note");
  const chain = app.ws.chain.map(app.agentOf).filter(Boolean);
  note.hidden = chain.length < 2;
  if (note.hidden) return;
  const names = chain.map((a) => a.name).join(" → ");
  const last = chain.at(-1);
  const acting = app.ws.agent.source === "token" ? null : app.agentOf(app.ws.agent.key);
  note.replaceChildren(
    acting?.id === last.id ? `Acting under the chain ${names}: each check must fall inside every delegator's ceiling. ` : `The chain ${names} applies when ${last.name} acts. `,
    h("button", { type: "button", class: "small", onclick: () => app.handoffs.clear() }, "Clear chain"),
  );
};

// --- The check --------------------------------------------------------------------

const zoneSelect = $("zone");
zoneSelect.replaceChildren(...zones().map((z) => h("option", {}, z)));

const contextView = new EditorView({
  parent: $("context"),
  state: EditorState.create({
    doc: "{}",
    extensions: [
      json(),
      linter(jsonParseLinter(), { delay: 200 }),
      keymap.of([{ key: "Mod-Enter", run: () => (app.check(), true) }]),
      EditorView.contentAttributes.of({ "aria-label": "Context", "aria-describedby": "context-error" }),
      EditorView.updateListener.of((u) => u.docChanged && app.changed()),
    ],
  }),
});

/** The check form as the workspace keeps it. */
function checkForm() {
  return {
    action: $("action").value,
    resource: $("resource").value,
    context: contextView.state.doc.toString(),
    clock: $("use-clock").checked,
    date: $("date").value,
    time: $("time").value,
    zone: zoneSelect.value,
    mode: $("mode").value,
  };
}

function setCheckForm(c = {}) {
  $("action").value = c.action ?? "";
  $("resource").value = c.resource ?? "";
  contextView.dispatch({ changes: { from: 0, to: contextView.state.doc.length, insert: c.context ?? "{}" } });
  $("use-clock").checked = Boolean(c.clock);
  $("date").value = c.date ?? "2026-11-26";
  $("time").value = c.time ?? "10:00";
  zoneSelect.value = zones().includes(c.zone) ? c.zone : "UTC";
  $("mode").value = ["enforce", "audit", "bypass"].includes(c.mode) ? c.mode : "enforce";
  syncClock();
}

function syncClock() {
  for (const id of ["date", "time", "zone"]) $(id).disabled = $("use-clock").checked;
}
$("use-clock").addEventListener("change", () => (syncClock(), app.changed()));
for (const id of ["action", "resource", "date", "time", "zone"]) $(id).addEventListener("input", () => app.changed());
$("mode").addEventListener("change", () => {
  app.changed();
  app.validate();
});

/** The check's time (RFC 3339), or undefined for the clock. */
app.now = () => {
  const f = checkForm();
  return f.clock || !f.date || !f.time ? undefined : zonedTime(f.date, f.time, f.zone);
};

/** The context as an object, or null after saying what is wrong with it. */
function context() {
  const text = contextView.state.doc.toString().trim() || "{}";
  try {
    const value = JSON.parse(text);
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error("the context must be a JSON object");
    $("context-error").textContent = "";
    return value;
  } catch (e) {
    $("context-error").textContent = `Context: ${e.message}`;
    return null;
  }
}

function showDecision(decision, explanation) {
  $("decision-stale").hidden = true;
  const line = $("decision");
  line.className = `decision-line ${decision.decision}`;
  line.replaceChildren(
    h("span", { class: `verdict ${decision.decision}` }, decision.decision.replace("_", " ")),
    h("span", { class: "what" }, ` ${decision.action} by ${decision.agentId}`),
    h("span", { class: "facts" },
      h("span", {}, "policy ", h("b", {}, decision.policy ?? "none")),
      h("span", {}, "rule ", h("b", {}, decision.rule ?? "none")),
      decision.mode !== "enforce" ? h("span", {}, `mode ${decision.mode}, allowed ${decision.allowed}`) : null),
    h("span", { class: "reason" }, decision.reason),
  );
  $("explanation").replaceChildren(...renderExplanation(decision, explanation, app.showRule));
  const place = decision.policy && decision.rule ? app.findRule(decision.policy, decision.rule) : null;
  app.editor.highlight(place);
}

function refuse(text) {
  $("decision-stale").hidden = true;
  const line = $("decision");
  line.className = "decision-line refused";
  line.textContent = text;
  $("explanation").replaceChildren();
  app.editor.highlight(null);
}

/** Runs the check in the form: the decision, its explanation, the trail, coverage. */
app.check = async ({ reveal = true } = {}) => {
  const action = $("action").value.trim();
  if (!action) return refuse("Enter an action to check (for example write:refund).");
  const ctx = context();
  if (!ctx) return refuse("Fix the context first: it must be a JSON object.");
  if (app.validated !== generation) await app.validate();
  if (!app.loaded) return refuse("The policies have errors: fix them (see Problems), then check again.");
  const agent = await actingAgent();
  if (!agent) return refuse("The agent token was refused; see the Agent section.");
  const options = { agent, context: ctx, chain: app.chainAbove(agent) };
  const resource = $("resource").value;
  if (resource) options.resource = resource;
  let now;
  try {
    now = app.now();
  } catch (e) {
    return refuse(e.message);
  }
  if (now) options.now = now;
  try {
    const { decision, explanation, trail } = await app.engine.call("check", { action, options });
    app.lastDecision = decision;
    showDecision(decision, explanation);
    if (reveal) $("decision").scrollIntoView({ block: "nearest" });
    app.addHits(hitsOf(explanation));
    app.audit.render(trail);
    if (!app.firstDecision) {
      app.firstDecision = performance.now() - started;
      performance.mark("first-decision");
    }
  } catch (e) {
    refuse(`The check was refused: ${e.message}`);
  }
};
$("check").addEventListener("click", () => app.check());
$("panel-check").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    app.check();
  }
});
$("action").addEventListener("keydown", (e) => {
  if (e.key === "Enter") app.check();
});

// --- The workspace: samples, storage, share links -----------------------------------

app.workspace = () => ({
  ...app.ws.extra,
  policies: app.editor.policies(),
  activePolicy: app.editor.active,
  tests: app.tests.text(),
  agents: app.ws.agents,
  agent: app.ws.agent,
  checks: [checkForm()],
  chain: app.ws.chain,
});

function saveNow() {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(app.workspace()));
  } catch {
    // Storage full or off: the workspace lives on in the page and in share links.
  }
}
const save = debounce(() => idle(saveNow), 400);
addEventListener("pagehide", saveNow);
app.changed = () => {
  save();
  $("share-link").hidden = true;
};

/** Replaces the workspace; a malformed one throws before anything changes. */
async function open(workspace) {
  const ws = normalizeWorkspace(workspace);
  const { policies, tests, agents, agent, checks, chain, activePolicy, ...extra } = ws;
  app.ws = {
    agents: agents && typeof agents === "object" && !Array.isArray(agents) ? structuredClone(agents) : {},
    agent: { key: null, source: "fields", ...(agent ?? {}) },
    chain: (chain ?? []).filter((k) => typeof k === "string"),
    extra,
  };
  if (Object.keys(app.ws.agents).length === 0) app.ws.agents.agent = { id: "agent", name: "Agent", trustTier: "basic", tags: [] };
  generation++;
  app.editor.setPolicies(policies, activePolicy ?? 0);
  setCheckForm(checks?.[0]);
  app.renderAgents();
  const testsRead = app.tests.setText(tests ?? "cases: []\n");
  await app.validate();
  await app.check({ reveal: false });
  await testsRead;
}

const sampleSelect = $("sample");
for (const [key, s] of Object.entries(samples)) sampleSelect.append(h("option", { value: key }, s.title));
sampleSelect.addEventListener("change", async () => {
  const s = samples[sampleSelect.value];
  if (!s) return;
  await open(structuredClone(s.workspace));
  app.notice(`Opened the sample “${s.title}”.`);
  app.changed();
  sampleSelect.value = "";
});

$("share").addEventListener("click", async () => {
  const base = location.href.split("#")[0];
  const url = await shareUrl(base, app.workspace());
  history.replaceState(null, "", url);
  const field = $("share-link");
  field.value = url;
  field.hidden = false;
  field.select();
  let copied = false;
  try {
    await navigator.clipboard.writeText(url);
    copied = true;
  } catch {
    // No clipboard permission: the link is selected in the field instead.
  }
  app.notice(copied ? "The share link is copied, and in the address bar." : "The share link is in the address bar and the field, selected.");
});

/** Opens the workspace of the link, else the one kept in this browser, else a sample. */
async function boot() {
  if (location.hash.includes("w=")) {
    try {
      const { workspace, version, sameVersion } = await decodeWorkspace(location.hash);
      await open(workspace);
      if (!sameVersion) app.notice(`This link was made with @meshguard/policy ${version}; this playground runs ${packageVersion}. Decisions may differ.`, "warning");
      app.changed();
      return;
    } catch (e) {
      app.notice(`This link could not be opened: ${e.message}`, "error");
    }
  }
  let stored = null;
  try {
    stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null");
  } catch {
    stored = null;
  }
  if (stored) {
    try {
      await open(stored);
      return;
    } catch (e) {
      app.notice(`The workspace kept in this browser could not be opened (${e.message}); here is a sample instead.`, "error");
    }
  }
  await open(structuredClone(samples[defaultSample].workspace));
}

app.audit = setupAudit(app);
app.tests = setupTests(app);
app.handoffs = setupHandoffs(app);
window.playground = app; // for the browser tests and the curious
app.engine.ready.catch((e) => app.notice(`The policy engine could not start: ${e.message}. Reload the page to try again.`, "error"));
boot();
