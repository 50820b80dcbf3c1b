// Types of the conformance runner (lib/conformance.js), exported by @meshguard/policy.

import type {
  Decision,
  Effect,
  Explained,
  HandoffDecision,
  MeshGuardError,
  Mode,
  PolicyError,
  PolicyInput,
  ResolvedAgent,
  RuleListing,
} from "../index.js";

/** What a case must decide (a vector's `expect`). */
export interface ConformanceExpect {
  decision: Effect;
  allowed: boolean | null;
  policy: string | null;
  rule: string | null;
  reasonContains: string | null;
}

export interface ConformanceResult {
  name: string;
  /** The case's 1-based line in the file. */
  line: number;
  /** `check` or `handoff` for a case, `invalid` for a document that must be refused. */
  kind: "check" | "handoff" | "invalid";
  /** Why it failed, or null when it passed (or was skipped). */
  failure: string | null;
  /** True when `filter` left it out: it did not run. */
  skipped: boolean;
  /** The case's `expect`, or the document's `expectError`. */
  expected: ConformanceExpect | { pathContains: string | null; messageContains: string | null; line: number | null } | null;
  /** What the case decided (null for an invalid document, a case that threw or did not run). */
  decision: Decision | HandoffDecision | null;
  /** The path taken, with `explain: true` (cases only). */
  explanation?: Explained["explanation"];
}

export interface ConformanceOptions {
  /** The file's name in messages and policy sources (default `vectors.yaml`). */
  file?: string;
  /** Runs only the cases and invalid documents whose names it accepts; the rest are reported skipped. */
  filter?: (name: string) => boolean;
  /** Policies loaded after the file's own, as `MeshGuard`'s `policies` takes them. */
  policies?: PolicyInput[];
  /** Adds each case's explanation (explaining records nothing and spends no rate limit). */
  explain?: boolean;
}

export interface ConformanceReport {
  file: string;
  results: ConformanceResult[];
  passed: boolean;
  /** The rules of the policies the cases ran against (empty when they did not load). */
  rules: RuleListing[];
  /** Why the policies did not load, when they did not (results then hold one `policies load` failure). */
  loadError: PolicyError | MeshGuardError | null;
}

/** Runs a conformance vector file through this API. Throws `MeshGuardError` when the file itself cannot be read. */
export function runConformance(text: string, options?: ConformanceOptions): ConformanceReport;

/** One case of a vector file, its agents resolved (defaults filled in). */
export interface ConformanceCase {
  name: string;
  line: number;
  check?: { agent: ResolvedAgent; action: string; resource: string | null };
  handoff?: { from: ResolvedAgent; to: ResolvedAgent };
  context: Record<string, unknown> | null;
  /** RFC 3339, or null for the clock. */
  now: string | null;
  /** The delegators above the acting agent, root first. */
  chain: ResolvedAgent[];
  expect: ConformanceExpect;
}

/** A vector file as `readConformance` reads it. */
export interface ConformanceFile {
  file: string;
  description: string | null;
  options: { mode: Mode; maxDelegationDepth: number | null };
  /** Each policy as a text (inline mappings rendered as JSON). */
  policies: string[];
  /** The file's agents, by key. */
  agents: Record<string, ResolvedAgent>;
  cases: ConformanceCase[];
  invalid: {
    name: string;
    line: number;
    policy: string;
    expectError: { pathContains: string | null; messageContains: string | null; line: number | null };
  }[];
}

/** Reads a conformance vector file without running it; throws `MeshGuardError` naming the line of a malformed one. */
export function readConformance(text: string, options?: { file?: string }): ConformanceFile;
