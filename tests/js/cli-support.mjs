// Shared by the tests of the `meshguard` command: run the installed bin as a child
// process, find fixtures, parse XML strictly.

import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SaxesParser } from "saxes";
import { root } from "./support.mjs";

const here = dirname(fileURLToPath(import.meta.url));
/** The consumer project the package is installed in. */
export const consumer = dirname(here);
export const fixtures = join(here, "fixtures", "cli");
export const examplePolicies = join(root, "examples", "openai-agents", "policies");
export const bin = join(consumer, "node_modules", ".bin", "meshguard");

/** A fresh temporary directory. */
export const scratch = () => mkdtempSync(join(tmpdir(), "meshguard-cli-"));

/**
 * Runs `meshguard args…` as a user would, from `cwd` (default: the consumer
 * project). Colour variables are cleared unless `env` sets them.
 */
export function meshguard(args, { env = {}, cwd = consumer, input } = {}) {
  const base = { ...process.env };
  delete base.NO_COLOR;
  delete base.FORCE_COLOR;
  delete base.OPENAI_API_KEY;
  const r = spawnSync(bin, args, { cwd, env: { ...base, ...env }, encoding: "utf8", input });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: r.stdout + r.stderr };
}

/** Parses XML with a conformant, strict parser (any well-formedness error throws) into `{name, attributes, children, text}`. */
export function parseXml(text) {
  const parser = new SaxesParser();
  const top = { name: "#document", attributes: {}, children: [], text: "" };
  const stack = [top];
  parser.on("error", (e) => {
    throw e;
  });
  parser.on("opentag", (tag) => {
    const node = { name: tag.name, attributes: tag.attributes, children: [], text: "" };
    stack.at(-1).children.push(node);
    stack.push(node);
  });
  parser.on("text", (t) => {
    stack.at(-1).text += t;
  });
  parser.on("closetag", () => stack.pop());
  parser.write(text).close();
  if (top.children.length !== 1) throw new Error(`expected one root element, found ${top.children.length}`);
  return top.children[0];
}
