// The package through its CommonJS entry (generated from the ES module sources).
const assert = require("node:assert/strict");
const { test } = require("node:test");

const meshguard = require("@meshguard/policy");
const { MeshGuard, PolicyDeniedError, PolicyError, runConformance, verifyAudit } = meshguard;

test("require() gives the same API as import", async () => {
  const esm = await import("@meshguard/policy");
  assert.deepEqual(Object.keys(meshguard).sort(), Object.keys(esm).sort());
});

test("every conformance vector passes through the CommonJS entry", async () => {
  const { assertPassed, vectorFiles } = await import("./support.mjs");
  for (const { file, text } of vectorFiles()) assertPassed(runConformance(text, { file }));
});

test("checks, errors and the audit trail work from CommonJS", async () => {
  const { seedPolicy, supportAgent } = await import("./support.mjs");
  const mesh = new MeshGuard({ policies: [seedPolicy()], agent: supportAgent });
  assert.equal(mesh.check("write:refund", { context: { amount: 50 } }).allowed, true);
  assert.throws(() => mesh.enforce("write:refund", { context: { amount: 150 } }), PolicyDeniedError);
  assert.throws(() => mesh.loadPolicies(["name: x\nrules: []"]), (e) => e instanceof PolicyError && e.path === "rules");
  assert.equal(verifyAudit(mesh.exportAudit()).ok, true);
  assert.equal(mesh.auditStats().total, 2);
});
