// The playground's figures for BENCHMARKS.md (measured, never asserted): the
// JavaScript it ships without the .wasm, the time from navigation to the first
// decision on screen, and the longest main-thread task while typing with a
// 1,000-rule policy open (Chromium's long-task observer).
//
// Usage: npm run build && node bench/figures.mjs
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

import { encodeWorkspace } from "@meshguard/policy/workspace";
import { dist, launchChromium, serveDist } from "../tests/chromium.mjs";

const assets = join(dist, "assets");

// 1. JavaScript shipped (every .js the page or its worker loads), gzip -9.
const js = readdirSync(assets).filter((f) => f.endsWith(".js"));
const size = (f) => readFileSync(join(assets, f));
const raw = js.reduce((n, f) => n + size(f).length, 0);
const gzip = js.reduce((n, f) => n + gzipSync(size(f), { level: 9 }).length, 0);
const wasm = readdirSync(assets).filter((f) => f.endsWith(".wasm")).reduce((n, f) => n + gzipSync(size(f), { level: 9 }).length, 0);
console.log(`JavaScript shipped: ${(raw / 1024).toFixed(1)} KiB, ${(gzip / 1024).toFixed(1)} KiB gzip (${js.join(", ")}); the .wasm: ${(wasm / 1024).toFixed(1)} KiB gzip`);

const server = await serveDist();
const { origin } = server;
const browser = await launchChromium();

// 2. Navigation to the first decision, in fresh contexts (nothing cached).
const firsts = [];
for (let i = 0; i < 7; i++) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => performance.getEntriesByName("first-decision").length > 0, null, { timeout: 30_000 });
  firsts.push(await page.evaluate(() => ["first-decision", "engine-ready"].map((m) => performance.getEntriesByName(m)[0].startTime)));
  await context.close();
}
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
const decided = firsts.map((f) => f[0]);
console.log(`navigation to first decision: median ${median([...decided]).toFixed(0)} ms (min ${Math.min(...decided).toFixed(0)}, max ${Math.max(...decided).toFixed(0)}, 7 fresh loads); the engine worker was ready (wasm fetched and compiled) at ${median(firsts.map((f) => f[1])).toFixed(0)} ms`);

// 3. Typing with a 1,000-rule policy open.
const rules = Array.from({ length: 1000 }, (_, i) =>
  `  - name: rule-${i}\n    effect: ${i % 3 ? "allow" : "deny"}\n    actions: ["tool:${i}:*", "read:area-${i}"]\n    conditions: {amount_max: ${i + 10}, context: {region: {in: [eu, us]}}}\n`).join("");
const big = `name: big\nrules:\n${rules}defaultEffect: deny\n`;
const fragment = await encodeWorkspace({
  policies: [{ name: "big.yaml", text: big }],
  agents: { a: { id: "agent_a", name: "A", trustTier: "verified", tags: [] } },
  agent: { key: "a", source: "fields" },
  checks: [{ action: "tool:500:run", resource: "", context: '{"amount": 20, "region": "eu"}', clock: false, date: "2026-11-26", time: "10:00", zone: "UTC", mode: "enforce" }],
  chain: [],
});
/** Main-thread tasks over 50 ms while a rule is typed at the end of the workspace's first policy. */
async function typing(url) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => performance.getEntriesByName("first-decision").length > 0, null, { timeout: 60_000 });
  await page.waitForTimeout(1500);
  // Focus the editor first: finding it by its accessible name runs Playwright's own
  // script in the page, which is not the playground's work.
  await page.getByRole("textbox", { name: "Policy editor" }).click();
  await page.keyboard.press("ControlOrMeta+End");
  await page.waitForTimeout(1000);
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: "longtask" });
  });
  // A new rule typed at the end, with pauses that let validation run between lines.
  for (const chunk of ["  - name: typed\n", "effect: deny\n", 'actions: ["write:*"]\n', "reason: typed by hand\n"]) {
    await page.keyboard.type(chunk, { delay: 35 });
    await page.waitForTimeout(500);
  }
  await page.waitForTimeout(1500);
  const tasks = await page.evaluate(() => window.longTasks);
  const lines = await page.evaluate(() => window.playground.editor.view.state.doc.lines);
  await context.close();
  return `${lines} lines: ${tasks.length} tasks over 50 ms, the longest ${tasks.length ? `${Math.max(...tasks).toFixed(0)} ms` : "under 50 ms"}`;
}

for (let round = 1; round <= 3; round++) {
  console.log(`typing, round ${round}: 1,000-rule policy, ${await typing(`${origin}/#${fragment}`)}; the guide's 9-rule sample, ${await typing(`${origin}/`)}`);
}

await browser.close();
server.close();
