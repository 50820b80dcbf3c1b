// The test table's file: a conformance vector file (the format `runConformance`
// reads). The package reads a file (`readConformance`); this module turns what it
// read back into table rows, and writes rows out as YAML.

const SPECIAL = /^(?:~|null|true|false|y|n|yes|no|on|off|[-+]?\.(?:inf|nan))$/i;
const NUMBER = /^[-+]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d+)?$|^0[xo][0-9a-fA-F]+$/;

/** A string as a YAML scalar: plain when that is unambiguous, else double-quoted (JSON). */
export function scalar(s) {
  if (/^[A-Za-z_][A-Za-z0-9_ ./@$()+'?!%=-]*$/.test(s) && !/ $/.test(s) && !SPECIAL.test(s) && !NUMBER.test(s)) return s;
  return JSON.stringify(s);
}

/** A value in flow style (`{a: 1, b: [x, y]}`). */
export function flow(value) {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return scalar(value);
  if (typeof value === "number" || typeof value === "boolean") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(flow).join(", ")}]`;
  return `{${Object.entries(value).map(([k, v]) => `${scalar(k)}: ${flow(v)}`).join(", ")}}`;
}

/**
 * A multi-line text as a literal block whose lines sit at `indent`, two spaces in from
 * the node that holds it (JSON-quoted when a block cannot hold the text).
 */
export function block(text, indent) {
  // eslint-disable-next-line no-control-regex
  if (text === "" || /[\r\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufeff]/.test(text) || /[\ud800-\udfff]/u.test(text.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ""))) {
    return JSON.stringify(text);
  }
  const trailing = /\n*$/.exec(text)[0].length;
  const chomp = trailing === 0 ? "-" : trailing === 1 ? "" : "+";
  const body = trailing > 0 ? text.slice(0, -1) : text;
  const pad = " ".repeat(indent);
  const indicator = /^[ \n]/.test(text) ? "2" : "";
  return `|${indicator}${chomp}\n${body.split("\n").map((l) => (l === "" ? "" : pad + l)).join("\n")}`;
}

/** The agent as a vector file writes it, with only the fields it has. */
function agentFields(a) {
  const out = { id: a.id };
  if (a.name && a.name !== a.id) out.name = a.name;
  if (a.trustTier && a.trustTier !== "untrusted") out.trustTier = a.trustTier;
  if (a.tags?.length) out.tags = a.tags;
  if (a.orgId) out.orgId = a.orgId;
  return out;
}

/** An agent with the defaults the engine fills in, for comparing. */
function resolved(a) {
  return JSON.stringify({ id: a.id, name: a.name || a.id, trustTier: a.trustTier || "untrusted", tags: a.tags ?? [], orgId: a.orgId ?? null });
}

/**
 * Rows from what `readConformance` read, with each agent named by its key in
 * `agents` (a `{key: agent}` map); agents not there yet are added under their id.
 * Returns `{model, agents}`.
 */
export function fromFile(file, agents) {
  const keys = { ...agents };
  const keyOf = (agent) => {
    const found = Object.entries(keys).find(([, a]) => resolved(a) === resolved(agent));
    if (found) return found[0];
    let key = agent.id;
    for (let n = 2; key in keys; n++) key = `${agent.id}-${n}`;
    keys[key] = agentFields(agent);
    return key;
  };
  const cases = file.cases.map((c) => {
    const row = { name: c.name };
    if (c.check) {
      row.agent = keyOf(c.check.agent);
      row.action = c.check.action;
      if (c.check.resource != null) row.resource = c.check.resource;
    } else {
      row.handoff = { from: keyOf(c.handoff.from), to: keyOf(c.handoff.to) };
    }
    if (c.context && Object.keys(c.context).length) row.context = c.context;
    if (c.now) row.now = c.now;
    if (c.chain?.length) row.chain = c.chain.map(keyOf);
    row.expect = Object.fromEntries(Object.entries(c.expect).filter(([, v]) => v !== null));
    return row;
  });
  const invalid = file.invalid.map((d) => {
    const row = { name: d.name, policy: d.policy };
    const expectError = Object.fromEntries(Object.entries(d.expectError).filter(([, v]) => v !== null));
    if (Object.keys(expectError).length) row.expectError = expectError;
    return row;
  });
  const options = Object.fromEntries(Object.entries(file.options).filter(([k, v]) => v !== null && !(k === "mode" && v === "enforce")));
  return { model: { description: file.description ?? null, options, cases, invalid }, agents: keys };
}

/** A vector file's YAML: the rows, the agents they name, and `policies` when given. */
export function toYaml(model, agents, policies = []) {
  const out = [];
  if (model.description) out.push(`description: ${model.description.includes("\n") ? block(model.description, 2) : scalar(model.description)}`);
  if (model.options && Object.keys(model.options).length) out.push(`options: ${flow(model.options)}`);
  if (policies.length) {
    out.push("policies:");
    for (const p of policies) {
      if (p.name) out.push(`  # ${p.name.replace(/\n/g, " ")}`);
      out.push(`  - ${block(p.text, 4)}`);
    }
  }
  const used = Object.keys(agents);
  if (used.length) {
    out.push("agents:");
    for (const key of used) out.push(`  ${scalar(key)}: ${flow(agentFields(agents[key]))}`);
  }
  out.push(model.cases.length ? "cases:" : "cases: []");
  for (const c of model.cases) {
    out.push(`  - name: ${scalar(c.name)}`);
    for (const k of ["agent", "action", "resource", "handoff", "context", "now", "chain", "expect"]) {
      if (c[k] !== undefined) out.push(`    ${k}: ${flow(c[k])}`);
    }
  }
  if (model.invalid?.length) {
    out.push("invalid:");
    for (const d of model.invalid) {
      out.push(`  - name: ${scalar(d.name)}`);
      out.push(`    policy: ${block(d.policy, 6)}`);
      if (d.expectError) out.push(`    expectError: ${flow(d.expectError)}`);
    }
  }
  return `${out.join("\n")}\n`;
}
