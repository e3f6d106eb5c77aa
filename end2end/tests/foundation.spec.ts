import { expect, test } from "@playwright/test";
import { DARK_THEME, openInTelegram, screenshot } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

test("the page arrives server-rendered before any script runs", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/");
  // The board's frame and skeleton cards paint at once; loads fill them in after sign-in.
  await expect(page.getByTestId("open-filters")).toHaveText("Фильтры");
  await expect(page.getByTestId("card-skeleton")).toHaveCount(4);
  await expect(page.locator("main")).toHaveAttribute("data-ready", "false");
  await page.goto("/status");
  await expect(page.getByRole("heading", { name: "Hauler" })).toBeVisible();
  await expect(page.getByText("Состояние сервиса")).toBeVisible();
  await context.close();
});

test("opened from Telegram, the app takes the page over and a click reads the database through a server function", async ({
  page,
}) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));

  await openInTelegram(page, "/status", { platform: "android" });
  await expect(page.locator("main")).toHaveAttribute("data-ready", "true");
  await expect(page.getByTestId("telegram-platform")).toHaveText("Telegram: android");

  await page.getByTestId("check-status").click();
  await expect(page.getByTestId("status-facts")).toBeVisible();
  await expect(page.getByTestId("status-database")).toHaveText(/SQLite|PostgreSQL/);
  await expect(page.getByTestId("status-migrations")).toHaveText(/^[1-9]\d*$/);
  await expect(page.getByTestId("status-drivers")).toHaveText(/^\d+$/);
  expect(errors).toEqual([]);
});

test("Telegram's dark theme colours reach the page's CSS variables", async ({ page }) => {
  await openInTelegram(page, "/status", { theme: DARK_THEME });
  await expect(page.locator("main")).toHaveAttribute("data-ready", "true");

  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).toBe("rgb(23, 33, 43)"); // #17212b
  const text = await page.evaluate(() => getComputedStyle(document.body).color);
  expect(text).toBe("rgb(245, 245, 245)"); // #f5f5f5
  const button = await page.getByTestId("check-status").evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(button).toBe("rgb(82, 136, 193)"); // #5288c1
});
