import { defineConfig } from "@playwright/test";

// The production smoke test (`cargo xtask test` when PostgreSQL and Redis binaries are there):
// Hauler from the dist tarball in production mode behind nginx (BASE_URL, https with the test's
// own certificate authority), its outside services run by `hauler sandbox` (SANDBOX_URL).
export default defineConfig({
  testDir: "./production",
  timeout: 120_000,
  expect: { timeout: 20_000 },
  workers: 1,
  reporter: [["list", { printSteps: true }], ["json"]],
  use: {
    baseURL: process.env.BASE_URL,
    locale: "ru-RU",
    viewport: { width: 390, height: 844 },
    // The certificate is the test's CA's: what is tested is Hauler's side of TLS, not Chromium's.
    ignoreHTTPSErrors: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    },
  },
});
