import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

/** The console, served by the Worker at /app from its static assets (scripts/build-console.mjs builds it). */
export default defineConfig({
  base: "/app/",
  plugins: [preact()],
  build: {
    outDir: "../dist/public/app",
    emptyOutDir: true,
    target: "es2022",
    // No inlined assets: the page's CSP allows scripts and styles from this origin only.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
