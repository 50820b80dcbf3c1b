// The policy editor: CodeMirror 6 with YAML highlighting, one tab per policy
// document. Diagnostics from the engine become lint markers; markers of rules the
// checks never hit sit in a gutter; the deciding rule of the last check is highlighted.

import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import { ensureSyntaxTree, indentOnInput, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { lintGutter, lintKeymap, setDiagnostics } from "@codemirror/lint";
import { EditorState, RangeSet, StateEffect, StateField } from "@codemirror/state";
import { Decoration, EditorView, GutterMarker, drawSelection, gutter, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from "@codemirror/view";
import { classHighlighter } from "@lezer/highlight";

import { h, idle } from "./dom.js";
import { diagnosticRange, fixRange } from "./diagnostics.js";
import { outline } from "./yaml-tree.js";

// --- The deciding rule's highlight --------------------------------------------

const setHighlight = StateEffect.define();
const highlightField = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setHighlight)) continue;
      if (!e.value) return Decoration.none;
      const lines = [];
      for (let pos = e.value.from; pos <= e.value.to; ) {
        const line = tr.state.doc.lineAt(pos);
        lines.push(Decoration.line({ class: "cm-deciding" }).range(line.from));
        pos = line.to + 1;
      }
      deco = Decoration.set(lines);
    }
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

// --- Coverage markers ---------------------------------------------------------

class CoverageMarker extends GutterMarker {
  constructor(hit, rule) {
    super();
    this.hit = hit;
    this.rule = rule;
  }
  eq(other) {
    return other.hit === this.hit && other.rule === this.rule;
  }
  toDOM() {
    const label = this.hit ? `rule ${this.rule} was hit` : `rule ${this.rule} was never hit`;
    return h("span", { class: this.hit ? "cov-hit" : "cov-miss", title: label, "aria-label": label }, this.hit ? "●" : "○");
  }
}

const setCoverageMarks = StateEffect.define();
const coverageField = StateField.define({
  create: () => RangeSet.empty,
  update(marks, tr) {
    marks = marks.map(tr.changes);
    for (const e of tr.effects) if (e.is(setCoverageMarks)) marks = e.value;
    return marks;
  },
});
const coverageGutter = gutter({
  class: "cm-coverage-gutter",
  markers: (view) => view.state.field(coverageField),
});

/** Marks every rule of `state`'s policies as hit or not by `hits` (`policy\0rule`). */
function coverageMarks(state, hits) {
  const marks = [];
  for (const policy of outline(state)) {
    for (const rule of policy.rules) {
      const hit = hits.has(`${policy.name}\u0000${rule.name}`);
      marks.push(new CoverageMarker(hit, rule.name).range(state.doc.lineAt(rule.from).from));
    }
  }
  return RangeSet.of(marks, true);
}

// --- Engine diagnostics as lint markers ---------------------------------------

function lintDiagnostics(state, list) {
  return list.map((d) => {
    const { from, to } = diagnosticRange(state, d);
    const out = { from, to, severity: d.severity === "warning" ? "warning" : "error", source: "meshguard", message: `${d.path ? `${d.path}: ` : ""}${d.message}` };
    if (d.suggestion) {
      out.message += ` (did you mean '${d.suggestion}'?)`;
      out.actions = [
        {
          name: `Use ${d.suggestion}`,
          apply(view, f, t) {
            view.dispatch({ changes: { ...fixRange(view.state, { from: f, to: t }), insert: d.suggestion } });
          },
        },
      ];
    }
    return out;
  });
}

// --- The editor with tabs -----------------------------------------------------

