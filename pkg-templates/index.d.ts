// Types of @meshguard/policy.

/** Trust tiers, lowest first (`unverified` and `anonymous` are read as `untrusted`). */
export type TrustTier = "untrusted" | "unverified" | "anonymous" | "basic" | "verified" | "trusted" | "privileged";

/** Who acts. `name` defaults to `id`; `trustTier` to `untrusted`. */
export interface Agent {
  id: string;
  name?: string;
  trustTier?: TrustTier;
  tags?: string[];
  orgId?: string;
}

/** An agent as the engine reports it, with defaults filled in. */
export interface ResolvedAgent {
  id: string;
  name: string;
  trustTier: Exclude<TrustTier, "unverified" | "anonymous">;
  tags: string[];
  orgId?: string;
}

export type Effect = "allow" | "deny" | "require_approval";
export type Mode = "enforce" | "audit" | "bypass";

/** A time: a Date, RFC 3339 text, or milliseconds since the epoch. */
export type When = Date | string | number;

/** A policy: YAML or JSON text, a named text, or a policy object. */
export type PolicyInput = string | { name: string; text: string } | Record<string, unknown>;

/** A decision (docs/decisions.md). */
export interface Decision {
  /** Whether the action may go ahead: the decision is `allow`, or the mode is not `enforce`. */
  allowed: boolean;
  decision: Effect;
  action: string;
  agentId: string;
  policy: string | null;
  /** The deciding rule, or `defaultEffect`, `permissionCeiling`, `maxDepth`, `maxDelegationDepth`, `cycle`, `unknownChain`. */
  rule: string | null;
  reason: string;
  traceId: string;
  timestamp: string;
  mode: Mode;
  enforced: boolean;
}

export interface HandoffDecision extends Decision {
  /** The delegation chain the delegate's checks must carry, root first. */
  chain: ResolvedAgent[];
}

export interface ConditionTrace {
  key: string;
  value: "true" | "false" | "unknown";
  detail: string;
}

export interface RuleTrace {
  rule: string;
  effect: Effect;
  matchedPattern: string | null;
  conditions: ConditionTrace[];
  outcome: "action_mismatch" | "conditions_false" | "conditions_unknown" | "matched" | "fail_closed" | "context_dependent" | "rate_limited" | "error";
}

export interface PolicyTrace {
  policy: string;
  applies: boolean;
  why: string;
  rules: RuleTrace[];
}

export interface DelegationStep {
  check: "unknownChain" | "cycle" | "maxDelegationDepth" | "maxDepth" | "permissionCeiling";
  delegator: string | null;
  policy: string | null;
  passed: boolean;
  detail: string;
}

export interface Explained extends Decision {
  explanation: { delegation: DelegationStep[]; policies: PolicyTrace[] };
}

export interface CheckOptions {
  /** Facts for conditions (`amount`, dotted paths such as `customer.tier`). */
  context?: Record<string, unknown>;
  resource?: string;
  /** Evaluation time (default: now). */
  now?: When;
  /** The delegators above the agent, root first: the `chain` of a handoff decision. */
  chain?: Agent[];
  /**
   * The agent acts for delegators you cannot name (a delegate whose handoff you did
   * not see): the engine denies, rule `unknownChain`, and records it like any decision.
   */
  chainUnknown?: boolean;
  /**
   * The context is not known yet (a tool offered before it is called): the decision
   * says whether some context could be allowed. Conditions on the context hold for
   * allow and require_approval rules and fail for deny rules; no budget is spent.
   * Give it without `context`.
   */
  anyContext?: boolean;
  /** Act as this agent instead of the instance's. */
  agent?: Agent;
  traceId?: string;
  /** Extra fields for the audit entry. */
  metadata?: Record<string, unknown>;
}

export interface HandoffOptions {
  context?: Record<string, unknown>;
  now?: When;
  /** The delegators above `fromAgent`, root first. */
  chain?: Agent[];
  /** The delegators above `fromAgent` cannot be named: the engine denies, rule `unknownChain`. */
  chainUnknown?: boolean;
  traceId?: string;
  metadata?: Record<string, unknown>;
}

