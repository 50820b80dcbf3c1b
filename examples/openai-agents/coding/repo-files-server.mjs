#!/usr/bin/env node
// A small local MCP server (stdio) for the repo assistant: file tools over the
// directory given as its argument. It knows nothing of MeshGuard; the agent's side
// decides which of its tools the model is offered and which calls it receives.
//
//   node repo-files-server.mjs <root>

import { readFileSync, readdirSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { McpServer } from "@modelcontextprotocol/server";
import { StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import { z } from "zod";

const root = resolve(process.argv[2] ?? ".");
/** A path inside the root, or an error (the server's own guard, apart from any policy). */
function inside(path) {
  const full = resolve(root, path);
  if (relative(root, full).startsWith("..")) throw new Error(`${path} is outside the repository`);
  return full;
}
const text = (t) => ({ content: [{ type: "text", text: t }] });

const server = new McpServer({ name: "repo-files", version: "1.0.0" });
server.registerTool("list_files", { description: "List the files of a directory of the repository.", inputSchema: z.object({ dir: z.string() }) }, async ({ dir }) =>
  text(readdirSync(inside(dir), { withFileTypes: true }).map((e) => (e.isDirectory() ? `${e.name}/` : e.name)).sort().join("\n")),
);
server.registerTool("read_file", { description: "Read a file of the repository.", inputSchema: z.object({ path: z.string() }) }, async ({ path }) =>
  text(readFileSync(inside(path), "utf8")),
);
server.registerTool("search", { description: "Find the lines of src/ files that contain a text.", inputSchema: z.object({ text: z.string() }) }, async ({ text: needle }) => {
  const hits = [];
  for (const f of readdirSync(inside("src"))) {
    readFileSync(inside(join("src", f)), "utf8").split("\n").forEach((line, i) => line.includes(needle) && hits.push(`src/${f}:${i + 1}: ${line}`));
  }
  return text(hits.join("\n") || "no match");
});
server.registerTool("delete_file", { description: "Delete a file of the repository.", inputSchema: z.object({ path: z.string() }) }, async ({ path }) => {
  rmSync(inside(path));
  return text(`deleted ${path}`);
});
await server.connect(new StdioServerTransport());
