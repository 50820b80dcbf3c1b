// Arguments and help: each command declares its options once (type, argument name,
// help text), and both `parseArgs` and `--help` are made from that.

import { parseArgs } from "node:util";
import { usageError } from "./io.js";

/** Parses `argv` for `command` with node:util's parseArgs, strictly. */
export function parse(command, argv) {
  const options = { help: { type: "boolean", short: "h" } };
  for (const [name, o] of Object.entries(command.options)) {
    options[name] = { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}), ...(o.default !== undefined ? { default: o.default } : {}) };
  }
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  if (!command.positionals && positionals.length && !values.help) {
    throw usageError(`meshguard ${command.name} takes no arguments besides its options${command.redactPositionals ? "" : `; got ${JSON.stringify(positionals[0])}`}`);
  }
  return { values, positionals };
}

/** Wraps prose at `width` columns, each line indented by `indent`. */
function wrap(text, indent = "  ", width = 88) {
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(indent + line);
  return lines.join("\n");
}

/** The help of one command: usage, what it does, options, examples, exit codes. */
export function commandHelp(command) {
  const shown = Object.entries(command.options).filter(([, o]) => !o.hidden);
  const flags = shown.map(([name, o]) => `${o.short ? `-${o.short}, ` : ""}--${name}${o.type === "string" ? ` <${o.arg ?? "value"}>` : ""}`);
  const width = Math.max(0, ...flags.map((f) => f.length)) + 2;
  const out = [`meshguard ${command.name}: ${command.summary}`, "", "Usage:", `  ${command.usage}`, ""];
  if (command.description) out.push(wrap(command.description), "");
  if (shown.length) {
    out.push("Options:");
    shown.forEach(([, o], i) => out.push(`  ${flags[i].padEnd(width)}${o.help ?? ""}${o.default !== undefined ? ` (default ${o.default})` : ""}`));
    out.push(`  ${"-h, --help".padEnd(width)}this help`, "");
  }
  out.push("Examples:");
  for (const [example, what] of command.examples) out.push(`  ${example}`, `      ${what}`);
  out.push("", "Exit codes: 0 success, 1 a check failed, 2 usage error, 3 a policy or input could not be loaded.", "");
  return out.join("\n");
}

/** The help of the whole tool: every command with its summary. */
export function mainHelp(commands, version) {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `meshguard ${version}: validate, test and replay MeshGuard policies; decide checks; verify audit trails; mint tokens`,
    "",
    "Usage: meshguard <command> [options]      meshguard <command> --help",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "Examples:",
    "  meshguard validate policies/",
    "  meshguard test tests/policies --coverage --threshold 90 --junit report.xml",
    "  meshguard check --policies policies/ --agent '{\"id\":\"agent_support\",\"tags\":[\"support\"]}' --action write:refund --explain",
    "",
    "Exit codes: 0 success; 1 a check failed (a test, a verification, a threshold, a denied check,",
    "a replay with --fail-on-change); 2 usage error; 3 a policy or input could not be loaded.",
    "Colour follows the terminal; NO_COLOR turns it off, FORCE_COLOR on.",
    "",
  ].join("\n");
}