export interface VerifySettings {
  /** HS256 shared secret, at least 32 bytes. */
  secret?: string | Uint8Array;
  /** Ed25519 public key: a JWK or raw base64url. */
  publicKey?: string | JsonWebKey;
  /** Expected `iss` (default `meshguard`). */
  issuer?: string;
  leewaySeconds?: number;
}

export interface AuditSettings {
  /** Entries kept in memory (default 10,000); give `onAudit` to keep them all. */
  capacity?: number;
  /** Context and metadata paths stored as "[redacted]" (`email`, `customer.card`). */
  redact?: string[];
}

export interface MeshGuardOptions {
  policies?: PolicyInput[];
  /** The agent checks act as unless they name another. */
  agent?: Agent;
  /** A signed identity for the default agent, verified with `verify`. */
  agentToken?: string;
  verify?: VerifySettings;
  mode?: Mode;
  /** The longest delegation chain, in hops (default 5). */
  maxDelegationDepth?: number;
  /** `false` turns the audit trail off. */
  audit?: boolean | AuditSettings;
  /** Receives every audit entry as it is recorded. */
  onAudit?: (entry: AuditEntry) => void;
  /** The trace id of calls that bring none (default: generated per instance). */
  traceId?: string;
  /** The largest options text one call accepts, in bytes (default 1 MiB). */
  maxInputBytes?: number;
}

export interface Diagnostic {
  severity: "error" | "warning";
  kind: "syntax" | "unknown_key" | "missing_key" | "wrong_type" | "invalid_value" | "duplicate" | "applies_to_nobody" | "unreachable_rule";
  source: string;
  document: number;
  line: number;
  column: number;
  path: string;
  message: string;
  suggestion?: string;
}

/** One rule of the policies in force, as `rules()` lists it. */
export interface RuleListing {
  policy: string;
  /** The written name, or `rule-<n>` counting from 1. */
  rule: string;
  effect: Effect;
  actions: string[];
  /** The name of the source the policy came from (`{name, text}`'s name, or `policies[i]`). */
  source: string;
  /** The 1-based line of the rule in that source. */
  line: number;
}

