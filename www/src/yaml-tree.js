// Finding places in a policy through the editor's YAML syntax tree (Lezer): where a
// diagnostic that carries only a path points, and where each policy's rules,
// ceiling and maxDepth are written. Positions only; what the YAML means is the
// engine's to say.

import { ensureSyntaxTree, syntaxTree } from "@codemirror/language";

const VALUES = new Set(["BlockMapping", "FlowMapping", "BlockSequence", "FlowSequence", "Literal", "QuotedLiteral", "BlockLiteral", "Alias", "Tagged", "Anchored"]);

/** The whole tree when it can be had within `ms`, else what is parsed so far. */
function treeOf(state, ms = 200) {
  return ensureSyntaxTree(state, state.doc.length, ms) ?? syntaxTree(state);
}

/** Outlines by editor state (states never change, so neither does their outline). */
const outlines = new WeakMap();

/** The value node under a Document, Pair or Item. */
function valueOf(node) {
  for (let c = node?.firstChild; c; c = c.nextSibling) {
    if (c.name === "Tagged" || c.name === "Anchored") return valueOf(c) ?? c;
    if (VALUES.has(c.name)) return c;
  }
  return null;
}

/** A scalar's text: plain as written, quoted ones unquoted (the escapes JSON shares). */
export function scalar(state, node) {
  if (!node) return null;
  const text = state.sliceDoc(node.from, node.to).trim();
  if (node.name === "QuotedLiteral") {
    if (text.startsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
    try {
      return JSON.parse(text);
    } catch {
      return text.slice(1, -1);
    }
  }
  if (node.name === "Literal") return text;
  return null;
}

function keyText(state, pair) {
  const key = pair.getChild("Key");
  return key ? scalar(state, key.firstChild) : null;
}

/** The pairs of a mapping: [{key, pair}]. */
function pairs(state, mapping) {
  const out = [];
  if (!mapping || (mapping.name !== "BlockMapping" && mapping.name !== "FlowMapping")) return out;
  for (let c = mapping.firstChild; c; c = c.nextSibling) if (c.name === "Pair") out.push({ key: keyText(state, c), pair: c });
  return out;
}

function items(seq) {
  const out = [];
  if (!seq || (seq.name !== "BlockSequence" && seq.name !== "FlowSequence")) return out;
  for (let c = seq.firstChild; c; c = c.nextSibling) if (c.name === "Item") out.push(c);
  return out;
}

function get(state, mapping, key) {
  return pairs(state, mapping).find((p) => p.key === key)?.pair ?? null;
}

/** The documents of the text, in order (what the engine's `document` index counts). */
export function documents(state) {
  const top = treeOf(state).topNode;
  const docs = [];
  for (let c = top.firstChild; c; c = c.nextSibling) if (c.name === "Document" && valueOf(c)) docs.push(c);
  return docs;
}

/** `rules[3].conditions.amount_mx` → ["rules", 3, "conditions", "amount_mx"]. */
export function splitPath(path) {
  const out = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

/**
 * Where `path` points in document `index`: the deepest node the path reaches
 * (`{from, to, complete}`); a key that is named (`unknown_key`) marks the key itself.
 */
export function locate(state, index, path, { key = false } = {}) {
  const doc = documents(state)[index] ?? documents(state)[0];
  if (!doc) return null;
  let node = valueOf(doc);
  let pair = null;
  const parts = splitPath(path);
  let complete = true;
  for (let i = 0; i < parts.length && node; i++) {
    const part = parts[i];
    let next = null;
    if (typeof part === "number") {
      const item = items(node)[part];
      pair = null;
      next = item ? valueOf(item) : null;
    } else {
      // A dotted context path (`customer.tier`) may be one key.
      for (let j = parts.length; j > i && !next; j--) {
        const joined = parts.slice(i, j).join(".");
        const p = get(state, node, joined);
        if (p) {
          pair = p;
          next = valueOf(p) ?? p;
          i = j - 1;
        }
      }
    }
    if (!next) {
      complete = false;
      break;
    }
    node = next;
  }
  if (!node) return null;
  const target = complete && key && pair ? pair.getChild("Key") : node;
  return { from: target.from, to: target.to, complete };
}

/**
 * The policies of one text: `[{name, document, from, to, rules: [{name, from, to}],
 * ceiling, maxDepth, defaultEffect}]`, each place a `{from, to}` (or null). Rule
 * names default to `rule-<n>` as the engine names them; the AGT form is read too.
 */
export function outline(state) {
  let out = outlines.get(state);
  if (out) return out;
  const complete = ensureSyntaxTree(state, state.doc.length, 200) !== null;
  out = documents(state).map((doc, index) => {
    let root = valueOf(doc);
    let name = valueOf(get(state, root, "name"));
    const spec = valueOf(get(state, root, "spec"));
    if (spec) {
      name = valueOf(get(state, valueOf(get(state, root, "metadata")), "name"));
      root = spec;
    }
    const rules = items(valueOf(get(state, root, "rules"))).map((item, i) => {
      const ruleName = scalar(state, valueOf(get(state, valueOf(item), "name"))) ?? `rule-${i + 1}`;
      return { name: String(ruleName), from: item.from, to: item.to };
    });
    const delegation = valueOf(get(state, root, "delegation"));
    const place = (p) => (p ? { from: p.from, to: p.to, text: state.sliceDoc(valueOf(p)?.from ?? p.from, valueOf(p)?.to ?? p.to) } : null);
    return {
      name: name ? String(scalar(state, name)) : null,
      document: index,
      from: doc.from,
      to: doc.to,
      rules,
      ceiling: place(get(state, delegation, "permissionCeiling")),
      maxDepth: place(get(state, delegation, "maxDepth")),
      defaultEffect: place(get(state, root, "defaultEffect")),
    };
  });
  if (complete) outlines.set(state, out);
  return out;
}
