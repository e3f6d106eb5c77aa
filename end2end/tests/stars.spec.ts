// Telegram Stars, where Telegram's rules ask for them (iOS on this test server): the paywall
// prices plans in stars, Telegram's own payment sheet takes them, and the loads open.
import { expect, test, type Page } from "@playwright/test";
import { mainButton, openInTelegram, pressMainButton, screenshot, telegramEvents } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

const RUN = (Math.floor(Date.now() / 1000) % 1_000_000) * 100;
const driver = (n: number) => ({ id: 720_000_000 + RUN + (n % 100), first_name: "Ирина", language_code: "ru" });
const plain = (text: string) => text.replace(/\s/g, " ");
const mainButtonText = async (page: Page) => plain((await mainButton(page)).text);

test("on iOS a driver pays for a month in Telegram Stars and sees loads", async ({ page, request }) => {
  const user = driver(1);
  await openInTelegram(page, "/", { user, access: "none", platform: "ios" });
  const month = page.locator("[data-testid=plan][data-days='30']");
  await expect(month.getByTestId("plan-price")).toHaveText(/^⭐\s1000$/);
  await month.click();
  await expect.poll(() => mainButtonText(page)).toBe("Оплатить ⭐ 1000");

  await pressMainButton(page);
  // The app asked Telegram to open its payment sheet for the invoice.
  await expect.poll(async () => (await telegramEvents(page, "web_app_open_invoice")).length).toBe(1);
  const [{ slug }] = await telegramEvents(page, "web_app_open_invoice");
  await expect(page.getByTestId("payment-waiting")).toBeVisible();

  // The driver confirms in the sheet: Telegram asks the bot, takes the stars, tells the bot.
  const paid = await request.post(`/sandbox/telegram/__sandbox/invoices/${slug}/pay`, {
    data: { user_id: user.id },
  });
  expect((await paid.json()).status).toBe("paid");
  await page.evaluate(
    (slug) => (window as any).Telegram.WebView.receiveEvent("invoice_closed", { slug, status: "paid" }),
    slug,
  );
  await expect(page.getByTestId("payment-succeeded")).toContainText(/^Оплачено: доступ до \d\d\.\d\d\.\d{4}$/);
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
});
