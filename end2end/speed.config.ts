import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// `cargo xtask speed`: the driver pages on a phone-like network and CPU, measured, not asserted.
export default defineConfig({
  ...base,
  testDir: "./speed",
  fullyParallel: false,
  workers: 1,
  timeout: 180_000,
  reporter: [["list"]],
});
