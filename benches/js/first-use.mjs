// What the first load and the first check make V8 compile. V8 compiles a
// WebAssembly function when it is first called (lazy compilation), so a cold start
// pays for every function that the first `new MeshGuard` and the first check run,
// once. This script counts those functions and their bytes of code, for one or more
// builds of the package: it adds a call to an imported `touch(index)` at the start of
// every function (with binaryen), runs the cold start that benches/js/compare.mjs
// times (`coldStart` in seed.mjs) against the instrumented copy, and sums the
// code-section sizes of the functions that were touched. Not a test: it measures,
// and asserts only that the cold start reached its decision.
//
// Usage: node benches/js/first-use.mjs [<pkg-dir>...]   (default: pkg/)
// A build with function names (a `name` section) also lists the largest functions.
// Child mode (one build, used by the above): node first-use.mjs --child <copy-dir>

import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import binaryen from "binaryen";

import { coldStart } from "./seed.mjs";

const here = fileURLToPath(import.meta.url);
const WASM = "meshguard_policy_bg.wasm";

if (process.argv[2] === "--child") {
  // The glue instantiates the module; give it the `touch` import on the way.
  const touched = new Set();
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = function (module, imports) {
    return new Instance(module, { ...imports, "meshguard:first-use": { touch: (i) => touched.add(i) } });
  };
  const after = [];
  await coldStart(process.argv[3], () => after.push([...touched]));
  const [afterImport, afterLoad, afterCheck] = after;
  console.log(JSON.stringify({ afterImport, afterLoad, afterCheck }));
  process.exit(0);
}

/** Sizes of the defined functions' bodies, from the code section, in order. */
function bodySizes(bytes) {
  let at = 8; // magic and version
  const leb = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 10) {
      const sizes = [];
      for (let n = leb(); n > 0; n--) {
        const body = leb();
        sizes.push(body);
        at += body;
      }
      return sizes;
    }
    at = end;
  }
  throw new Error("the module has no code section");
}

/** The instrumented module, and the defined functions' names (binaryen's numbers when the module has no `name` section). */
function instrument(bytes) {
  const m = binaryen.readBinary(bytes);
  const F = binaryen.Features;
  m.setFeatures(F.MVP | F.BulkMemory | F.SIMD128 | F.NontrappingFPToInt | F.SignExt | F.MutableGlobals | F.Multivalue | F.ReferenceTypes);
  m.addFunctionImport("__first_use_touch", "meshguard:first-use", "touch", binaryen.i32, binaryen.none);
  const names = [];
  for (let i = 0; i < m.getNumFunctions(); i++) {
    const f = m.getFunctionByIndex(i);
    const info = binaryen.getFunctionInfo(f);
    if (info.module) continue; // an import
    const touch = m.call("__first_use_touch", [m.i32.const(names.length)], binaryen.none);
    binaryen.Function.setBody(f, m.block(null, [touch, info.body], binaryen.getExpressionType(info.body)));
    names.push(info.name);
  }
  const out = m.emitBinary();
  m.dispose();
  return { out, names };
}

const dirs = (process.argv.length > 2 ? process.argv.slice(2) : [join(here, "..", "..", "..", "pkg")]).map((d) => resolve(d));
const results = {};
for (const dir of dirs) {
  const bytes = readFileSync(join(dir, WASM));
  const sizes = bodySizes(bytes);
  const { out, names } = instrument(bytes);
  if (names.length !== sizes.length) throw new Error(`${dir}: ${names.length} functions but ${sizes.length} bodies`);
  const named = names.some((n) => !/^\$?\d+$/.test(n) && !n.startsWith("fimport$"));
  const copy = mkdtempSync(join(tmpdir(), "first-use-"));
  try {
    cpSync(dir, copy, { recursive: true });
    writeFileSync(join(copy, WASM), out);
    const run = JSON.parse(execFileSync(process.execPath, [here, "--child", copy], { encoding: "utf8" }));
    const sum = (ids) => ids.reduce((s, i) => s + sizes[i], 0);
    const load = run.afterLoad.filter((i) => !run.afterImport.includes(i));
    const check = run.afterCheck.filter((i) => !run.afterLoad.includes(i));
    results[dir] = {
      module: { functions: sizes.length, bytes: sizes.reduce((s, n) => s + n, 0) },
      import: { functions: run.afterImport.length, bytes: sum(run.afterImport) },
      firstLoad: { functions: load.length, bytes: sum(load) },
      firstCheck: { functions: check.length, bytes: sum(check) },
      ...(named && {
        largest: run.afterCheck
          .sort((a, b) => sizes[b] - sizes[a])
          .slice(0, 25)
          .map((i) => `${sizes[i]} ${names[i]}`),
      }),
    };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}
console.log(JSON.stringify(results, null, 2));
