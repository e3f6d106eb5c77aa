import { defineConfig } from "@playwright/test";

// The server is started by `cargo xtask test`, which passes its address in BASE_URL.
const baseURL = process.env.BASE_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  reporter: [["list"], ["json"]],
  use: {
    baseURL,
    locale: "ru-RU",
    viewport: { width: 390, height: 844 },
    launchOptions: {
      // The system Chromium; Playwright never downloads a browser here.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
      ],
    },
  },
  projects: [
    { name: "app", testIgnore: /(live|switches|card-queue|busy-exchange)\.spec\.ts/ },
    // New loads land in every open list: these stories run once the others are done.
    { name: "live", testMatch: /live\.spec\.ts/, dependencies: ["app"] },
    // Feature flags flipped for everyone: after the stories that rely on the defaults.
    { name: "switches", testMatch: /switches\.spec\.ts/, dependencies: ["app"] },
    // The exchange slowed down for everyone: once every other story is done.
    { name: "slow-exchange", testMatch: /card-queue\.spec\.ts/, dependencies: ["live", "switches"] },
    // The exchange throttling Hauler for everyone: last of all.
    { name: "busy-exchange", testMatch: /busy-exchange\.spec\.ts/, dependencies: ["slow-exchange"] },
  ],
});
