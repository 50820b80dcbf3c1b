// The playground in real Chromium (Debian's, driven by playwright-core), served from
// the built dist/. Each test follows the list; screenshots of the main states
// go to .build/screenshots/ for a person to look at.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { launchChromium, serveDist } from "./chromium.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const shots = resolve(process.env.MESHGUARD_SCREENSHOTS ?? join(here, "..", "..", ".build", "screenshots"));
mkdirSync(shots, { recursive: true });

let server;
let browser;
let origin;
/** Every request any page made, to check that none left the origin. */
const requests = [];

before(async () => {
  server = await serveDist();
  origin = server.origin;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** A fresh page (own storage) on the playground, with the first decision on screen. */
async function open({ url = `${origin}/`, width = 1024, height = 768, colorScheme = "light" } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("request", (r) => requests.push(r.url()));
  page.on("worker", (w) => w.on("console", () => {}));
  await page.goto(url);
  await decision(page).filter({ hasText: /allow|deny|require approval/i }).waitFor({ timeout: 30_000 });
  return { page, context, errors };
}

const decision = (page) => page.getByRole("region", { name: "Decision" }).getByRole("status");
const editor = (page) => page.getByRole("textbox", { name: "Policy editor" });
const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`) });

/** Replaces the open policy document by typing (select all, then the text as input). */
async function typePolicy(page, text) {
  await editor(page).click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText(text);
}

async function openSample(page, title) {
  await page.getByRole("combobox", { name: "Sample" }).selectOption({ label: title });
  await decision(page).filter({ hasText: /allow|deny|require approval/i }).waitFor();
}

const brokenPolicy = `# Café policy — é and 😀 before the error
name: cafe
rules:
  - name: small-refunds
    effect: allow
    actions: ["write:refund"]
    conditions: {context: {city: "Zürich 😀"}, amount_mx: 100}
`;

test("a broken policy is marked at its line and column after non-ASCII text, and its suggestion fixes it", async () => {
  const { page, context, errors } = await open();
  await shot(page, "01-loaded-desktop-light");
  await typePolicy(page, brokenPolicy);
  const marked = page.locator(".cm-lintRange-error");
  await marked.first().waitFor();
  assert.equal(await marked.count(), 1);
  assert.equal(await marked.textContent(), "amount_mx", "the marker covers exactly the misspelt key");
  const line = await marked.evaluate((el) => el.closest(".cm-line").textContent);
  assert.match(line, /Zürich 😀/);
  // The problems list shows the engine's column, which counts characters (UTF-16 would count the emoji twice).
  const column = [...'    conditions: {context: {city: "Zürich 😀"}, '].length + 1;
  await page.getByRole("button", { name: `openai-support-agent.yaml:7:${column}` }).waitFor();
  await page.getByRole("tab", { name: /1 error/ }).waitFor();
  await marked.hover();
  await page.locator(".cm-tooltip-lint").waitFor();
  await shot(page, "02-lint-marker-desktop-light");
  await page.locator(".cm-tooltip-lint").getByRole("button", { name: "Use amount_max" }).click();
  await page.getByText("No problems.").waitFor();
  assert.match(await editor(page).textContent(), /amount_max: 100/);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a check shows the decision, the explanation, and highlights the deciding rule", async () => {
  const { page, context } = await open();
  await page.getByRole("textbox", { name: "Action" }).fill("write:refund");
  const ctx = page.getByRole("textbox", { name: "Context" });
  await ctx.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText('{"amount": 50}');
  await page.getByRole("button", { name: "Check", exact: true }).click();
  const status = decision(page);
  await status.filter({ hasText: /^allow/ }).waitFor();
  assert.match(await status.textContent(), /policy openai-support-agent-policy.*rule rule-4/);
  const region = page.getByRole("region", { name: "Decision" });
  const deciding = region.locator("tr.deciding");
  assert.match(await deciding.textContent(), /rule-4.*allow.*write:refund.*amount_max true — context.amount is 50; wanted lte 100.*matched/);
  assert.match(await region.textContent(), /appliesTo matches the agent/);
  assert.match(await region.locator("tr.conditions_false, tr.action_mismatch").first().textContent(), /rule-1/);
  const highlighted = await page.locator(".cm-line.cm-deciding").allTextContents();
  assert.ok(highlighted.some((l) => l.includes("amount_max: 100")), highlighted.join("\n"));
  await shot(page, "03-check-explanation-desktop-light");

  // The same check without an amount: the deny rule fails closed, naming the field.
  await ctx.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.insertText("{}");
  await page.keyboard.press("ControlOrMeta+Enter");
  await status.filter({ hasText: /^deny/ }).waitFor();
  assert.match(await status.textContent(), /rule-5/);
  assert.match(await region.textContent(), /amount_min unknown/);
  await context.close();
});

test("a chain built on the graph colours the edges, explains refusals, and a ceiling denies the last agent", async () => {
  const { page, context } = await open();
  await openSample(page, "Tiered support: Tier 1 → Billing → Escalation");
  await page.getByRole("tab", { name: "Handoffs" }).click();
  const graph = page.getByRole("region", { name: "Handoff graph" });
  await page.getByRole("button", { name: "Clear chain" }).click();
  const node = (name) => graph.getByRole("button", { name: new RegExp(`^${name}`) });
  await node("Tier 1 Support").click();
  await node("Billing Specialist").click();
  await page.getByText(/handed off to Billing Specialist/).waitFor();
  const edge = (from, to) => graph.locator(`path.edge[data-from="${from}"][data-to="${to}"]`);
  await edge("billing", "escalation").waitFor({ state: "attached" });
  assert.match(await edge("tier1", "billing").getAttribute("class"), /\ballow\b.*on-chain/);
  assert.match(await edge("tier1", "escalation").getAttribute("class"), /\bdeny\b/);
  assert.match(await edge("billing", "escalation").getAttribute("class"), /\ballow\b/);
  const hop = page.getByRole("list", { name: "Chain" });
  assert.match(await hop.textContent(), /depth1 hop from Tier 1 Support/);
  assert.match(await hop.textContent(), /maxDepth of Tier 1 Support2 \(tier1-support\)/);
  assert.match(await hop.textContent(), /ceiling in force\["read:\*", "write:refund", "write:escalation", "handoff:\*"\] from Tier 1 Support/);

  // A cycle is refused, in words.
  await node("Tier 1 Support").click();
  const said = page.locator("#handoff-result");
  await said.filter({ hasText: /cycle/ }).waitFor();
  assert.match(await said.textContent(), /^Refused \(cycle\): handoff cycle: Tier 1 Support is already on the delegation chain\. The chain is Tier 1 Support → Billing Specialist; handing off to Tier 1 Support again would close a cycle\.$/);
  await shot(page, "04-handoffs-desktop-light");

  // Billing acting for Tier 1 may not email: outside Tier 1's ceiling.
  await page.getByRole("button", { name: "Check as the last agent" }).click();
  await page.getByRole("textbox", { name: "Action" }).fill("write:email");
  await page.getByRole("button", { name: "Check", exact: true }).click();
  await decision(page).filter({ hasText: /permissionCeiling/ }).waitFor();
  const region = page.getByRole("region", { name: "Decision" });
  assert.match(await decision(page).textContent(), /^deny.*outside the delegation ceiling of Tier 1 Support/);
  assert.match(await region.textContent(), /permissionCeiling of Tier 1 Support \(policy tier1-support\): 'write:email' matches no pattern of the ceiling/);
  assert.match(await page.locator(".cm-line.cm-deciding").first().textContent(), /read:\*/, "the ceiling is highlighted in the editor");
  await shot(page, "05-ceiling-denial-desktop-light");

  // maxDepth 1 below Tier 1: Billing may no longer hand off, and the refusal says why.
  const text = await editor(page).evaluate(() => window.playground.editor.policies()[0].text);
  await typePolicy(page, text.replace("maxDepth: 2", "maxDepth: 1"));
  await page.getByText("No problems.").waitFor();
  await page.getByRole("tab", { name: "Handoffs" }).click();
  await graph.locator('path.edge.deny[data-from="billing"][data-to="escalation"]').waitFor({ state: "attached" });
  await node("Escalation Manager").click();
  await said.filter({ hasText: /depth/ }).waitFor();
  assert.match(await said.textContent(), /^Refused \(maxDepth\): delegation depth 2 below Tier 1 Support exceeds its maxDepth of 1/);
  assert.match(await said.textContent(), /too deep: 2 hops below Tier 1 Support; its maxDepth is 1/);
  await shot(page, "05b-depth-refusal-desktop-light");
  await context.close();
});

test("the test table runs through runConformance, reports failures, and round-trips YAML", async () => {
  const { page, context } = await open();
  await page.getByRole("tab", { name: "Tests" }).click();
  await page.getByRole("button", { name: "Run tests" }).click();
  const summary = page.locator("#tests-summary");
  await summary.filter({ hasText: "9 passed, 0 failed" }).waitFor();
  await page.getByRole("combobox", { name: "Expected decision for a refund of $150 is denied" }).selectOption("allow");
  await page.getByRole("button", { name: "Run tests" }).click();
  await summary.filter({ hasText: "8 passed, 1 failed" }).waitFor();
  const failed = page.getByRole("row", { name: /a refund of \$150 is denied/ });
  assert.match(await failed.textContent(), /fail: .*deny/);
  await shot(page, "06-tests-desktop-light");

  // Export, then import into a fresh page: the same rows come back.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export YAML" }).click()]);
  const exported = readFileSync(await download.path(), "utf8");
  assert.match(exported, /^policies:\n {2}# openai-support-agent.yaml\n {2}- \|/m);
  assert.match(exported, /name: a refund of \$150 is denied\n(.*\n)*? {4}expect: \{decision: allow/);
  const file = join(shots, "..", "exported-tests.yaml");
  writeFileSync(file, exported);
  const fresh = await open();
  await fresh.page.getByRole("combobox", { name: "Sample" }).selectOption({ label: "Rate limits, hours and zones" });
  await fresh.page.getByRole("tab", { name: "Tests" }).click();
  await fresh.page.locator("#import-tests").setInputFiles(file);
  await fresh.page.getByRole("button", { name: /Open the file's 1 policy in the editor/ }).click();
  await fresh.page.getByRole("combobox", { name: "Expected decision for a refund of $150 is denied" }).waitFor();
  await fresh.context.close();
  await context.close();
});

test("every sample's own test table passes", async () => {
  const { page, context } = await open();
  for (const [title, count] of [["Tiered support: Tier 1 → Billing → Escalation", 8], ["Rate limits, hours and zones", 11], ["Support agent (the integration guide)", 9]]) {
    await openSample(page, title);
    await page.getByRole("tab", { name: "Tests" }).click();
    await page.getByRole("button", { name: "Run tests" }).click();
    await page.locator("#tests-summary").filter({ hasText: `${count} passed, 0 failed` }).waitFor();
    await page.getByRole("tab", { name: "Check" }).click();
  }
  await context.close();
});

test("a share link opens in a fresh page with the same workspace; another version says so", async () => {
  const { page, context } = await open();
  await openSample(page, "Rate limits, hours and zones");
  await page.getByRole("textbox", { name: "Action" }).fill("read:pricing");
  await page.getByRole("button", { name: "Add a policy document" }).click();
  await page.getByRole("tab", { name: "Handoffs" }).click();
  await page.getByRole("region", { name: "Handoff graph" }).getByRole("button", { name: /^Research Assistant/ }).click();
  await page.getByRole("button", { name: "Share" }).click();
  const link = await page.getByRole("textbox", { name: "Share link" }).inputValue();
  assert.ok(link.startsWith(`${origin}/#v=`), link);
  const before = await page.evaluate(() => window.playground.workspace());

  const other = await open({ url: link });
  const after = await other.page.evaluate(() => window.playground.workspace());
  assert.deepEqual(after, before);
  assert.equal(await other.page.locator("#notice").isHidden(), true);
  await other.context.close();

  const old = await open({ url: link.replace(/v=[^&]+/, "v=0.0.1-old") });
  await old.page.getByText(/made with @meshguard\/policy 0\.0\.1-old; this playground runs/).waitFor();
  assert.deepEqual(await old.page.evaluate(() => window.playground.workspace()), before);
  await old.context.close();

  // And kept between visits: a reload restores it from localStorage.
  await page.goto(`${origin}/`);
  await decision(page).filter({ hasText: /allow|deny|require approval/i }).waitFor();
  assert.deepEqual(await page.evaluate(() => window.playground.workspace()), before);
  await context.close();
});

