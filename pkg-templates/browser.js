// Browsers and other runtimes with fetch: the .wasm is fetched next to this file.
import init from "./glue/meshguard_policy.js";

await init({ module_or_path: new URL("./meshguard_policy_bg.wasm", import.meta.url) });

export * from "./lib/api.js";
export { readConformance, runConformance } from "./lib/conformance.js";
export { VERSION as version } from "./lib/version.js";
