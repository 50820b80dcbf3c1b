// The handoff graph: the workspace's agents as an SVG graph with an edge for every
// handoff a policy names, coloured by the engine's decision from the current chain.
// Clicking along a path builds the chain; each hop shows its depth, the delegator's
// maxDepth and the ceilings in force; refusals are explained in words.

import { $, debounce, h } from "./dom.js";

const NODE_W = 142;
const NODE_H = 42;
const GAP_X = 36;
const GAP_Y = 24;
/** Room above the nodes for edges that skip a column. */
const TOP = 44;

/** Columns by longest path from the agents nothing hands off to (cycles cut). */
function layers(keys, edges) {
  const layer = Object.fromEntries(keys.map((k) => [k, 0]));
  for (let round = 0; round < keys.length; round++) {
    let moved = false;
    for (const e of edges) {
      if (e.from in layer && e.to in layer && layer[e.to] < layer[e.from] + 1 && layer[e.from] + 1 < keys.length) {
        layer[e.to] = layer[e.from] + 1;
        moved = true;
      }
    }
    if (!moved) break;
  }
  return layer;
}

export function setupHandoffs(app) {
  let edges = [];
  let hops = [];
  const result = $("handoff-result");

  const chainAgents = () => app.ws.chain.map(app.agentOf).filter(Boolean);
  const keyOfId = (id) => Object.keys(app.ws.agents).find((k) => app.ws.agents[k].id === id);

  function render() {
    const keys = Object.keys(app.ws.agents);
    const byKey = (k) => app.agentOf(k);
    const keyed = edges.map((e) => ({ ...e, from: keyOfId(e.from), to: keyOfId(e.to) })).filter((e) => e.from && e.to);
    const layer = layers(keys, keyed);
    const columns = [];
    for (const k of keys) (columns[layer[k]] ??= []).push(k);
    const pos = {};
    columns.forEach((col, x) => col.forEach((k, y) => (pos[k] = { x: 10 + x * (NODE_W + GAP_X), y: TOP + y * (NODE_H + GAP_Y) })));
    const width = 20 + columns.length * (NODE_W + GAP_X) - GAP_X;
    const height = TOP + 10 + Math.max(1, ...columns.map((c) => c.length)) * (NODE_H + GAP_Y) - GAP_Y;
    const chain = app.ws.chain;
    const onChain = (from, to) => chain.some((k, i) => k === from && chain[i + 1] === to);

    const markers = ["allow", "deny", "require_approval"].map((d) =>
      h("svg:marker", { id: `arrow-${d}`, viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "10", markerHeight: "10", markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" },
        h("svg:path", { d: "M0,0 L10,5 L0,10 z", class: `arrowhead ${d}` })));

    const paths = keyed.map((e) => {
      const a = pos[e.from];
      const b = pos[e.to];
      const span = layer[e.to] - layer[e.from];
      let d;
      if (span === 1) {
        // The next column: a gentle S from side to side.
        const [x1, y1, x2, y2] = [a.x + NODE_W, a.y + NODE_H / 2, b.x, b.y + NODE_H / 2];
        d = `M${x1},${y1} C${x1 + GAP_X / 2},${y1} ${x2 - GAP_X / 2},${y2} ${x2},${y2}`;
      } else {
        // Skipping columns, or going back: an arc over the top of the nodes.
        const [x1, y1, x2, y2] = [a.x + NODE_W * 0.7, a.y, b.x + NODE_W * (span > 0 ? 0.3 : 0.7), b.y];
        const lift = Math.min(a.y, b.y) - TOP + 8 + Math.abs(span) * 4;
        d = `M${x1},${y1} C${x1},${y1 - lift} ${x2},${y2 - lift} ${x2},${y2}`;
      }
      const label = `${byKey(e.from).name} → ${byKey(e.to).name}: ${e.decision.replace("_", " ")}${e.rule ? ` (${e.rule})` : ""}. ${e.reason}`;
      return h("svg:path", { d, class: `edge ${e.decision}${onChain(e.from, e.to) ? " on-chain" : ""}`, "marker-end": `url(#arrow-${e.decision})`, "data-from": e.from, "data-to": e.to, "data-decision": e.decision },
        h("svg:title", {}, label));
    });

    const nodes = keys.map((k) => {
      const a = byKey(k);
      const p = pos[k];
      const at = chain.indexOf(k);
      const label = `${a.name} (${a.id})${at >= 0 ? `, on the chain at position ${at + 1}` : ""}`;
      return h("svg:g", { class: `node${at >= 0 ? " on-chain" : ""}${at === chain.length - 1 && at >= 0 ? " last" : ""}`, role: "button", tabindex: "0", "aria-label": label, "data-key": k, transform: `translate(${p.x},${p.y})`,
        onclick: () => step(k),
        onkeydown: (ev) => {
          if (ev.key === "Enter" || ev.key === " ") {
            ev.preventDefault();
            step(k);
          }
        } },
      h("svg:rect", { width: NODE_W, height: NODE_H, rx: "8" }),
      at >= 0 ? h("svg:text", { x: NODE_W - 8, y: 14, class: "badge", "text-anchor": "end" }, String(at + 1)) : null,
      h("svg:text", { x: 9, y: 18, class: "name" }, a.name.length > 19 ? `${a.name.slice(0, 18)}…` : a.name),
      h("svg:text", { x: 9, y: 33, class: "id" }, a.id.length > 20 ? `${a.id.slice(0, 19)}…` : a.id));
    });

    $("graph").replaceChildren(
      h("svg:svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "group", "aria-label": "Agents and handoffs" }, h("svg:defs", {}, ...markers), ...paths, ...nodes),
      keyed.length
        ? h("ul", { class: "edge-list", "aria-label": "Handoffs" }, ...keyed.map((e) =>
          h("li", { class: e.decision }, h("span", { class: `swatch ${e.decision}` }), `${byKey(e.from).name} → ${byKey(e.to).name}: `, h("b", {}, e.decision.replace("_", " ")), e.rule ? ` (${e.rule})` : "")))
        : h("p", { class: "muted" }, "No policy names a handoff between these agents (rules with actions handoff:<agent name>)."),
    );
    renderChain();
  }

  /** The ceilings in force below the delegators `above`: `[{delegator, policy, text}]`. */
  function ceilingsOf(delegatorPolicies) {
    const out = [];
    for (const { delegator, policies } of delegatorPolicies) {
      for (const name of policies) {
        const place = app.findRule(name, "permissionCeiling");
        const outline = app.editor.outlines().flatMap((o) => o.policies).find((p) => p.name === name);
        if (outline?.ceiling && place) out.push({ delegator, policy: name, text: outline.ceiling.text });
      }
    }
    return out;
  }

  function maxDepthOf(policies) {
    const outlines = app.editor.outlines().flatMap((o) => o.policies);
    return policies.map((name) => ({ name, text: outlines.find((p) => p.name === name)?.maxDepth?.text })).filter((p) => p.text);
  }

  function renderChain() {
    const chain = chainAgents();
    const list = $("chain");
    if (chain.length === 0) {
      list.replaceChildren(h("li", { class: "muted" }, "No chain yet: click an agent to start one."));
      return;
    }
    const delegators = [];
    list.replaceChildren(
      h("li", {}, h("b", {}, chain[0].name), " starts the chain (depth 0)."),
      ...hops.map((hop, i) => {
        const from = chain[i];
        const to = chain[i + 1];
        delegators.push({ delegator: from.name, policies: hop.policies });
        const ceilings = ceilingsOf(delegators);
        const depths = maxDepthOf(hop.policies);
        return h("li", { class: hop.decision },
          h("div", {}, h("b", {}, `${from.name} → ${to.name}`), ": ", h("span", { class: `effect ${hop.decision}` }, hop.decision.replace("_", " ")), hop.rule ? ` (${hop.rule})` : ""),
          h("dl", { class: "hop" },
            h("dt", {}, "depth"), h("dd", {}, `${i + 1} hop${i ? "s" : ""} from ${chain[0].name}`),
            h("dt", {}, `maxDepth of ${from.name}`), h("dd", {}, depths.length ? depths.map((d) => `${d.text} (${d.name})`).join(", ") : "none set"),
            h("dt", {}, "ceiling in force"), h("dd", {}, ceilings.length ? h("ul", {}, ...ceilings.map((c) => h("li", {}, h("code", {}, c.text), ` from ${c.delegator} (${c.policy})`))) : "none: no delegator above sets one"),
          ),
          hop.decision !== "allow" ? h("p", { class: "why" }, hop.reason) : null,
        );
      }),
    );
  }

  /** Words for a refused handoff: what the engine found, said plainly. */
  function refusal(decision, explanation, from, to) {
    const failed = explanation.delegation.find((s) => !s.passed);
    const names = [...chainAgents().map((a) => a.name)].join(" → ");
    switch (decision.rule) {
      case "cycle":
        return `The chain is ${names}; handing off to ${to.name} again would close a cycle.`;
      case "maxDepth":
        return `Handing off to ${to.name} would take the chain too deep: ${failed?.detail ?? decision.reason}. A delegator's maxDepth counts the hops below it; ${failed?.delegator ?? "it"} allows no more.`;
      case "maxDelegationDepth":
        return `The chain would be longer than the engine allows: ${failed?.detail ?? decision.reason}.`;
      case "permissionCeiling":
        return `${from.name} acts for ${failed?.delegator}, and the handoff to ${to.name} is outside its ceiling (${failed?.detail}).`;
      default:
        return `${from.name}'s own policies decide this handoff to ${to.name}.`;
    }
  }

  /** A click on an agent: start the chain, or hand off to it from the chain's last agent. */
  async function step(key) {
    const chain = app.ws.chain;
    if (chain.length === 0) {
      app.ws.chain = [key];
      result.className = "handoff-result";
      result.textContent = `${app.agentOf(key).name} starts the chain.`;
      app.changed();
      return refresh();
    }
    if (!app.loaded) {
      result.textContent = "The policies have errors: fix them to simulate handoffs.";
      return;
    }
    const agents = chainAgents();
    const from = agents.at(-1);
    const to = app.agentOf(key);
    const { decision, explanation, trail } = await app.engine.call("handoff", { from, to, chain: agents.slice(0, -1), now: app.now() });
    app.audit.render(trail);
    app.addHits(explanation.policies.flatMap((p) => (p.applies ? p.rules.filter((r) => r.outcome === "matched").map((r) => `${p.policy}\u0000${r.rule}`) : [])));
    if (decision.allowed && decision.decision === "allow") {
      app.ws.chain = [...chain, key];
      result.className = "handoff-result allow";
      result.textContent = `${from.name} handed off to ${to.name} (${decision.rule}). The chain is now ${[...agents, to].map((a) => a.name).join(" → ")}.`;
      app.changed();
    } else {
      result.className = `handoff-result ${decision.decision}`;
      result.replaceChildren(h("b", {}, `Refused (${decision.rule ?? decision.decision}): `), `${decision.reason}. `, refusal(decision, explanation, from, to));
    }
    await refresh();
  }

  const refreshSoon = debounce(() => refresh(), 150);

  /** Decides every edge (and each hop of the chain) again. */
  async function refresh() {
    if (!app.loaded) return render();
    app.ws.chain = app.ws.chain.filter((k) => k in app.ws.agents);
    const agents = Object.keys(app.ws.agents).map(app.agentOf);
    const now = (() => {
      try {
        return app.now();
      } catch {
        return undefined;
      }
    })();
    try {
      ({ edges } = await app.engine.call("graph", { agents, chain: chainAgents(), now }));
      hops = await app.engine.call("hops", { chain: chainAgents(), now });
    } catch {
      edges = [];
      hops = [];
    }
    render();
    app.renderChainNote();
  }

  function clear() {
    app.ws.chain = [];
    result.textContent = "";
    app.changed();
    refresh();
  }

  $("chain-clear").addEventListener("click", clear);
  $("chain-back").addEventListener("click", () => {
    app.ws.chain = app.ws.chain.slice(0, -1);
    result.textContent = "";
    app.changed();
    refresh();
  });
  $("chain-check").addEventListener("click", () => {
    const last = app.ws.chain.at(-1);
    if (!last) return;
    app.ws.agent.key = last;
    app.ws.agent.source = "fields";
    app.renderAgents();
    app.showPanel("check");
    $("action").focus();
  });

  return { refresh: refreshSoon, refreshNow: refresh, clear };
}
