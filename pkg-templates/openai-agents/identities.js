// Which MeshGuard identity each SDK agent acts as, and which agents may be
// delegates (some governed handoff leads to them).

import { describe, isPlainObject } from "../lib/args.js";
import { MeshGuardError } from "../lib/errors.js";
import { requireAgent } from "./args.js";

/** A checked, frozen copy of `identity`; `name` defaults to the agent's. */
export function checkIdentity(identity, agent) {
  if (!isPlainObject(identity) || typeof identity.id !== "string" || identity.id.length === 0) {
    throw new MeshGuardError(`the MeshGuard identity of agent ${JSON.stringify(agent?.name)} must be an object with a non-empty string id; got ${describe(identity)}`);
  }
  return Object.freeze({ ...identity, name: identity.name ?? agent?.name ?? identity.id, tags: identity.tags ? [...identity.tags] : undefined });
}

/** RunContext slot: the registered agent whose turn it is, from the SDK's `agent_start` event. */
export const TURN = Symbol.for("meshguard.openai-agents.turn");

const watched = new WeakSet();

/** Keeps `TURN` up to date on every run's context while `agent` runs (once per agent). */
function watchTurns(agent) {
  if (watched.has(agent) || typeof agent.on !== "function") return;
  watched.add(agent);
  agent.on("agent_start", (runContext, started) => {
    if (runContext && typeof runContext === "object") runContext[TURN] = started ?? agent;
  });
}

/**
 * Which MeshGuard identity (`{id, name, trustTier, tags, orgId}`) each SDK agent
 * acts as. Unregistered agents act as `{ id: agent.name, name: agent.name }`.
 */
class AgentRegistry {
  #byAgent = new WeakMap();
  #byName = new Map();

  /** Registers the identity `agent` acts as; returns the registry. */
  set(agent, identity) {
    requireAgent(agent, "meshguardAgents.set");
    const id = checkIdentity(identity, agent);
    this.#byAgent.set(agent, id);
    this.#byName.set(agent.name, id);
    watchTurns(agent);
    return this;
  }

  /** The identity registered for `agent`, if any. */
  get(agent) {
    return agent ? this.#byAgent.get(agent) : undefined;
  }

  has(agent) {
    return this.#byAgent.has(agent);
  }

  delete(agent) {
    if (agent && this.#byName.get(agent.name) === this.#byAgent.get(agent)) this.#byName.delete(agent.name);
    return this.#byAgent.delete(agent);
  }

  /** The identity `agent` acts as: the registered one, else `{id: name, name}`. */
  identityOf(agent) {
    return this.#byAgent.get(agent) ?? { id: agent.name, name: agent.name };
  }

  /** The identity of the agent with this SDK name (trace spans carry only names). */
  identityByName(name) {
    return this.#byName.get(name) ?? { id: name, name };
  }
}

/** The registry of MeshGuard identities of SDK agents. */
export const meshguardAgents = new AgentRegistry();

/** Agents that some governed handoff leads to: they may act as delegates. */
export const handoffTargets = new WeakSet();
