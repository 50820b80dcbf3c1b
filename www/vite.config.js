// The playground is a static site: `npm run build` writes dist/, deployable anywhere.
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  // The package's browser entry and the worker use top-level await.
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
  worker: { format: "es" },
  // Samples are imported from the repository's examples/ (one level up).
  server: { fs: { allow: [".."] } },
});