export function createPolicyEditor({ parent, tabList, problems, onChange, onSelectTab }) {
  /** Tabs: `{name, state, diagnostics}`. */
  let tabs = [];
  let active = 0;
  let hits = new Set();

  const extensions = [
    lineNumbers(),
    coverageGutter,
    lintGutter(),
    highlightActiveLineGutter(),
    history(),
    drawSelection(),
    highlightActiveLine(),
    indentOnInput(),
    indentUnit.of("  "),
    EditorState.tabSize.of(2),
    keymap.of([...defaultKeymap, ...historyKeymap, ...lintKeymap]),
    yaml(),
    syntaxHighlighting(classHighlighter),
    highlightField,
    coverageField,
    EditorView.contentAttributes.of({ "aria-label": "Policy editor" }),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) {
        tabs[active].state = u.state;
        onChange();
      }
    }),
  ];
  const view = new EditorView({ parent, state: EditorState.create({ doc: "", extensions }) });

  function stateFor(text) {
    return EditorState.create({ doc: text, extensions });
  }

  function renderTabs() {
    tabList.replaceChildren(
      ...tabs.map((t, i) => {
        const errors = t.diagnostics.filter((d) => d.severity === "error").length;
        const warnings = t.diagnostics.length - errors;
        const badge = errors ? h("span", { class: "badge error" }, `${errors}`) : warnings ? h("span", { class: "badge warning" }, `${warnings}`) : null;
        const label = `${t.name}${errors ? `, ${errors} error${errors > 1 ? "s" : ""}` : ""}${warnings ? `, ${warnings} warning${warnings > 1 ? "s" : ""}` : ""}`;
        return h("button", {
          role: "tab", type: "button", "aria-selected": String(i === active), tabindex: i === active ? "0" : "-1",
          "aria-controls": "editor", "aria-label": label, onclick: () => select(i),
        }, t.name, badge);
      }),
    );
  }

  tabList.addEventListener("keydown", (e) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (!step) return;
    e.preventDefault();
    select((active + step + tabs.length) % tabs.length);
    tabList.children[active]?.focus();
  });

  function applyDiagnostics() {
    const t = tabs[active];
    view.dispatch(setDiagnostics(view.state, lintDiagnostics(view.state, t.diagnostics)));
    t.state = view.state;
  }

  function renderProblems() {
    const all = tabs.flatMap((t, i) => t.diagnostics.map((d) => ({ d, i, t })));
    if (all.length === 0) {
      problems.replaceChildren(h("p", { class: "ok" }, "No problems."));
      return;
    }
    problems.replaceChildren(
      h("ul", {}, ...all.map(({ d, i, t }) => {
        const where = d.line > 0 ? `${t.name}:${d.line}:${d.column}` : `${t.name} (${d.path || "document"})`;
        return h("li", { class: d.severity },
          h("button", { type: "button", class: "link", onclick: () => reveal(i, d) }, where),
          ` ${d.path ? `${d.path}: ` : ""}${d.message}`,
          d.suggestion ? h("button", { type: "button", class: "small fix", onclick: () => fix(i, d) }, `Use ${d.suggestion}`) : null,
        );
      })),
    );
  }

  /** Shows the place of a diagnostic. */
  function reveal(i, d) {
    select(i);
    const { from, to } = diagnosticRange(view.state, d);
    view.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true });
    view.focus();
  }

  /** Applies a diagnostic's suggestion. */
  function fix(i, d) {
    select(i);
    view.dispatch({ changes: { ...fixRange(view.state, diagnosticRange(view.state, d)), insert: d.suggestion } });
    view.focus();
  }

  function select(i) {
    if (i === active && view.state === tabs[i]?.state) return;
    tabs[active].state = view.state;
    active = i;
    view.setState(tabs[i].state);
    applyDiagnostics();
    refreshCoverage();
    renderTabs();
    onSelectTab?.(i);
  }

  /**
   * Redraws the coverage markers when the browser is idle, parsing a large document
   * in short slices first, so typing never waits for it.
   */
  let coverageJob = 0;
  function refreshCoverage() {
    const job = ++coverageJob;
    const run = () => {
      if (job !== coverageJob) return;
      if (!ensureSyntaxTree(view.state, view.state.doc.length, 15)) return idle(run);
      view.dispatch({ effects: setCoverageMarks.of(coverageMarks(view.state, hits)) });
      tabs[active].state = view.state;
    };
    idle(run);
  }

  return {
    view,
    /** Replaces every tab. */
    setPolicies(policies, activeIndex = 0) {
      tabs = policies.map((p) => ({ name: p.name, state: stateFor(p.text), diagnostics: [] }));
      if (tabs.length === 0) tabs.push({ name: "policy.yaml", state: stateFor(""), diagnostics: [] });
      active = Math.min(Math.max(activeIndex, 0), tabs.length - 1);
      view.setState(tabs[active].state);
      refreshCoverage();
      renderTabs();
      renderProblems();
    },
    policies: () => tabs.map((t, i) => ({ name: t.name, text: (i === active ? view.state : t.state).doc.toString() })),
    get active() {
      return active;
    },
    select,
    addTab(name, text) {
      tabs[active].state = view.state;
      tabs.push({ name, state: stateFor(text), diagnostics: [] });
      select(tabs.length - 1);
      onChange();
    },
    renameTab(name) {
      tabs[active].name = name;
      renderTabs();
      onChange();
    },
    removeTab() {
      if (tabs.length < 2) return false;
      tabs.splice(active, 1);
      active = Math.min(active, tabs.length - 1);
      view.setState(tabs[active].state);
      applyDiagnostics();
      refreshCoverage();
      renderTabs();
      onChange();
      return true;
    },
    names: () => tabs.map((t) => t.name),
    /** Engine diagnostics (errors and warnings), shared out to the tabs by source. */
    setDiagnostics(list) {
      for (const t of tabs) t.diagnostics = list.filter((d) => d.source === t.name);
      applyDiagnostics();
      renderTabs();
      renderProblems();
    },
    /** The outline of every tab: `[{tab, policies}]`. */
    outlines: () => tabs.map((t, i) => ({ tab: i, name: t.name, policies: outline(i === active ? view.state : t.state) })),
    /** Rules hit so far (`policy\0rule`): redraws the gutter markers. */
    setCoverage(set) {
      hits = set;
      refreshCoverage();
      for (const [i, t] of tabs.entries()) if (i !== active) t.state = t.state.update({ effects: setCoverageMarks.of(coverageMarks(t.state, hits)) }).state;
    },
    /** Highlights `{tab, from, to}` (the deciding rule), or clears with null. */
    highlight(place) {
      for (const [i, t] of tabs.entries()) {
        const value = place && place.tab === i ? place : null;
        if (i === active) {
          view.dispatch({ effects: [setHighlight.of(value), ...(value ? [EditorView.scrollIntoView(value.from, { y: "center" })] : [])] });
          t.state = view.state;
        } else {
          t.state = t.state.update({ effects: setHighlight.of(value) }).state;
        }
      }
      renderTabs();
    },
  };
}
