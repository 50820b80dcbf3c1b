// What every command shares: exit codes, errors that carry one, colour, and
// reading the files and arguments a command is given.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { readConformance } from "../conformance.js";

/** The exit codes, stable and documented in the README. */
export const EXIT = Object.freeze({ OK: 0, FAILED: 1, USAGE: 2, LOAD: 3 });

/** An error that ends the command with `exit` after printing `message`. */
export class CliError extends Error {
  constructor(message, exit) {
    super(message);
    this.exit = exit;
  }
}

export const usageError = (message) => new CliError(message, EXIT.USAGE);
export const loadError = (message) => new CliError(message, EXIT.LOAD);

/**
 * Whether to colour `stream`: never when NO_COLOR is set (and not empty), always
 * when FORCE_COLOR is (and is not 0 or false), else when the stream is a terminal
 * that has colours.
 */
export function colourful(stream, env = process.env) {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && !["0", "false"].includes(env.FORCE_COLOR)) return true;
  return Boolean(stream.isTTY && stream.hasColors?.());
}

/** Styling functions for `stream`; each is the identity when colour is off. */
export function painter(stream = process.stdout) {
  const on = colourful(stream);
  const paint = (open, close) => (s) => (on ? `\x1b[${open}m${s}\x1b[${close}m` : String(s));
  return {
    on,
    bold: paint(1, 22),
    dim: paint(2, 22),
    red: paint(31, 39),
    green: paint(32, 39),
    yellow: paint(33, 39),
    cyan: paint(36, 39),
  };
}

/** A path as the user would type it from here: relative to the working directory, with `/`. */
export function display(file) {
  const rel = relative(process.cwd(), file) || ".";
  return (rel.startsWith("..") ? file : rel).split(sep).join("/");
}

/** The text of a file, or a load error (exit 3) that names it. */
export function readText(file, what = "file") {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw loadError(`cannot read ${what} ${display(file)}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
  }
}

const SKIPPED_DIRS = new Set(["node_modules", "target", "dist"]);

/**
 * The files under `paths`: a file as given, a directory searched (sorted, without
 * dot-directories and node_modules) for names ending in one of `extensions` whose
 * text `wanted` accepts. A path that does not exist is a load error.
 */
export function expandPaths(paths, { extensions, wanted = () => true }) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isDirectory()) {
        if (!name.startsWith(".") && !SKIPPED_DIRS.has(name)) walk(path);
      } else if (extensions.some((e) => name.endsWith(e)) && wanted(readText(path))) {
        out.push(path);
      }
    }
  };
  for (const p of paths) {
    const stat = statSync(p, { throwIfNoEntry: false });
    if (!stat) throw loadError(`${display(p)}: no such file or directory`);
    if (stat.isDirectory()) walk(p);
    else out.push(p);
  }
  return [...new Set(out)];
}

/** Whether a YAML text is a vector file: one with a top-level `cases:` or `invalid:`. */
export const isVectorFile = (text) => /^(cases|invalid):/m.test(text);

/** Policy files under `paths` (YAML or JSON; vector files inside directories are left out), as `{name, text}`. */
export function readPolicies(paths) {
  const files = expandPaths(paths, { extensions: [".yaml", ".yml", ".json"], wanted: (t) => !isVectorFile(t) });
  if (files.length === 0) throw loadError(`no policy files (.yaml, .yml, .json) under ${paths.map(display).join(", ")}`);
  return files.map((f) => ({ name: display(f), text: readText(f, "policy file") }));
}

/** Every value of a repeatable option, each split at commas. */
export const list = (values) => (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);

/** JSON given on the command line (a usage error when malformed). */
export function jsonArg(text, what) {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw usageError(`${what} is not valid JSON: ${e.message}`);
  }
}

/**
 * Agents from a file in the vector format's `agents:` map (a vector file works),
 * keyed both by their key and by their id.
 */
export function readAgents(file) {
  const text = readText(file, "agents file");
  let agents;
  try {
    agents = readConformance(text, { file: display(file) }).agents;
  } catch (e) {
    throw loadError(`agents file ${e.message}`);
  }
  const byKey = new Map();
  for (const [key, agent] of Object.entries(agents)) {
    byKey.set(key, agent);
    if (!byKey.has(agent.id)) byKey.set(agent.id, agent);
  }
  return byKey;
}

/** Reads a secret from a file (one trailing newline dropped) or an environment variable. */
export function readSecret({ file, env }, what = "secret") {
  if (file !== undefined && env !== undefined) throw usageError(`give the ${what} as a file or an environment variable, not both`);
  if (file !== undefined) {
    let bytes;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw loadError(`cannot read the ${what} file ${display(file)}: ${e.code === "ENOENT" ? "no such file" : e.code ?? "unreadable"}`);
    }
    let end = bytes.length;
    if (bytes[end - 1] === 0x0a) end -= bytes[end - 2] === 0x0d ? 2 : 1;
    return new Uint8Array(bytes.subarray(0, end));
  }
  if (env !== undefined) {
    const value = process.env[env];
    if (value === undefined || value === "") throw loadError(`the environment variable ${env} (the ${what}) is not set`);
    return new TextEncoder().encode(value);
  }
  return undefined;
}

/** Writes a line to stdout. */
export const print = (line = "") => process.stdout.write(`${line}\n`);
