// @meshguard/policy/openai-agents: MeshGuard governance for the OpenAI Agents SDK
// (@openai/agents >= 0.20). Policy checks run inside the SDK's own extension points,
// and every decision is made by the `MeshGuard` instance you pass. One module per
// integration, in openai-agents/:
//
//   tools.js            function tools: needsApproval and a tool input guardrail
//   handoffs.js         handoffs: isEnabled and onInvokeHandoff, delegation chains
//   input-guardrail.js  the agent input guardrail (invoke:<agent name>)
//   hosted-tools.js     hosted tools: left out of requests, calls audited
//   computer.js         computer use: a Computer wrapper
//   shell.js            the shell tool: each command checked before the Shell runs it
//   apply-patch.js      apply_patch: each file operation checked before the Editor
//   mcp.js              MCP servers: a toolFilter and a per-call guardrail
//   hosted-mcp.js       hosted MCP: approvals decided per call
//   tracing.js          the audit trail from the SDK's trace spans
//   run.js              run options, restoring a saved run, runWithAudit
//
// shared by them: identities.js (which identity each SDK agent acts as),
// run-state.js (what the adapter knows about one run), local-calls.js (how shell
// and apply_patch calls are decided and enforced), args.js, and compat.js,
// the only module that reads the SDK's private state.

export { CHECKED_SDK_VERSIONS } from "./openai-agents/compat.js";
export { governTool, governedTool } from "./openai-agents/tools.js";
export { governedHandoff } from "./openai-agents/handoffs.js";
export { meshguardInputGuardrail } from "./openai-agents/input-guardrail.js";
export { HOSTED_TOOL_ACTIONS, auditHostedToolCalls, governHostedTools } from "./openai-agents/hosted-tools.js";
export { governedComputer } from "./openai-agents/computer.js";
export { governedShell } from "./openai-agents/shell.js";
export { governedApplyPatch } from "./openai-agents/apply-patch.js";
export { governMcpServer } from "./openai-agents/mcp.js";
export { decideHostedMcpApprovals, governedHostedMcpTool } from "./openai-agents/hosted-mcp.js";
export { meshguardTraceProcessor } from "./openai-agents/tracing.js";
export { meshguardRestore, meshguardRunOptions, runWithAudit } from "./openai-agents/run.js";
export { meshguardAgents } from "./openai-agents/identities.js";
