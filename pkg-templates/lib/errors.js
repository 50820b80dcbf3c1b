// Errors thrown by @meshguard/policy. Every error has a stable `code`.

/** Base class of every error this package throws. */
export class MeshGuardError extends Error {
  constructor(message, code = "invalid_argument", details = {}) {
    super(message);
    this.name = "MeshGuardError";
    this.code = code;
    Object.assign(this, details);
  }
}

/** A policy failed to load: `line`, `column`, `path` and `source` name the first error; `errors` holds all. */
export class PolicyError extends MeshGuardError {
  constructor(message, { errors = [], warnings = [] } = {}) {
    const first = errors[0] ?? {};
    super(message, "policy_invalid", {
      source: first.source,
      line: first.line,
      column: first.column,
      path: first.path,
      suggestion: first.suggestion,
      errors,
      warnings,
    });
    this.name = "PolicyError";
  }
}

/** `enforce` or `govern` refused an action. */
export class PolicyDeniedError extends MeshGuardError {
  constructor(decision) {
    super(`Action ${decision.action} ${decision.decision === "require_approval" ? "requires approval" : "denied"}: ${decision.reason}`, "policy_denied", {
      action: decision.action,
      policy: decision.policy,
      rule: decision.rule,
      reason: decision.reason,
      traceId: decision.traceId,
      decision,
    });
    this.name = "PolicyDeniedError";
  }
}

/** An agent token was refused; `code` says why (`expired`, `bad_signature`, …), or a key was unusable (`bad_key`). */
export class TokenError extends MeshGuardError {
  constructor(message, reason) {
    super(message, reason);
    this.name = "TokenError";
  }
}

/** Turns what the WebAssembly core throws (the JSON of its error) into the right class. */
export function fromCore(thrown) {
  if (typeof thrown !== "string") return thrown;
  let e;
  try {
    e = JSON.parse(thrown);
  } catch {
    return new MeshGuardError(thrown);
  }
  switch (e.code) {
    case "policy_invalid":
      return new PolicyError(e.message, e);
    case "token_invalid":
    case "key_invalid":
      return new TokenError(e.message, e.reason);
    default:
      return new MeshGuardError(e.message, e.code, e.reason ? { reason: e.reason } : {});
  }
}
