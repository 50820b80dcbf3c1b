// Where an engine diagnostic lands in the editor: character columns become UTF-16
// offsets, and a diagnostic with only a path is found in the YAML syntax tree.
import assert from "node:assert/strict";
import { test } from "node:test";

import { yaml } from "@codemirror/lang-yaml";
import { EditorState } from "@codemirror/state";
import { MeshGuard } from "@meshguard/policy";

import { diagnosticRange, fixRange } from "../src/diagnostics.js";
import { outline } from "../src/yaml-tree.js";

const stateOf = (doc) => EditorState.create({ doc, extensions: [yaml()] });

/** The engine's diagnostics for `text`. */
function diagnostics(text) {
  try {
    return new MeshGuard({ audit: false }).loadPolicies([{ name: "p.yaml", text }]);
  } catch (e) {
    return [...e.errors, ...e.warnings];
  }
}

test("the engine counts columns in characters; the marker covers the key after é and emoji", () => {
  const text = 'name: p\nrules:\n  - effect: allow\n    actions: ["x"]\n    conditions: {context: {city: "Zürich 😀😀"}, amount_mx: 3}\n';
  const [d] = diagnostics(text);
  assert.equal(d.path, "rules[0].conditions.amount_mx");
  assert.equal(d.column, 1 + [...'    conditions: {context: {city: "Zürich 😀😀"}, '].length, "a column counts characters, not UTF-16 units");
  const state = stateOf(text);
  const range = diagnosticRange(state, d);
  assert.equal(state.sliceDoc(range.from, range.to), "amount_mx");
});

test("a diagnostic with only a path is placed through the syntax tree", () => {
  const text = "# é😀\nname: p\nrules:\n  - effect: allow\n    actions: [x]\n  - effect: alow\n    actions: ['y']\n";
  const state = stateOf(text);
  const at = (d) => state.sliceDoc(...Object.values(diagnosticRange(state, { line: 0, column: 0, document: 0, ...d })));
  assert.equal(at({ path: "rules[1].effect" }), "alow");
  assert.equal(at({ path: "rules[1].actions[0]" }), "'y'");
  assert.equal(at({ path: "rules[1].actions", kind: "unknown_key" }), "actions");
  assert.equal(at({ path: "rules[7].effect" }), "- effect: allow", "a path that runs out marks where it stops (the list), on its first line");
});

test("a coarse position on the right line is sharpened by the path", () => {
  const text = 'name: p\nrules: [{effect: allow, actions: ["*"]}, {name: late, effect: deny, actions: [x]}]\n';
  const d = diagnostics(text).find((x) => x.kind === "unreachable_rule");
  const state = stateOf(text);
  const range = diagnosticRange(state, d);
  assert.match(state.sliceDoc(range.from, range.to), /^\{name: late/);
});

test("a suggestion replaces the token inside its quotes", () => {
  const text = 'name: p\nrules:\n  - effect: "alow"\n    actions: [x]\n';
  const [d] = diagnostics(text);
  assert.equal(d.suggestion, "allow");
  const state = stateOf(text);
  const r = fixRange(state, diagnosticRange(state, d));
  assert.equal(state.sliceDoc(r.from, r.to), "alow");
});

test("the outline names rules as the engine does, in the AGT form too", () => {
  const text = 'name: "p\\u00e9"\nrules:\n  - {effect: allow, actions: [x]}\n  - name: second\n    effect: deny\n    actions: [y]\ndelegation: {maxDepth: 2, permissionCeiling: ["read:*"]}\n---\napiVersion: governance.toolkit/v1\nkind: Policy\nmetadata: {name: agt}\nspec:\n  rules: [{effect: allow, actions: [z]}]\n';
  const [plain, agt] = outline(stateOf(text));
  assert.equal(plain.name, "pé");
  assert.deepEqual(plain.rules.map((r) => r.name), ["rule-1", "second"]);
  assert.equal(plain.ceiling.text, '["read:*"]');
  assert.equal(plain.maxDepth.text, "2");
  assert.equal(agt.name, "agt");
  assert.deepEqual(agt.rules.map((r) => r.name), ["rule-1"]);
});
