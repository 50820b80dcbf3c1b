// What the examples print with: colours that follow the terminal (and NO_COLOR), section
// headings, and the audit trail as a table, verified.

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
export const [bold, dim, green, red, yellow, cyan] = [paint(1), paint(2), paint(32), paint(31), paint(33), paint(36)];

/** How a decision is marked where it is printed as it is made. */
export const MARK = { allow: green("✔ allowed "), deny: red("✘ denied  "), require_approval: yellow("⏸ approval") };

export const heading = (s) => console.log(`\n${bold(cyan(`━━ ${s} `.padEnd(78, "━")))}`);

const short = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));
const DECISION = { allow: green("allow   "), deny: red("deny    "), require_approval: yellow("approval") };

/**
 * Prints the trail's entries (oldest first), one line each, with the agent's name when
 * `agents` is set; span entries from the trace processor are dimmed. Then verifies the
 * exported trail and exits with status 1 if it does not verify.
 */
export function printTrail(mesh, { agents = false } = {}) {
  const [actionWidth, reasonWidth] = agents ? [36, 58] : [34, 64];
  if (agents) console.log(dim(`  #  ${"agent".padEnd(22)}  ${"action".padEnd(actionWidth)}  decision  reason`));
  for (const e of mesh.getAuditLog().reverse()) {
    const who = agents ? `${short(e.agentName, 22)}  ` : "";
    const line = `${String(e.seq).padStart(3)}  ${who}${short(e.action, actionWidth)}  ${DECISION[e.decision]}  ${short(e.reason, reasonWidth).trimEnd()}`;
    console.log(e.action.startsWith("trace:") ? dim(line) : line);
  }
  const verdict = mesh.verifyAudit(mesh.exportAudit());
  if (!verdict.ok) {
    console.error(red(`audit trail verification FAILED at entry ${verdict.firstBadSeq}: ${verdict.problem}`));
    process.exit(1);
  }
  console.log(`\n${green("✔")} audit trail verified: ${verdict.entries} entries`);
}
