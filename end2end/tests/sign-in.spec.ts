import { expect, test } from "@playwright/test";
import { grantAccess, openInTelegram, screenshot, signInitData } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

const ivan = { id: 100500, first_name: "Иван", username: "ivan_driver", language_code: "ru" };

test("a driver opening the app from the bot is signed in and greeted by name", async ({ page }) => {
  await openInTelegram(page, "/", { user: ivan });
  await expect(page.getByTestId("greeting")).toHaveText("Здравствуйте, Иван");
  await expect(page).toHaveTitle("Hauler");
});

test("Telegram reloading the app with the same launch data keeps the driver signed in", async ({ page }) => {
  await openInTelegram(page, "/", { user: ivan });
  await expect(page.getByTestId("greeting")).toHaveText("Здравствуйте, Иван");
  await expect(page.getByTestId("cargo-card").first()).toBeVisible();
  await page.reload();
  await page.locator("main[data-ready=true]").waitFor();
  await expect(page.getByTestId("greeting")).toHaveText("Здравствуйте, Иван");
  await expect(page.getByTestId("sign-in-error")).toHaveCount(0);
  await expect(page.getByTestId("cargo-card").first()).toBeVisible();
});

test("an English-speaking driver is greeted in English", async ({ page }) => {
  await openInTelegram(page, "/", { user: { id: 200300, first_name: "John", language_code: "en" } });
  await expect(page.getByTestId("greeting")).toHaveText("Hello, John");
});

test("forged launch data is refused with its own screen", async ({ page }) => {
  await openInTelegram(page, "/", { initData: signInitData(ivan, { botToken: "1:someone-elses-bot" }) });
  const error = page.getByTestId("sign-in-error");
  await expect(error).toHaveAttribute("data-code", "init_data_bad_signature");
  await expect(error).toContainText("Не удалось подтвердить вход");
});

test("stale launch data asks the driver to reopen the app", async ({ page }) => {
  const anHourAgo = Math.floor(Date.now() / 1000) - 3600;
  await openInTelegram(page, "/", { initData: signInitData(ivan, { authDate: anHourAgo }) });
  const error = page.getByTestId("sign-in-error");
  await expect(error).toHaveAttribute("data-code", "init_data_expired");
  await expect(error).toContainText("Сеанс входа устарел");
});

test("opened outside Telegram, the app says where to open it and shows no loads", async ({ page }) => {
  await page.goto("/");
  await expect(page.locator("main")).toHaveAttribute("data-ready", "true");
  await expect(page.getByTestId("outside-telegram")).toContainText("Откройте Hauler из Telegram");
  await expect(page.getByTestId("greeting")).toHaveCount(0);
  await expect(page.getByTestId("cargo-list")).toHaveCount(0);
});

test("in the sandbox, a person without Telegram tries the app as the demo driver", async ({ page, request }) => {
  // The demo driver has their free trial, as any new driver would.
  await grantAccess(request, "demo");
  await page.goto("/");
  const demo = page.getByTestId("demo-login");
  await expect(demo).toHaveText("Войти как демо-водитель");
  await expect(page.getByTestId("outside-telegram")).toContainText("Песочница");
  await demo.click();
  await expect(page.getByTestId("greeting")).toHaveText("Здравствуйте, Демо-водитель");
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);

  // Without Telegram's buttons, the card draws its own.
  await page.getByTestId("cargo-card").first().click();
  await expect(page.getByTestId("main-action")).toHaveText("Откликнуться");
  await expect(page.getByTestId("back-action")).toBeVisible();
  await page.getByTestId("back-action").click();
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
});
