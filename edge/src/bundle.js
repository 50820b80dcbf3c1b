// Policy bundles in KV (binding POLICIES). A bundle is written once under its own
// key, then the small `current` key is pointed at it, so a reader never sees half a
// bundle. An engine loads the current bundle on its first request, then re-reads the
// pointer at most every POLICY_REFRESH_SECONDS and loads a new bundle when it moves.
// A bundle that fails to load leaves the last good one in force.

import { HttpError } from "./http.js";

export const CURRENT_KEY = "policies/current";
export const bundleKey = (version) => `policies/bundles/${version}`;

/** KV's shortest edge cache; the pointer is read at most every refresh interval on top of it. */
const POINTER_CACHE_TTL = 30;
/** Bundles never change under their key, so they may stay cached. */
const BUNDLE_CACHE_TTL = 3600;

/** The version of a bundle: the first 16 hex digits of the SHA-256 of its policies. */
export async function versionOf(policies) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(policies)));
  return [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Writes a validated bundle: the bundle first, then the pointer. */
export async function publish(kv, version, policies) {
  const bundle = { version, createdAt: new Date().toISOString(), policies };
  await kv.put(bundleKey(version), JSON.stringify(bundle));
  await kv.put(CURRENT_KEY, version);
  return bundle;
}

/** The bundle one engine has in force, and how it got there. */
export class BundleState {
  /**
   * @param apply loads `policies` into the engine, atomically, or throws; returns
   *   the names of the policies now in force.
   */
  constructor(apply) {
    this.apply = apply;
    this.version = null;
    this.loadedAt = null;
    this.policyNames = [];
    this.lastError = null;
    this.checkedAt = -Infinity;
    /** A version that failed to load; not tried again until the pointer moves. */
    this.failed = null;
    this.refreshing = null;
  }

  /** The version in force, refreshing when the interval has passed; 503 if none ever loaded. */
  async ready(env, refreshMs) {
    if (this.version === null || Date.now() - this.checkedAt >= refreshMs) await this.refresh(env);
    if (this.version === null) {
      throw new HttpError(503, "no_policy_bundle", `no policy bundle has loaded${this.lastError ? `: ${this.lastError.message}` : ""}`);
    }
    return this.version;
  }

  /** Reads the pointer and loads what it names; concurrent callers share one read. */
  refresh(env) {
    this.refreshing ??= this.#refresh(env).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  async #refresh(env) {
    this.checkedAt = Date.now();
    let version;
    try {
      version = await env.POLICIES.get(CURRENT_KEY, { cacheTtl: POINTER_CACHE_TTL });
    } catch (e) {
      this.#fail(null, `reading ${CURRENT_KEY} from KV failed: ${e.message}`);
      return;
    }
    if (version === null) {
      if (this.version === null) this.#fail(null, `KV has no ${CURRENT_KEY}: publish a bundle with PUT /v1/policies`);
      return;
    }
    if (version === this.version) this.lastError = null;
    else if (version !== this.failed) await this.load(env, version);
  }

  /** Loads bundle `version` from KV unless it is in force. */
  async load(env, version) {
    if (version === this.version) return;
    let bundle;
    try {
      bundle = await env.POLICIES.get(bundleKey(version), { type: "json", cacheTtl: BUNDLE_CACHE_TTL });
    } catch (e) {
      this.#fail(version, `bundle ${version} could not be read: ${e.message}`);
      return;
    }
    if (bundle === null) {
      // KV is eventually consistent: the pointer may arrive before the bundle. Try again later.
      this.#fail(version, `bundle ${version} is not in KV (yet)`);
      return;
    }
    this.adopt(version, bundle.policies, { fromKv: true });
  }

  /** Puts `policies` in force as `version`, or records why not and keeps the last good bundle. */
  adopt(version, policies, { fromKv = false } = {}) {
    try {
      if (!Array.isArray(policies)) throw new Error("the bundle has no policies list");
      this.policyNames = this.apply(policies);
    } catch (e) {
      if (fromKv) this.failed = version;
      this.#fail(version, e.message, e.errors);
      return;
    }
    this.version = version;
    this.loadedAt = new Date().toISOString();
    this.checkedAt = Date.now();
    this.lastError = null;
    this.failed = null;
  }

  #fail(version, message, errors) {
    this.lastError = { version, at: new Date().toISOString(), message, ...(errors ? { errors } : {}) };
    console.error(`policies: ${message}`);
  }

  /** For health. */
  status() {
    return {
      version: this.version,
      loadedAt: this.loadedAt,
      policyCount: this.policyNames.length,
      policies: this.policyNames,
      lastError: this.lastError,
    };
  }
}
