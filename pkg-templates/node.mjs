// Node.js (ES modules): the .wasm is read from disk and compiled synchronously.
import { readFileSync } from "node:fs";
import { initSync } from "./glue/meshguard_policy.js";

initSync({ module: readFileSync(new URL("./meshguard_policy_bg.wasm", import.meta.url)) });

export * from "./lib/api.js";
export { readConformance, runConformance } from "./lib/conformance.js";
export { VERSION as version } from "./lib/version.js";