test("the audit trail exports JSON Lines; an edited line fails verification at that line", async () => {
  const { page, context } = await open();
  for (const amount of [20, 500]) {
    await page.getByRole("textbox", { name: "Context" }).click();
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.insertText(JSON.stringify({ amount }));
    await page.getByRole("button", { name: "Check", exact: true }).click();
    await decision(page).filter({ hasText: amount < 100 ? /^allow/ : /^deny/ }).waitFor();
  }
  await page.getByRole("tab", { name: "Audit" }).click();
  const trail = page.getByRole("region", { name: "Audit trail" });
  await trail.getByRole("row").filter({ hasText: /^3/ }).waitFor();
  assert.match(await trail.textContent(), /3 entries: 1 allowed, 2 denied/);
  assert.match(await trail.getByRole("row").nth(1).textContent(), /^3deny\s*write:refund.*[0-9a-f]{12}$/);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export JSON Lines" }).click()]);
  const jsonl = readFileSync(await download.path(), "utf8");
  const lines = jsonl.trim().split("\n");
  assert.equal(lines.length, 3);

  const paste = page.getByRole("textbox", { name: "Paste a JSON Lines trail to verify" });
  await paste.fill(jsonl);
  await page.getByRole("button", { name: "Verify audit" }).click();
  const verdict = page.locator("#audit-verdict");
  await verdict.filter({ hasText: "Verified: 3 entries" }).waitFor();

  lines[1] = lines[1].replace('"decision":"allow"', '"decision":"deny"');
  await paste.fill(lines.join("\n"));
  await page.getByRole("button", { name: "Verify audit" }).click();
  await verdict.filter({ hasText: "Broken at line 2" }).waitFor();
  assert.match(await verdict.textContent(), /seq 2/);
  const selected = await paste.evaluate((el) => el.value.slice(el.selectionStart, el.selectionEnd));
  assert.equal(selected, lines[1], "the bad line is selected in the box");
  await shot(page, "07-audit-desktop-light");
  await context.close();
});