/** One audit entry (docs/audit.md). */
export interface AuditEntry {
  id: string;
  seq: number;
  timestamp: string;
  agentId: string;
  agentName: string;
  action: string;
  resource: string | null;
  decision: Effect;
  policy: string | null;
  rule: string | null;
  reason: string;
  traceId: string;
  metadata: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface ManualAuditEntry {
  action: string;
  /** `allow`, `deny`, `require_approval` (or `allowed`, `denied`). */
  decision: Effect | "allowed" | "denied";
  metadata?: Record<string, unknown>;
  reason?: string;
  resource?: string;
  agent?: Agent;
  traceId?: string;
  now?: When;
}

export interface AuditFilter {
  limit?: number;
  agentId?: string;
  /** A pattern, as in policies (`read:*`). */
  action?: string;
  decision?: Effect;
  traceId?: string;
  since?: When;
  until?: When;
}

export interface AuditStats {
  /** Entries the trail holds now. */
  total: number;
  allowed: number;
  denied: number;
  approvalRequired: number;
  /** Every entry since the instance was created. */
  recorded: number;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  firstBadSeq: number | null;
  firstBadLine: number | null;
  kind: "malformed" | "schema" | "seqBreak" | "chainBreak" | "hashMismatch" | null;
  problem: string | null;
}

export interface IssueOptions {
  /** HS256 shared secret, at least 32 bytes. */
  secret?: string | Uint8Array;
  /** Ed25519 private key: a JWK with `d`, or a raw base64url seed. */
  privateKey?: string | JsonWebKey;
  issuer?: string;
  /** Seconds until expiry (default 3600). */
  expiresIn?: number;
  now?: When;
}

/** Calls one agent spent against one rule's rate limit. */
export interface RateLimitSpent {
  policy: string;
  rule: string;
  agent: string;
  /** Epoch milliseconds. */
  at: number[];
}

/** A policy engine with an identity and an audit trail. */
export class MeshGuard {
  constructor(options?: MeshGuardOptions);
  /** Decides whether the agent may take `action`. Never throws for a denial. */
  check(action: string, options?: CheckOptions): Decision;
  /** Like `check`, but throws `PolicyDeniedError` unless allowed. */
  enforce(action: string, options?: CheckOptions): Decision;
  /** Runs `fn` only when allowed, and returns its result. */
  govern<T>(action: string, fn: (decision: Decision) => T | Promise<T>, options?: CheckOptions): Promise<T>;
  /** The decision with the path taken; records nothing and spends no rate limit. */
  explain(action: string, options?: CheckOptions): Explained;
  /** Whether `fromAgent` (the instance's agent when null) may hand off to `toAgent`. */
  checkHandoff(fromAgent: Agent | null, toAgent: Agent, options?: HandoffOptions): HandoffDecision;
  /** The handoff decision with the path taken; records nothing and spends no rate limit. */
  explainHandoff(fromAgent: Agent | null, toAgent: Agent, options?: HandoffOptions): HandoffDecision & Pick<Explained, "explanation">;
  /** Replaces every policy at once, or throws `PolicyError` and changes nothing. Returns warnings. */
  loadPolicies(policies: PolicyInput[]): Diagnostic[];
  /** Whether checks by `agent` (the instance's agent when null) may spend rate-limit budget. */
  hasRateLimits(agent?: Agent | null): boolean;
  /** The rate-limit budget spent in the last hour, to keep across a restart. */
  rateLimitsSpent(): RateLimitSpent[];
  /** Adds budget spent before (what `rateLimitsSpent` gave); atomic. */
  restoreRateLimits(spent: RateLimitSpent[]): void;
  readonly warnings: Diagnostic[];
  /** Every rule of the policies in force, in load order and top to bottom. */
  rules(): RuleListing[];
  readonly agent: ResolvedAgent | null;
  readonly traceId: string;
  verifyAgentToken(token: string): ResolvedAgent;
  auditLog(entry: ManualAuditEntry): AuditEntry;
  getAuditLog(filter?: AuditFilter): AuditEntry[];
  auditStats(): AuditStats;
  exportAudit(): string;
  verifyAudit(jsonl: string): AuditVerification;
}

/** Checks an exported audit trail (JSON Lines). */
export function verifyAudit(jsonl: string): AuditVerification;

/** Signs an agent token (HS256 with `secret`, EdDSA with `privateKey`). */
export function issueAgentToken(agent: Agent, options: IssueOptions): string;

export { readConformance, runConformance } from "./lib/conformance.js";
export type {
  ConformanceCase,
  ConformanceExpect,
  ConformanceFile,
  ConformanceOptions,
  ConformanceReport,
  ConformanceResult,
} from "./lib/conformance.js";

export class MeshGuardError extends Error {
  /** Stable: `invalid_argument`, `policy_invalid`, `policy_denied`, `audit_invalid`, `engine_failed`, or a token code. */
  code: string;
}

export class PolicyError extends MeshGuardError {
  code: "policy_invalid";
  source?: string;
  line?: number;
  column?: number;
  path?: string;
  suggestion?: string;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export class PolicyDeniedError extends MeshGuardError {
  code: "policy_denied";
  action: string;
  policy: string | null;
  rule: string | null;
  reason: string;
  traceId: string;
  decision: Decision;
}

export class TokenError extends MeshGuardError {
  code: "malformed" | "alg_not_allowed" | "bad_signature" | "expired" | "not_yet_valid" | "wrong_issuer" | "bad_claims" | "unknown_tier" | "bad_key";
}

/** This package's version (`package.json`). */
export const version: string;
