#!/usr/bin/env node
// The `meshguard` command. It runs on the package's Node entry, so a decision made
// here is made by the same WebAssembly engine as in production.
//
// Exit codes: 0 success; 1 a check failed (a test, a verification, a threshold, a
// denied `check`, a replay with --fail-on-change); 2 usage error; 3 a policy or
// input could not be loaded.

import { MeshGuardError, PolicyError, TokenError, version } from "../node.mjs";
import audit from "../lib/cli/audit.js";
import check from "../lib/cli/check.js";
import { commandHelp, mainHelp, parse } from "../lib/cli/help.js";
import { CliError, EXIT, painter } from "../lib/cli/io.js";
import replay from "../lib/cli/replay.js";
import share from "../lib/cli/share.js";
import test from "../lib/cli/test.js";
import token from "../lib/cli/token.js";
import validate from "../lib/cli/validate.js";

const COMMANDS = [validate, test, check, replay, ...audit, ...token, share];

/** The command `argv` names (one or two words) and the arguments after it. */
function find(argv) {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(" ");
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(words) };
  }
  return {};
}

/** The exit code for an error, after saying what went wrong on stderr. */
function fail(e, command) {
  const p = painter(process.stderr);
  const say = (message) => process.stderr.write(`${p.red(p.bold("meshguard:"))} ${message}\n`);
  if (e instanceof CliError) {
    say(e.message);
    if (e.exit === EXIT.USAGE) process.stderr.write(`run ${command ? `meshguard ${command.name} --help` : "meshguard --help"} for usage\n`);
    return e.exit;
  }
  if (e?.code?.startsWith?.("ERR_PARSE_ARGS")) {
    // Node's messages name the option; an unexpected positional could be a secret, so it is not repeated.
    say(e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL" && command?.redactPositionals ? "unexpected argument" : e.message);
    process.stderr.write(`run meshguard ${command ? `${command.name} ` : ""}--help for usage\n`);
    return EXIT.USAGE;
  }
  if (e instanceof TokenError) {
    say(`${e.code}: ${e.message}`);
    return e.code === "bad_key" ? EXIT.LOAD : EXIT.FAILED;
  }
  if (e instanceof PolicyError) {
    say(e.message);
    return EXIT.LOAD;
  }
  if (e instanceof MeshGuardError && e.code === "invalid_argument") {
    say(e.message);
    return EXIT.USAGE;
  }
  say(`could not run: ${e?.message ?? e}`);
  if (process.env.MESHGUARD_DEBUG) process.stderr.write(`${e?.stack ?? ""}\n`);
  return EXIT.LOAD;
}

async function main(argv) {
  if (argv.length === 0 || ["-h", "--help", "help"].includes(argv[0])) {
    const { command } = find(argv.slice(1));
    process.stdout.write(command ? commandHelp(command) : mainHelp(COMMANDS, version));
    return EXIT.OK;
  }
  if (argv[0] === "--version" || argv[0] === "-V") {
    process.stdout.write(`${version}\n`);
    return EXIT.OK;
  }
  const { command, rest } = find(argv);
  if (!command) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
    const known = group.length ? group.map((c) => c.name).join(", ") : COMMANDS.map((c) => c.name.split(" ")[0]).filter((n, i, a) => a.indexOf(n) === i).join(", ");
    return fail(new CliError(`unknown command ${JSON.stringify(argv.slice(0, group.length ? 2 : 1).join(" "))}; the commands are ${known}`, EXIT.USAGE));
  }
  try {
    const args = parse(command, rest);
    if (args.values.help) {
      process.stdout.write(commandHelp(command));
      return EXIT.OK;
    }
    return await command.run(args);
  } catch (e) {
    return fail(e, command);
  }
}

process.exitCode = await main(process.argv.slice(2));
