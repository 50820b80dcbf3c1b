// Types of @meshguard/policy/openai-agents: MeshGuard governance for the OpenAI
// Agents SDK (@openai/agents >= 0.20).

import type {
  Agent,
  ApplyPatchTool,
  Computer,
  HostedMCPTool,
  MCPServer,
  RunToolApprovalItem,
  Shell,
  ShellAction,
  ShellTool,
  ShellToolLocalEnvironment,
  ToolAllowedCallers,
  applyPatchTool,
  hostedMcpTool,
  FunctionTool,
  Handoff,
  InputGuardrail,
  NonStreamRunOptions,
  RunContext,
  RunResult,
  RunState,
  Runner,
  ToolErrorFormatter,
  ToolExecuteArgument,
  ToolInputParameters,
  ToolNotFoundBehavior,
  ToolOptions,
  ToolOutputSchema,
  TracingProcessor,
  UnknownContext,
  handoff,
  tool,
} from "@openai/agents";
import type { Agent as MeshGuardAgent, Decision, MeshGuard } from "./index.js";

/** The MeshGuard identity an SDK agent acts as. `name` defaults to the SDK agent's name. */
export type AgentIdentity = MeshGuardAgent;

/**
 * The `@openai/agents` versions this adapter was checked against. Reading a saved
 * run's private state (for `meshguardRestore`) fails with code `sdk_incompatible`
 * if a later version moved it.
 */
export declare const CHECKED_SDK_VERSIONS: readonly string[];

/** The actions hosted tools are checked as by default. */
export declare const HOSTED_TOOL_ACTIONS: Readonly<{
  web_search: "read:web_search";
  file_search: "read:file_search";
  code_interpreter: "execute:code_interpreter";
  image_generation: "write:image_generation";
}>;

/** Which MeshGuard identity each SDK agent acts as. */
export interface AgentRegistry {
  /** Registers the identity `agent` acts as (also found by the agent's name, for trace spans). */
  set(agent: Agent<any, any>, identity: AgentIdentity): this;
  /** The identity registered for `agent`, if any. */
  get(agent: Agent<any, any>): Readonly<AgentIdentity> | undefined;
  has(agent: Agent<any, any>): boolean;
  delete(agent: Agent<any, any>): boolean;
  /** The registered identity, else `{ id: agent.name, name: agent.name }`. */
  identityOf(agent: Agent<any, any>): Readonly<AgentIdentity>;
  /** The identity registered under this SDK agent name, else `{ id: name, name }`. */
  identityByName(name: string): Readonly<AgentIdentity>;
}

/** The registry of MeshGuard identities of SDK agents. */
export declare const meshguardAgents: AgentRegistry;

/** What `contextFrom` is told about the call besides its arguments. */
export interface ContextDetails {
  agent: Agent<any, any>;
  runContext: RunContext<any>;
  callId?: string;
  toolName?: string;
}

/** Maps a tool's parsed arguments to the check's context (default: the arguments themselves). */
export type ContextFrom<TInput = any> = (input: TInput, details: ContextDetails) => Record<string, unknown> | undefined;

export interface GovernToolOptions<TInput = any> {
  mesh: MeshGuard;
  contextFrom?: ContextFrom<TInput>;
}

/**
 * Governs an existing function tool: returns a copy whose calls are checked as
 * `action` (a tool input guardrail, plus `needsApproval` for require_approval).
 */
export declare function governTool<T extends FunctionTool<any, any, any>>(tool: T, action: string, options: GovernToolOptions): T;

/** `tool(toolOptions)` governed as `action`. */
export declare function governedTool<
  TParameters extends ToolInputParameters = undefined,
  Context = UnknownContext,
  Result = string,
  TOutputSchema extends ToolOutputSchema | undefined = undefined,
>(
  action: string,
  toolOptions: ToolOptions<TParameters, Context, TOutputSchema>,
  options: GovernToolOptions<ToolExecuteArgument<TParameters>>,
): ReturnType<typeof tool<TParameters, Context, Result, TOutputSchema>>;

/** Options of `governedHandoff`: the SDK's `handoff()` options plus `mesh` and `identity`. */
export type GovernedHandoffOptions = NonNullable<Parameters<typeof handoff>[1]> & {
  mesh: MeshGuard;
  /** The target's MeshGuard identity; registered in `meshguardAgents`. */
  identity?: AgentIdentity;
};

/**
 * A handoff checked as `handoff:<target name>` for the current agent under its
 * delegation chain: not offered when denied; the target acts under the returned chain.
 */
export declare function governedHandoff<TContext = UnknownContext>(
  target: Agent<TContext, any> | Handoff<TContext, any>,
  options: GovernedHandoffOptions,
): Handoff<TContext, any>;