test("keyboard only: tab to the action, type, check with Ctrl+Enter; the decision is announced", async () => {
  const { page, context } = await open();
  await page.getByRole("textbox", { name: "Action" }).focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("read:order_data");
  await page.keyboard.press("Tab"); // resource
  await page.keyboard.press("Tab"); // context
  await page.keyboard.press("ControlOrMeta+Enter");
  await decision(page).filter({ hasText: /^allow\s*read:order_data/ }).waitFor();
  // Panel tabs move with the arrow keys.
  await page.getByRole("tab", { name: "Check" }).focus();
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.getByRole("tab", { name: "Handoffs" }).getAttribute("aria-selected"), "true");
  await context.close();
});

test("audit mode decides the same but allows, in a new trail", async () => {
  const { page, context } = await open();
  await page.getByRole("combobox", { name: "Mode" }).selectOption("audit");
  await page.getByRole("button", { name: "Check", exact: true }).click();
  await decision(page).filter({ hasText: /mode audit, allowed true/ }).waitFor();
  assert.match(await decision(page).textContent(), /^deny/);
  await page.getByRole("tab", { name: "Audit" }).click();
  const trail = page.getByRole("region", { name: "Audit trail" });
  await trail.getByText(/A new trail started when the mode changed to audit/).waitFor();
  assert.match(await trail.textContent(), /1 entry: 0 allowed, 1 denied/);
  await context.close();
});

