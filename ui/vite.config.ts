import { defineConfig } from "vite";

// The Tauri webview loads the built files from ui/dist (see src-tauri/tauri.conf.json).
export default defineConfig({
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "safari15",
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
  },
});