/** The run options `meshguardRunOptions` adds. */
export interface MeshGuardRunOptionsAdded {
  toolNotFoundBehavior: ToolNotFoundBehavior;
  toolErrorFormatter: ToolErrorFormatter;
}

/**
 * Your run options plus `toolNotFoundBehavior: 'return_error_to_model'` and a
 * `toolErrorFormatter` that explains denied handoffs (yours runs for the rest).
 */
export declare function meshguardRunOptions<T extends Record<string, unknown> = {}>(
  options?: T & { mesh?: MeshGuard; toolErrorFormatter?: ToolErrorFormatter },
): Omit<T, "mesh" | "toolErrorFormatter"> & MeshGuardRunOptionsAdded;

/**
 * After `RunState.fromString`: rebuilds which agents delegated to whom from the
 * state's history (each governed handoff decided again), so delegates keep their
 * chains when the run resumes. `runWithAudit` does this itself. Returns the state.
 */
export declare function meshguardRestore<T extends RunState<any, any>>(state: T): T;

/** What the input guardrail puts in `outputInfo`. */
export interface InputGuardrailInfo {
  allowed: boolean;
  decision: Decision["decision"];
  reason: string;
  policy: string | null;
  rule: string | null;
  action: string;
}

export interface InputGuardrailOptions {
  mesh: MeshGuard;
  /** Guardrail name (default `meshguard`). */
  name?: string;
  /** The check's context from the run input (default `{ input_length }`). */
  contextFrom?: ContextFrom<unknown>;
}

/** An input guardrail (`runInParallel: false`) that checks `invoke:<agent name>`. */
export declare function meshguardInputGuardrail(options: InputGuardrailOptions): InputGuardrail;

export interface HostedToolsOptions {
  mesh: MeshGuard;
  /** Action per hosted tool name, over `HOSTED_TOOL_ACTIONS` (others: `execute:<name>`). */
  actions?: Record<string, string>;
}

/** Leaves the hosted tools the policy does not allow out of each model request. Returns the agent. */
export declare function governHostedTools<A extends Agent<any, any>>(agent: A, options: HostedToolsOptions): A;

/** Audits the `hosted_tool_call` items of a run result (once each); returns the decisions. */
export declare function auditHostedToolCalls(result: RunResult<any, any>, options: HostedToolsOptions): Decision[];

/** A computer provider, as `computerTool({ computer })` takes it. */
export interface GovernedComputerProvider<TComputer extends Computer = Computer> {
  create(args: { runContext: RunContext<any> }): Promise<TComputer>;
  dispose(args: { runContext: RunContext<any>; computer: TComputer }): Promise<void>;
}

export interface GovernedComputerOptions {
  mesh: MeshGuard;
  /** The SDK agent that uses the computer (default: the agent whose turn it is). */
  agent?: Agent<any, any>;
  /** The identity to act as, instead of the agent's. */
  identity?: AgentIdentity;
}

/**
 * Checks every computer action as `execute:computer_use` with context
 * `{ action_type, target }`; a refused action throws `PolicyDeniedError`.
 */
export declare function governedComputer(
  computer:
    | Computer
    | ((args: { runContext: RunContext<any> }) => Computer | Promise<Computer>)
    | {
        create: (args: { runContext: RunContext<any> }) => Computer | Promise<Computer>;
        dispose?: (args: { runContext: RunContext<any>; computer: Computer }) => void | Promise<void>;
      },
  options: GovernedComputerOptions,
): GovernedComputerProvider;

/** Options of the local tools MeshGuard governs (shell, apply_patch). */
export interface GovernedLocalToolOptions {
  mesh: MeshGuard;
  /** The SDK agent whose calls these are (default: the agent whose turn it is). */
  agent?: Agent<any, any>;
  /** The identity to act as, instead of the agent's. */
  identity?: AgentIdentity;
}

/** The options of `shellTool` with a local Shell (MeshGuard governs local shells). */
export interface LocalShellToolOptions {
  name?: string;
  environment?: ShellToolLocalEnvironment;
  shell: Shell;
  needsApproval?: boolean | ((runContext: RunContext<any>, action: ShellAction, callId: string) => Promise<boolean>);
  onApproval?: NonNullable<ShellTool["onApproval"]>;
  allowedCallers?: ToolAllowedCallers;
}

export interface GovernedShellOptions extends GovernedLocalToolOptions {
  /** Put in each check's context as `workingDirectory`. */
  workingDirectory?: string;
}

/**
 * `shellTool(shellToolOptions)` whose every command is checked as `execute:shell`
 * with context `{ command, commands, workingDirectory? }` before the Shell runs it;
 * a call runs only if every command is allowed.
 */
export declare function governedShell(shellToolOptions: LocalShellToolOptions, options: GovernedShellOptions): ShellTool;

