// Share links (@meshguard/policy/workspace): what the playground and `meshguard share` exchange.
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { test } from "node:test";

import { MeshGuardError, version } from "@meshguard/policy";
import { decodeWorkspace, encodeWorkspace, MAX_WORKSPACE_BYTES, normalizeWorkspace, shareUrl } from "@meshguard/policy/workspace";
import { seedPolicy } from "./support.mjs";

const workspace = {
  policies: [{ name: "support.yaml", text: seedPolicy() }, { name: "é😀.yaml", text: "name: ü\nrules: [{effect: allow, actions: ['*']}]\n" }],
  tests: "policies: []\ncases: []\n",
  agent: { id: "agent_support", trustTier: "verified", tags: ["support"] },
  checks: [{ action: "write:refund", context: { amount: 150 } }],
  chain: ["tier1", "billing"],
  theme: "dark",
};

const fragment = (v, bytes) => `v=${v}&w=${Buffer.from(bytes).toString("base64url")}`;

test("a workspace survives encoding and decoding exactly, non-ASCII text included", async () => {
  const link = await encodeWorkspace(workspace);
  assert.match(link, /^v=[^&]+&w=[A-Za-z0-9_-]+$/);
  const back = await decodeWorkspace(link);
  assert.deepEqual(back, { workspace, version, sameVersion: true });
});

test("a link is stamped with the package version, and another version says so", async () => {
  const url = await shareUrl("http://localhost:5173/play/", workspace);
  assert.ok(url.startsWith(`http://localhost:5173/play/#v=${encodeURIComponent(version)}&w=`));
  const other = url.replace(`v=${encodeURIComponent(version)}`, "v=0.0.1-old");
  const back = await decodeWorkspace(other);
  assert.equal(back.version, "0.0.1-old");
  assert.equal(back.sameVersion, false);
  assert.deepEqual(back.workspace, workspace);
});

test("the payload is gzip: a link is shorter than the JSON it carries", async () => {
  const big = { policies: [{ name: "p", text: seedPolicy().repeat(20) }] };
  const link = await encodeWorkspace(big);
  assert.ok(link.length < JSON.stringify(big).length / 4, `${link.length} vs ${JSON.stringify(big).length}`);
});

test("broken links are refused with invalid_share_link, naming what is wrong", async () => {
  const cases = [
    ["", /no workspace/],
    ["#v=1&w=***", /base64url/],
    [fragment(version, Buffer.from("not gzip")), /gzip/],
    [fragment(version, gzipSync(Buffer.from([0xff, 0xfe]))), /UTF-8/],
    [fragment(version, gzipSync("{oops")), /not JSON/],
    [fragment(version, gzipSync("[1]")), /must be an object/],
    [fragment(version, gzipSync('{"policies":[{"name":1,"text":"x"}]}')), /policies\[0\]/],
    [fragment(version, gzipSync('{"policies":[],"tests":{}}')), /tests must be/],
    [fragment(version, gzipSync('{"policies":[],"chain":"a"}')), /chain must be a list/],
  ];
  for (const [link, message] of cases) {
    await assert.rejects(decodeWorkspace(link), (e) => e instanceof MeshGuardError && e.code === "invalid_share_link" && message.test(e.message), link);
  }
  await assert.rejects(decodeWorkspace(42), /expected the link's text/);
});

test("a gzip bomb is refused before it is unpacked whole", async () => {
  const bomb = gzipSync(Buffer.alloc(MAX_WORKSPACE_BYTES + 1, 0x20));
  await assert.rejects(decodeWorkspace(fragment(version, bomb)), /more than/);
});

test("normalizeWorkspace fills in an empty policy list and keeps the playground's own fields", () => {
  assert.deepEqual(normalizeWorkspace({}), { policies: [] });
  assert.deepEqual(normalizeWorkspace({ layout: { wide: true } }), { layout: { wide: true }, policies: [] });
  assert.throws(() => normalizeWorkspace({ policies: "x" }), /policies must be a list/);
});
