// The shell tool: each command is checked as `execute:shell`, with context
// `{ command, commands, workingDirectory? }`, before the Shell runs it. A call runs
// only if every one of its commands is allowed; otherwise none runs.

import { shellTool as sdkShellTool } from "@openai/agents";
import { describe, isPlainObject } from "../lib/args.js";
import { MeshGuardError } from "../lib/errors.js";
import { requireMesh } from "./args.js";
import { checkIdentity } from "./identities.js";
import { LOCAL, admit, localGovernor, needsApproval } from "./local-calls.js";
import { GOVERNED } from "./run-state.js";

const exited = (stderr) => ({ stdout: "", stderr, outcome: { type: "exit", exitCode: null } });

/**
 * `shellTool(shellToolOptions)` whose every command MeshGuard checks as
 * `execute:shell` before `shell.run` sees it. Deny: nothing runs, and the model
 * reads `Action blocked by policy: <reason>` for each command. require_approval:
 * the run interrupts for a person (resumable from saved state). Options: `mesh`,
 * `workingDirectory` (put in each check's context), and `agent` or `identity` to
 * act as (default: the agent whose turn it is).
 */
export function governedShell(shellToolOptions, options) {
  const mesh = requireMesh(options, "governedShell");
  if (!isPlainObject(shellToolOptions) || typeof shellToolOptions.shell?.run !== "function") {
    throw new MeshGuardError(`governedShell needs shellTool options with a local shell ({ shell: { run } }); got ${describe(shellToolOptions)}`);
  }
  if (shellToolOptions.environment && shellToolOptions.environment.type !== "local") {
    throw new MeshGuardError("governedShell governs a local Shell; a hosted shell environment runs on OpenAI's servers");
  }
  const { workingDirectory } = options;
  if (workingDirectory !== undefined && typeof workingDirectory !== "string") {
    throw new MeshGuardError(`governedShell: workingDirectory must be a string; got ${describe(workingDirectory)}`);
  }
  const identity = options.identity && checkIdentity(options.identity, options.agent);
  const g = localGovernor("governedShell", { ...options, identity }, (action) => {
    const commands = Array.isArray(action?.commands) ? action.commands.map(String) : [];
    return (commands.length ? commands : [""]).map((command) => ({
      action: "execute:shell",
      context: workingDirectory === undefined ? { command, commands } : { command, commands, workingDirectory },
    }));
  });
  const inner = shellToolOptions.shell;
  const shell = {
    async run(action) {
      const { refusal, check } = admit(g, action);
      if (!refusal) return inner.run(action);
      const message = `Action blocked by policy: ${refusal.reason}`;
      const refused = check.context.command;
      return { output: (action.commands ?? [refused]).map((c) => exited(c === refused ? message : `${message} (not run: \`${refused}\` in the same call was refused)`)) };
    },
  };
  const tool = sdkShellTool({ ...shellToolOptions, shell, needsApproval: needsApproval(g, shellToolOptions.needsApproval) });
  g.tool = tool;
  Object.defineProperty(tool, LOCAL, { value: g });
  Object.defineProperty(tool, GOVERNED, { value: { action: "execute:shell", mesh } });
  return tool;
}