/**
 * `applyPatchTool(applyPatchOptions)` whose every operation is checked before the
 * Editor applies it: `write:file` (create, update) or `delete:file`, resource = the path.
 */
export declare function governedApplyPatch(applyPatchOptions: Parameters<typeof applyPatchTool>[0], options: GovernedLocalToolOptions): ApplyPatchTool;

/** What `contextFrom` of an MCP server is told besides the call's arguments. */
export interface McpContextDetails extends ContextDetails {
  serverName: string;
}

/** An MCP tool as its server lists it (name, description, input schema). */
export interface McpToolInfo {
  name: string;
  description?: string;
  inputSchema?: Record<string, unknown>;
}

export interface GovernMcpServerOptions {
  mesh: MeshGuard;
  /** The action of a tool (default `mcp:<server name>:<tool name>`). */
  action?: (serverName: string, tool: McpToolInfo) => string;
  /** The check's context from a call's arguments (default: the arguments). */
  contextFrom?: (args: any, details: McpContextDetails) => Record<string, unknown> | undefined;
}

/**
 * Governs an MCP server: offers the model only the tools whose action could be
 * allowed for the calling agent (composed with the server's own `toolFilter`), and
 * checks each call with its arguments before the server runs it. Returns the server.
 */
export declare function governMcpServer<S extends MCPServer>(server: S, options: GovernMcpServerOptions): S;

/** hostedMcpTool options without approvals: MeshGuard decides them. */
export type GovernedHostedMcpToolOptions = (Parameters<typeof hostedMcpTool>[0] extends infer T ? (T extends unknown ? Omit<T, "requireApproval" | "onApproval"> : never) : never) & {
  requireApproval?: never;
  onApproval?: never;
};

/**
 * `hostedMcpTool(options)` whose every call waits for approval, which
 * `decideHostedMcpApprovals` (and `runWithAudit`) gives per call on
 * `mcp:<serverLabel>:<tool>`: allow approves, deny rejects, require_approval is left to a person.
 */
export declare function governedHostedMcpTool<TContext = UnknownContext>(options: GovernedHostedMcpToolOptions, govern: { mesh: MeshGuard }): HostedMCPTool<TContext>;

/** The hosted MCP approval requests of a stopped run, as MeshGuard decided them. */
export interface HostedMcpApprovals {
  approved: RunToolApprovalItem[];
  rejected: RunToolApprovalItem[];
  /** Left to a person (require_approval). */
  pending: RunToolApprovalItem[];
}

/** Approves or rejects in the state the hosted MCP requests MeshGuard decides; the rest are left to a person. */
export declare function decideHostedMcpApprovals(resultOrState: RunResult<any, any> | RunState<any, any>): HostedMcpApprovals;

export interface TraceProcessorOptions {
  mesh: MeshGuard;
  /** Called when an entry cannot be written (default: console.error). */
  onError?: (error: unknown) => void;
}

/** Writes agent, tool, handoff and guardrail spans into the audit trail under the SDK's trace id. */
export declare function meshguardTraceProcessor(options: TraceProcessorOptions): TracingProcessor;

export type RunWithAuditOptions<TContext = undefined> = Omit<NonStreamRunOptions<TContext>, "stream"> & {
  mesh: MeshGuard;
  userId?: string;
  /** Runs with this Runner instead of the default one. */
  runner?: Pick<Runner, "run">;
  /** Trace name (default `governed-<agent name>`). */
  workflowName?: string;
  /** Trace id (default: the current trace's, else a new one). */
  traceId?: string;
  /** Actions of hosted tools, for auditing their calls. */
  hostedActions?: Record<string, string>;
  stream?: false;
};

export interface RunWithAuditResult<TContext = undefined, TAgent extends Agent<any, any> = Agent<any, any>> {
  /** The final output, or undefined when the run stopped for approvals (see `result.interruptions`). */
  output: RunResult<TContext, TAgent>["finalOutput"] | undefined;
  traceId: string;
  /** The name of the agent that ended the run. */
  finalAgent: string | undefined;
  result: RunResult<TContext, TAgent>;
  /** The interruptions waiting for a person (hosted MCP requests MeshGuard decided are not among them). */
  pending: RunToolApprovalItem[];
}

/**
 * Runs `agent` with `meshguardRunOptions` under one trace id and records
 * `session:start`/`session:resume`, `session:complete` (or `session:interrupted`,
 * `session:error`) and the hosted tool calls.
 */
export declare function runWithAudit<TAgent extends Agent<any, any>, TContext = undefined>(
  agent: TAgent,
  input: string | Parameters<Runner["run"]>[1] | RunState<TContext, TAgent>,
  options: RunWithAuditOptions<TContext>,
): Promise<RunWithAuditResult<TContext, TAgent>>;
