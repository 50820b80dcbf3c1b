// Cloudflare Workers (workerd): the .wasm is imported as a compiled module.
import wasm from "./meshguard_policy_bg.wasm";
import { initSync } from "./glue/meshguard_policy.js";

initSync({ module: wasm });

export * from "./lib/api.js";
export { readConformance, runConformance } from "./lib/conformance.js";
export { VERSION as version } from "./lib/version.js";
