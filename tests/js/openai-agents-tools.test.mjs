// Shell, apply_patch, MCP servers and hosted MCP through the adapter's ES module
// entry (the scenarios are in openai-agents-tools.scenarios.cjs).
import { createRequire } from "node:module";
import { after, before, test } from "node:test";

import * as sdk from "@openai/agents";
import * as testing from "@openai/agents/testing";
import * as policy from "@meshguard/policy";
import * as adapter from "@meshguard/policy/openai-agents";

sdk.setTraceProcessors([]);
createRequire(import.meta.url)("./openai-agents-tools.scenarios.cjs")({ test, before, after, sdk, testing, policy, adapter, entry: "ESM" });
