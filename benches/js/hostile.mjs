// Hostile and large policy texts through the package (WebAssembly in Node): the
// shapes of `cargo bench --bench engine -- hostile`, each loaded by a new MeshGuard.
// Each case's outcome (loads, or refused with a PolicyError) is asserted before it
// is timed. Not a test: nothing here asserts timings.
//
// Usage: node benches/js/hostile.mjs   (after `node pkg-templates/build.mjs`)
// Writes the figures to .build/hostile.json.

import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { MeshGuard, PolicyError } = await import(pathToFileURL(join(root, "pkg", "node.mjs")).href);

const LIMIT = 512 * 1024 - 64;
const ADMITTED = 25_000 - 20;
const list = (items, item) => `name: flat\nrules:\n  - effect: allow\n    actions: [${`${item}, `.repeat(items)}x]\n`;
const nested = (n) => `name: d\nrules: ${"[".repeat(n)}${"]".repeat(n)}`;
const bomb = () => {
  let text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (let c = 98; c <= 106; c++) {
    const p = String.fromCharCode(c - 1);
    text += `${String.fromCharCode(c)}: &${String.fromCharCode(c)} [${Array(10).fill(`*${p}`).join(", ")}]\n`;
  }
  return text;
};
const aliased = (items) => {
  let text = "name: aliased\nrules:\n  - effect: allow\n    actions: &a [";
  for (let i = 0; i < items; i++) text += `"t${i}", `;
  text += "x]\n";
  for (let i = 0; i < 4; i++) text += `  - {effect: allow, actions: *a, name: r${i}}\n`;
  return text;
};
const long = (len) => `name: long\ndescription: "${"x".repeat(len - 80)}"\nrules: [{effect: allow, actions: [a]}]\n`;
const repeat = (n, line) => Array.from({ length: n }, (_, i) => line(i)).join("");

const cases = [
  ["40,000 nested [ (refused)", nested(40_000)],
  ["alias bomb, 10^9 nodes (refused)", bomb()],
  ["4 MiB flat list of actions, ~600,000 items (refused)", list(Math.floor((4 << 20) / 7) - 20, '"a:b"')],
  ["512 KiB flat list of actions, ~75,000 items (refused)", list(Math.floor(LIMIT / 7), '"a:b"')],
  ["4 MiB string (refused)", long(4 << 20)],
  ["20,000-item anchor aliased 4 times (refused)", aliased(20_000)],
  ["24,980 short actions in a flow list (loads)", list(ADMITTED, '"a:b"')],
  ["24,980 actions of 18 bytes, 488 KiB (loads)", list(ADMITTED, `"${"a".repeat(14)}:b"`)],
  ["12,490 block list entries (loads)", "name: block\nrules:\n  - effect: allow\n    actions:\n" + "      - a:b\n".repeat(ADMITTED / 2)],
  ["512 KiB string (loads)", long(LIMIT)],
  ["12,480 context paths in one mapping (loads)", "name: paths\nrules:\n  - effect: allow\n    actions: [a]\n    conditions:\n      context:\n" + repeat(ADMITTED / 2 - 10, (i) => `        k${i}: 1\n`)],
  ["3,568 unconditional glob rules (loads)", "name: globs\nrules:\n" + repeat(Math.floor(ADMITTED / 7), (i) => `  - {effect: allow, actions: ["*x${i}"]}\n`)],
  ["4,976-item anchor aliased 4 times (loads)", aliased(Math.floor(ADMITTED / 5) - 20)],
];

const load = (text) => {
  try {
    new MeshGuard({ policies: [{ name: "hostile", text }], audit: false });
    return "loads";
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    return "refused";
  }
};

const results = { machine: `${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}`, cases: [] };
for (const [name, text] of cases) {
  assert.ok(text.length <= 4 << 20, `${name}: ${text.length} bytes`);
  assert.equal(load(text), name.endsWith("(loads)") ? "loads" : "refused", name);
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    load(text);
    times.push(performance.now() - t);
  }
  const median = times.sort((a, b) => a - b)[2];
  results.cases.push({ name, medianMs: +median.toFixed(2) });
  console.log(`${name.padEnd(56)} ${median.toFixed(2).padStart(9)} ms`);
}
mkdirSync(join(root, ".build"), { recursive: true });
writeFileSync(join(root, ".build", "hostile.json"), JSON.stringify(results, null, 2) + "\n");