test("an agent token is verified by the package; a refusal shows its code", async () => {
  const { page, context } = await open();
  await page.getByRole("radio", { name: "Signed token" }).check();
  await page.getByRole("textbox", { name: "Secret or public key" }).fill("a-playground-secret-of-32-bytes!!");
  await page.getByRole("button", { name: "Sign a token for this agent (HS256)" }).click();
  const result = page.locator("#token-result");
  await result.filter({ hasText: "Verified: Customer Support Agent (agent_support), verified" }).waitFor();
  await page.getByRole("button", { name: "Check", exact: true }).click();
  await decision(page).filter({ hasText: /agent_support/ }).waitFor();
  await page.getByRole("textbox", { name: "Secret or public key" }).fill("another-secret-of-at-least-32-bytes");
  await page.getByRole("button", { name: "Verify token" }).click();
  await result.filter({ hasText: "Refused: bad_signature" }).waitFor();
  await page.getByRole("combobox", { name: "Key" }).selectOption("publicKey");
  await page.getByRole("button", { name: "Verify token" }).click();
  await result.filter({ hasText: /Refused: (bad_key|alg_not_allowed)/ }).waitFor();
  await context.close();
});

test("the controls carry the accessible names of the issue's table", async () => {
  const { page, context } = await open();
  const names = [
    ["textbox", "Policy editor"], ["textbox", "Action"], ["textbox", "Context"], ["button", "Check"],
    ["region", "Decision"], ["button", "Share"],
  ];
  const inPanel = { Handoffs: [["region", "Handoff graph"]], Tests: [["button", "Run tests"]], Audit: [["region", "Audit trail"], ["button", "Verify audit"]] };
  for (const [role, name] of names) assert.equal(await page.getByRole(role, { name, exact: true }).count(), 1, `${role} ${name}`);
  for (const [tab, list] of Object.entries(inPanel)) {
    await page.getByRole("tab", { name: tab }).click();
    for (const [role, name] of list) assert.equal(await page.getByRole(role, { name, exact: true }).count(), 1, `${role} ${name}`);
  }
  await context.close();
});

