// Engine diagnostics as editor ranges. The engine gives a 1-based line and a column
// in Unicode characters, and the path (`rules[3].conditions.amount_mx`); the editor
// wants UTF-16 offsets. A diagnostic without a line, or one pointing at a line's
// start, is placed by its path in the editor's YAML syntax tree.

import { syntaxTree } from "@codemirror/language";

import { positionOf } from "./positions.js";
import { locate } from "./yaml-tree.js";

/** `{from, to}`: the token a diagnostic marks (one line at most). */
export function diagnosticRange(state, d) {
  const byPath = d.path !== undefined && (d.line > 0 ? d.column <= 1 : true) ? locate(state, d.document ?? 0, d.path, { key: d.kind === "unknown_key" }) : null;
  if (d.line > 0 && !(byPath?.complete && d.path && state.doc.lineAt(byPath.from).number === d.line)) {
    const from = positionOf(state.doc, d.line, d.column);
    const line = state.doc.lineAt(from);
    const node = syntaxTree(state).resolveInner(from, 1);
    let to = node && node.from === from && node.to > from ? Math.min(node.to, line.to) : from;
    if (to === from) to = Math.min(line.to, from + (/^[^\s,:\]}]+/.exec(line.text.slice(from - line.from))?.[0].length ?? 1));
    return { from, to: Math.max(to, Math.min(from + 1, line.to)) };
  }
  if (!byPath) return { from: 0, to: Math.min(1, state.doc.length) };
  return { from: byPath.from, to: Math.max(Math.min(byPath.to, state.doc.lineAt(byPath.from).to), byPath.from + 1) };
}

/** The range a suggestion replaces: the token, inside its quotes. */
export function fixRange(state, { from, to }) {
  const text = state.sliceDoc(from, to);
  if (text.length >= 2 && /^(["']).*\1$/.test(text)) return { from: from + 1, to: to - 1 };
  return { from, to };
}
