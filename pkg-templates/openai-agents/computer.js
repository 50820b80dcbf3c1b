// Computer use: every action of a Computer is checked as `execute:computer_use`,
// with context `{ action_type, target }`, before it reaches the Computer.

import { describe } from "../lib/args.js";
import { MeshGuardError, PolicyDeniedError } from "../lib/errors.js";
import { requireMesh } from "./args.js";
import { checkIdentity } from "./identities.js";
import { checkAs, runState } from "./run-state.js";

/** Each Computer method, and the context its arguments give. */
const COMPUTER_ACTIONS = {
  click: (x, y, button) => ({ target: `${x},${y}`, button }),
  doubleClick: (x, y) => ({ target: `${x},${y}` }),
  move: (x, y) => ({ target: `${x},${y}` }),
  scroll: (x, y, scrollX, scrollY) => ({ target: `${x},${y}`, scroll_x: scrollX, scroll_y: scrollY }),
  drag: (path) => ({ target: (path ?? []).map((p) => (Array.isArray(p) ? p.join(",") : `${p.x},${p.y}`)).join(" -> ") }),
  type: (text) => ({ target: String(text ?? "").slice(0, 100) }),
  keypress: (keys) => ({ target: (Array.isArray(keys) ? keys : [keys]).join("+") }),
  wait: () => ({ target: "" }),
  screenshot: () => ({ target: "" }),
};
const ACTION_TYPES = { doubleClick: "double_click" };

function wrapComputer(inner, mesh, runContext, options) {
  const s = runState(runContext);
  let screenshotOwed = false;
  const wrapped = {
    get environment() {
      return inner.environment;
    },
    get dimensions() {
      return inner.dimensions;
    },
  };
  for (const [method, contextOf] of Object.entries(COMPUTER_ACTIONS)) {
    if (typeof inner[method] !== "function") continue;
    wrapped[method] = async (...args) => {
      // The SDK takes a screenshot after every action; it belongs to that action.
      if (method === "screenshot" && screenshotOwed) {
        screenshotOwed = false;
        return inner.screenshot();
      }
      screenshotOwed = false;
      const agent = options.agent ?? s.currentAgent;
      const context = { action_type: ACTION_TYPES[method] ?? method, ...contextOf(...args) };
      for (const k of Object.keys(context)) if (context[k] === undefined) delete context[k];
      const decision = checkAs(mesh, "execute:computer_use", s, agent, { context, identity: options.identity, metadata: { tool: "computer" } });
      if (!decision.allowed) throw new PolicyDeniedError(decision);
      const out = await inner[method](...args);
      if (method !== "screenshot") screenshotOwed = true;
      return out;
    };
  }
  return wrapped;
}

/**
 * Governs computer use: returns a computer provider for `computerTool({ computer })`
 * whose every action is checked as `execute:computer_use` with context
 * `{ action_type, target }` before it reaches `computer`; a refused action throws
 * PolicyDeniedError (the SDK records it and the action never runs). `computer`
 * may be a Computer, an initializer or a provider. It acts as `agent` (an SDK
 * Agent) or `identity`, else as the agent whose turn it is.
 */
export function governedComputer(computer, options) {
  const mesh = requireMesh(options, "governedComputer");
  if (!computer || (typeof computer !== "object" && typeof computer !== "function")) {
    throw new MeshGuardError(`governedComputer needs a Computer; got ${describe(computer)}`);
  }
  const opts = { agent: options.agent, identity: options.identity && checkIdentity(options.identity, options.agent) };
  const provider = typeof computer === "function" ? { create: computer } : typeof computer.create === "function" && typeof computer.click !== "function" ? computer : null;
  const inners = new WeakMap();
  return {
    create: async ({ runContext }) => {
      const inner = provider ? await provider.create({ runContext }) : computer;
      const wrapped = wrapComputer(inner, mesh, runContext, opts);
      inners.set(wrapped, inner);
      return wrapped;
    },
    dispose: async ({ runContext, computer: wrapped }) => {
      if (provider?.dispose) await provider.dispose({ runContext, computer: inners.get(wrapped) });
    },
  };
}
