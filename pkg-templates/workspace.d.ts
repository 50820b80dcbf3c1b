// Types of @meshguard/policy/workspace: share links for the playground.

/** A playground workspace. `agent`, `checks` and `chain` belong to the playground and are kept as given. */
export interface Workspace {
  policies: { name: string; text: string }[];
  /** A vector file's text, in the conformance format that `runConformance` reads. */
  tests?: string;
  agent?: Record<string, unknown>;
  checks?: unknown[];
  chain?: unknown[];
  [key: string]: unknown;
}

/** The largest workspace JSON a link may unpack to. */
export const MAX_WORKSPACE_BYTES: number;

/** Checks the shared fields and returns a copy; throws `MeshGuardError` (`invalid_share_link`). */
export function normalizeWorkspace(workspace: unknown): Workspace;

/** Packs a workspace into a URL fragment (without `#`): `v=<version>&w=<base64url gzip JSON>`. */
export function encodeWorkspace(workspace: Workspace): Promise<string>;

/** Unpacks a link, `#fragment` or bare fragment; `sameVersion` is false for a link made by another version. */
export function decodeWorkspace(link: string): Promise<{ workspace: Workspace; version: string; sameVersion: boolean }>;

/** A link to `base` that opens `workspace`. */
export function shareUrl(base: string, workspace: Workspace): Promise<string>;
