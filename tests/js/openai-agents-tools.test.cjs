// Shell, apply_patch, MCP servers and hosted MCP through the adapter's CommonJS
// entry (the scenarios are in openai-agents-tools.scenarios.cjs).
const { after, before, test } = require("node:test");

const sdk = require("@openai/agents");
const testing = require("@openai/agents/testing");
const policy = require("@meshguard/policy");
const adapter = require("@meshguard/policy/openai-agents");

sdk.setTraceProcessors([]);
require("./openai-agents-tools.scenarios.cjs")({ test, before, after, sdk, testing, policy, adapter, entry: "CommonJS" });
