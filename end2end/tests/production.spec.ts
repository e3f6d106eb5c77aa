// The same app in production mode (a second server `cargo xtask test` starts, whose outside
// systems are the sandbox's stand-ins reached by URL): no demo login, Telegram sign-in works.
import { expect, test } from "@playwright/test";
import { openInTelegram, screenshot } from "./support/telegram";

const production = process.env.PRODUCTION_BASE_URL;

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

test("in production mode the demo login does not exist", async ({ page, request }) => {
  expect(production, "cargo xtask test starts the production-mode server").toBeTruthy();
  await page.goto(`${production}/`);
  await expect(page.locator("main")).toHaveAttribute("data-ready", "true");
  await expect(page.getByTestId("outside-telegram")).toBeVisible();
  await expect(page.getByTestId("demo-login")).toHaveCount(0);
  const demo = await request.post(`${production}/api/v1/auth/demo`);
  expect(demo.status()).toBe(404);
});

test("in production mode a driver from Telegram is signed in and sees loads", async ({ page }) => {
  await openInTelegram(page, `${production}/`, { user: { id: 310001, first_name: "Ольга", language_code: "ru" } });
  await expect(page.getByTestId("greeting")).toHaveText("Здравствуйте, Ольга");
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
});
