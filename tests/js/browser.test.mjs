// The package in a real browser (Debian's Chromium, driven by playwright-core): the
// `browser` export fetches the .wasm next to it; every conformance vector passes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { assertPassed, root, seedPolicy, vectorFiles } from "./support.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = join(here, "..", "node_modules", "@meshguard", "policy");
const { chromium } = createRequire(join(root, "package.json"))("playwright-core");
const browserEntry = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).exports["."].browser;

const types = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".json": "application/json" };
const page = `<!doctype html>
<script type="importmap">{ "imports": { "@meshguard/policy": "/pkg/${browserEntry.replace(/^\.\//, "")}" } }</script>
<script type="module">
  import { MeshGuard, runConformance } from "@meshguard/policy";
  const vectors = await (await fetch("/vectors.json")).json();
  const seed = await (await fetch("/seed.yaml")).text();
  const mesh = new MeshGuard({ policies: [seed], agent: { id: "agent_support", tags: ["support"], trustTier: "verified" } });
  window.results = {
    reports: vectors.map(({ file, text }) => runConformance(text, { file })),
    refund: mesh.check("write:refund", { context: { amount: 150 } }),
    zoned: new MeshGuard({ policies: ["name: ny\\ntimezone: America/New_York\\nrules: [{effect: allow, actions: [x], conditions: {time_range: '09:00-17:00'}}]"], agent: { id: "a" } })
      .check("x", { now: "2026-07-15T13:00:00Z" }).decision,
  };
</script>`;

let server;
let browser;
let url;

before(async () => {
  const vectors = JSON.stringify(vectorFiles());
  server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/") return res.writeHead(200, { "content-type": "text/html" }).end(page);
    if (path === "/vectors.json") return res.writeHead(200, { "content-type": "application/json" }).end(vectors);
    if (path === "/seed.yaml") return res.writeHead(200, { "content-type": "text/plain" }).end(seedPolicy());
    if (path.startsWith("/pkg/")) {
      const file = normalize(join(pkgDir, path.slice(5)));
      if (!file.startsWith(pkgDir)) return res.writeHead(403).end();
      try {
        return res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
      } catch {
        return res.writeHead(404).end();
      }
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${server.address().port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

test("every conformance vector passes in Chromium, with time zones from the browser's Intl", async () => {
  const tab = await browser.newPage();
  const errors = [];
  tab.on("pageerror", (e) => errors.push(e.message));
  await tab.goto(url);
  await tab.waitForFunction(() => window.results !== undefined || document.readyState === "complete", null, { timeout: 30_000 });
  const results = await tab.waitForFunction(() => window.results, null, { timeout: 30_000 }).then((h) => h.jsonValue());
  assert.deepEqual(errors, []);
  assert.ok(results.reports.length >= 5);
  for (const report of results.reports) assertPassed(report);
  assert.equal(results.refund.decision, "deny");
  assert.equal(results.zoned, "allow", "13:00 UTC is 09:00 in New York in July");
});
