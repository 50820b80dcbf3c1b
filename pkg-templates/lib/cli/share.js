// `meshguard share`: a playground link that opens these policies (and tests). The
// link is made by @meshguard/policy/workspace, the module the playground reads it
// with, so the two cannot drift.

import { shareUrl } from "../workspace.js";
import { EXIT, print, readPolicies, readText, usageError } from "./io.js";

/** Where links point unless --base or MESHGUARD_PLAYGROUND_URL says otherwise: the playground served locally. */
/** Where `scripts/playground.sh` serves the playground. */
export const DEFAULT_PLAYGROUND = "http://127.0.0.1:4173/";

function base(given) {
  const url = given ?? process.env.MESHGUARD_PLAYGROUND_URL ?? DEFAULT_PLAYGROUND;
  try {
    const parsed = new URL(url);
    if (!["http:", "https:", "file:"].includes(parsed.protocol)) throw new Error("not http(s)");
    return parsed.href;
  } catch {
    throw usageError(`--base must be the playground's http(s) address; got ${JSON.stringify(url)}`);
  }
}

/** Prints the link for `workspace` to `stream`. */
export async function printShareLink(workspace, given, stream = process.stdout) {
  const url = await shareUrl(base(given), workspace);
  stream.write(`share: ${url}\n`);
}

export default {
  name: "share",
  summary: "Print a playground link that opens these policies (and a test table)",
  usage: "meshguard share <policy files or dirs…> [--tests <vector file>] [--base <playground url>]",
  description:
    "The workspace (policies, and the tests as a vector file) is gzip-compressed into the link's " +
    "fragment, so it never reaches a server. --base (or MESHGUARD_PLAYGROUND_URL) is where the " +
    `playground is served; the default is ${DEFAULT_PLAYGROUND}.`,
  options: {
    tests: { type: "string", arg: "file", help: "a vector file to open as the test table" },
    base: { type: "string", arg: "url", help: "the playground's address" },
  },
  examples: [
    ["meshguard share policies/support.yaml --tests tests/support.yaml", "a link to paste into a review"],
    ["meshguard share policies/ --base https://playground.example.com/", "for a playground deployed elsewhere"],
  ],
  positionals: true,

  async run({ values, positionals }) {
    if (positionals.length === 0) throw usageError("which policies? e.g. meshguard share policies/support.yaml");
    const workspace = { policies: readPolicies(positionals) };
    if (values.tests !== undefined) workspace.tests = readText(values.tests, "vector file");
    const url = await shareUrl(base(values.base), workspace);
    print(url);
    return EXIT.OK;
  },
};