test("screenshots at phone width and in dark mode", async () => {
  for (const [name, opts] of [
    ["08-phone-light", { width: 390, height: 844 }],
    ["09-phone-dark", { width: 390, height: 844, colorScheme: "dark" }],
    ["10-desktop-dark", { colorScheme: "dark" }],
  ]) {
    const { page, context } = await open(opts);
    await shot(page, name);
    if (name === "10-desktop-dark") {
      await typePolicy(page, brokenPolicy);
      await page.locator(".cm-lintRange-error").hover();
      await page.locator(".cm-tooltip-lint").waitFor();
      await shot(page, "10b-lint-marker-desktop-dark");
      await openSample(page, "Tiered support: Tier 1 → Billing → Escalation");
      await page.getByRole("tab", { name: "Handoffs" }).click();
      await page.locator("path.edge").first().waitFor({ state: "attached" });
      await shot(page, "11-handoffs-desktop-dark");
    } else {
      await page.getByRole("region", { name: "Decision" }).scrollIntoViewIfNeeded();
      await shot(page, `${name}-decision`);
    }
    await context.close();
  }
});

test("no request ever leaves the page's origin", () => {
  assert.ok(requests.length > 10);
  const foreign = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith("blob:") && !u.startsWith("data:"));
  assert.deepEqual(foreign, []);
});
