// Diagnostics as compilers show them (the source line and a caret), as GitHub
// Actions annotations, and as JSON.

import { MeshGuard, PolicyError } from "../../node.mjs";
import { loadError, painter } from "./io.js";

/** The length of the token that starts at `index` of `line` (a key, a word, a value), at least 1. */
function tokenLength(line, index) {
  const m = /^[^\s,:{}[\]#]+/.exec(line.slice(index));
  return m ? m[0].length : 1;
}

/**
 * One diagnostic, compiler-style. `sources` maps a source name to its text, for the
 * line and the caret; `p` is a painter.
 */
export function renderDiagnostic(d, sources, p) {
  const colour = d.severity === "warning" ? p.yellow : p.red;
  const { message, hint } = splitSuggestion(d);
  const out = [`${colour(p.bold(d.severity))}${p.bold(`: ${message}`)}`];
  const where = d.line ? `${d.source}:${d.line}:${d.column || 1}` : d.source;
  out.push(`  ${p.cyan("-->")} ${where}`);
  const text = sources.get(d.source);
  const line = d.line && text !== undefined ? text.split(/\r?\n/)[d.line - 1] : undefined;
  if (line !== undefined) {
    const gutter = String(d.line).length;
    const bar = p.cyan(`${" ".repeat(gutter + 1)}|`);
    // Characters, not bytes or UTF-16 units: the engine counts columns in characters.
    const chars = [...line];
    const at = Math.min(Math.max((d.column || 1) - 1, 0), chars.length);
    // Keep tabs in the padding, so the caret lines up however the terminal shows them.
    const pad = chars.slice(0, at).map((c) => (c === "\t" ? "\t" : " ")).join("");
    const caret = colour("^".repeat(tokenLength(chars.join(""), chars.slice(0, at).join("").length)));
    out.push(bar, `${p.cyan(`${d.line} |`)} ${line}`, `${bar} ${pad}${caret}${hint ? ` ${colour(hint)}` : ""}`);
  } else if (hint) {
    out.push(`   = ${hint}`);
  }
  if (d.path) out.push(`   ${p.cyan("=")} at ${d.path}`);
  return out.join("\n");
}

/** The message without its "did you mean" tail, and that tail as a hint. */
function splitSuggestion(d) {
  if (!d.suggestion) return { message: d.message, hint: "" };
  const cut = d.message.lastIndexOf("; did you mean");
  return { message: cut > 0 ? d.message.slice(0, cut) : d.message, hint: `did you mean \`${d.suggestion}\`?` };
}

/** Escapes a GitHub Actions workflow command's message. */
const ghData = (s) => String(s).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
/** Escapes a workflow command's property value. */
const ghProperty = (s) => ghData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

/** One diagnostic as a GitHub Actions annotation: `::error file=…,line=…,col=…,title=…::message`. */
export function githubAnnotation(d) {
  const props = [`file=${ghProperty(d.source)}`];
  if (d.line) props.push(`line=${d.line}`, `col=${d.column || 1}`);
  props.push(`title=${ghProperty(`meshguard: ${d.kind ?? d.severity}`)}`);
  const { message, hint } = splitSuggestion(d);
  const text = `${d.path ? `${d.path}: ` : ""}${message}${hint ? `; ${hint}` : ""}`;
  return `::${d.severity === "warning" ? "warning" : "error"} ${props.join(",")}::${ghData(text)}`;
}

/** A diagnostic as JSON output carries it. */
export function diagnosticJson(d) {
  const { severity, kind, source, line, column, path, message, suggestion } = d;
  return { severity, kind, file: source, line, column, path, message, suggestion: suggestion ?? null };
}

/** A MeshGuard over `policies`, without an audit trail, or a load error (exit 3) that shows every diagnostic. */
export function loadEngine(policies) {
  try {
    return new MeshGuard({ policies, audit: false });
  } catch (e) {
    throw policyLoadError(e, policies, painter(process.stderr));
  }
}

/**
 * Turns a failed policy load into a load error (exit 3) whose message shows every
 * diagnostic; anything else is passed on.
 */
function policyLoadError(e, policies, p) {
  if (!(e instanceof PolicyError)) return e;
  const sources = new Map(policies.map((x) => [x.name, x.text]));
  const shown = (e.errors.length ? e.errors : [{ severity: "error", source: e.source ?? "policies", message: e.message }])
    .map((d) => renderDiagnostic(d, sources, p));
  return loadError(`the policies did not load:\n\n${shown.join("\n\n")}`);
}
