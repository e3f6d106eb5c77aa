// Paid access, as a driver meets it inside Telegram: the paywall in place of the loads, the free
// trial, promo codes, paying on YooKassa's page (the sandbox's stand-in) and coming back to loads.
import { expect, test, type Page } from "@playwright/test";
import { bareSession } from "./support/api";
import {
  DARK_THEME,
  leaveCheckout,
  mainButton,
  openInTelegram,
  pressMainButton,
  screenshot,
} from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

/** Each story has its own driver, new on every run, so runs never see each other's purchases. */
const RUN = (Math.floor(Date.now() / 1000) % 1_000_000) * 100;
const driver = (n: number) => ({ id: 700_000_000 + RUN + (n % 100), first_name: "Сергей", language_code: "ru" });

/** Prices are written with no-break spaces ("1 990 ₽"); stories compare them as a reader would. */
const plain = (text: string) => text.replace(/\s/g, " ");
const mainButtonText = async (page: Page) => plain((await mainButton(page)).text);

/** Every request the page makes for loads, so a story can say none was made. */
function watchLoadRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (request) => {
    if (/\/api\/v1\/(cargos|live)/.test(request.url())) seen.push(request.url());
  });
  return seen;
}

test("a driver without access sees the paywall, applies a promo code, pays on the YooKassa page, and sees loads", async ({
  page,
}) => {
  const loadRequests = watchLoadRequests(page);
  await openInTelegram(page, "/", { user: driver(1), access: "none" });
  await expect(page.getByTestId("paywall")).toBeVisible();
  await expect(page.getByTestId("plan")).toHaveCount(4);
  await expect(page.getByTestId("cargo-card")).toHaveCount(0);
  expect(loadRequests).toEqual([]);

  const month = page.locator("[data-testid=plan][data-days='30']");
  await expect(month.getByTestId("plan-price")).toHaveText("1 990 ₽");
  await page.getByTestId("promo-input").fill("hauler20");
  await page.getByTestId("promo-apply").click();
  await expect(page.getByTestId("promo-result")).toContainText("HAULER20: скидка 20 % на любой тариф");
  await expect(month.getByTestId("plan-price")).toHaveText("1 592 ₽");
  await expect(month.getByTestId("plan-was")).toHaveText("1 990 ₽");
  expect(await month.getByTestId("plan-was").evaluate((el) => getComputedStyle(el).textDecorationLine)).toBe(
    "line-through",
  );
  await expect(month).toHaveAttribute("aria-checked", "true");
  await expect.poll(() => mainButtonText(page)).toBe("Оплатить 1 592 ₽");

  // Telegram opens YooKassa's page in the browser; the app waits for the payment.
  const opened = page.context().waitForEvent("page");
  await pressMainButton(page);
  const checkout = await opened;
  await checkout.waitForLoadState();
  expect(checkout.url()).toContain("/sandbox/yookassa/checkout/");
  await expect(page.getByTestId("payment-waiting")).toContainText("Ожидаем оплату…");
  expect((await mainButton(page)).visible).toBe(false);

  await checkout.getByTestId("sandbox-pay").click();
  await leaveCheckout(checkout);

  await expect(page.getByTestId("payment-succeeded")).toContainText(/^Оплачено: доступ до \d\d\.\d\d\.\d{4}$/);
  const haptics = await page.evaluate(() =>
    ((window as any).__telegramEvents as [string, string][])
      .filter(([type]) => type === "web_app_trigger_haptic_feedback")
      .map(([, data]) => JSON.parse(data)),
  );
  expect(haptics).toContainEqual({ type: "notification", notification_type: "success" });
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  await expect(page.getByTestId("open-subscription")).toHaveText(/^Подписка · 30\sдн\.$/);

  // The subscription page says how long access lasts.
  await page.getByTestId("open-subscription").click();
  await expect(page.getByTestId("access-state")).toHaveText(/^Доступ до \d\d\.\d\d\.\d{4}, осталось 30\sдн\.$/);
  await expect(page.getByTestId("trial-offer")).toHaveCount(0);
  await expect(page.getByTestId("plan")).toHaveCount(4);
});

test("a driver starts the free trial from the paywall and sees loads at once", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(2), access: "none" });
  await expect(page.getByTestId("trial-offer")).toContainText("3 дня бесплатно");
  await expect.poll(() => mainButtonText(page)).toBe("Начать бесплатно");
  await pressMainButton(page);
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  await expect(page.getByTestId("paywall")).toHaveCount(0);
  await expect(page.getByTestId("open-subscription")).toHaveText("Подписка · 3 дн.");

  // Opening the app again goes straight to the loads.
  await openInTelegram(page, "/", { user: driver(2), access: "none" });
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  await expect(page.getByTestId("paywall")).toHaveCount(0);
});

test("a promo code that does not apply says why", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(3), access: "none" });
  await page.getByTestId("promo-input").fill("NOPE-123");
  await page.getByTestId("promo-apply").click();
  await expect(page.getByTestId("promo-result")).toHaveText("Такого промокода нет: проверьте, как он написан");
  const month = page.locator("[data-testid=plan][data-days='30']");
  await expect(month.getByTestId("plan-price")).toHaveText("1 990 ₽");
  await expect(month.getByTestId("plan-was")).toBeEmpty();
});

test("a code for free days is taken from the paywall and opens the loads", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(4), access: "none" });
  await page.getByTestId("promo-input").fill("free3");
  await page.getByTestId("promo-apply").click();
  await expect(page.getByTestId("promo-result")).toContainText("FREE3: 3 дня доступа бесплатно");
  await page.getByTestId("promo-redeem").click();
  await expect(page.getByTestId("payment-succeeded")).toContainText("Промокод активирован: доступ до");
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
});

test("a driver who cancels on the YooKassa page is told so and can pay again", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(5), access: "none" });
  await page.locator("[data-testid=plan][data-days='7']").click();
  await expect.poll(() => mainButtonText(page)).toBe("Оплатить 690 ₽");
  const opened = page.context().waitForEvent("page");
  await pressMainButton(page);
  const checkout = await opened;
  await checkout.getByTestId("sandbox-cancel").click();
  await leaveCheckout(checkout);

  await expect(page.getByTestId("payment-canceled")).toContainText("Платёж отменён");
  await expect(page.getByTestId("plan")).toHaveCount(4);
  await expect.poll(() => mainButtonText(page)).toBe("Оплатить 690 ₽");
  await expect(page.getByTestId("cargo-card")).toHaveCount(0);
});

test("a driver sent back from YooKassa by the bot's link sees the payment's outcome", async ({ page, request }) => {
  const me = driver(6);
  // The driver paid for a week earlier, and YooKassa's return link reopens the app.
  const token = await bareSession(request, me);
  const headers = { authorization: `Bearer ${token}` };
  const offer = await (await request.get("/api/v1/subscription", { headers })).json();
  const week = offer.plans.find((plan: any) => plan.days === 7);
  const payment = await (await request.post("/api/v1/payments", { headers, data: { plan_id: week.id } })).json();
  expect(payment.status).toBe("pending");
  const paid = await request.post(`${payment.confirmation_url}/pay`, { maxRedirects: 0 });
  expect(paid.status()).toBe(303);

  await openInTelegram(page, "/", { user: me, access: "none", startParam: `payment-${payment.id}` });
  await expect(page).toHaveURL(new RegExp(`/subscription\\?payment=${payment.id}`));
  await expect(page.getByTestId("payment-succeeded")).toContainText("Оплачено: доступ до");
  await expect(page.getByTestId("access-state")).toHaveText(/осталось 7\sдн\.$/);
  await expect.poll(() => mainButtonText(page)).toBe("Смотреть грузы");
  await pressMainButton(page);
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
});

test("the paywall wears Telegram's dark theme", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(7), access: "none", theme: DARK_THEME });
  const week = page.locator("[data-testid=plan][data-days='7']");
  await expect(week).toBeVisible();
  expect(await week.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe("rgb(35, 46, 60)"); // #232e3c
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(23, 33, 43)");
});

test("an English-speaking driver gets the paywall in English", async ({ page }) => {
  await openInTelegram(page, "/", { user: { ...driver(8), language_code: "en" }, access: "none" });
  await expect(page.getByTestId("paywall")).toContainText("Every load on the exchange, by subscription");
  await expect(page.getByTestId("trial-offer")).toContainText("3 days free");
  await expect(page.locator("[data-testid=plan][data-days='30']")).toContainText("30 days");
  await expect.poll(() => mainButtonText(page)).toBe("Start free");
});

test("when access runs out while the app is open, the paywall takes the place of the loads", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(9) });
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  // What the server answers once access has ended (its clock cannot be moved from here).
  await page.route(/\/api\/v1\/cargos\?/, (route) =>
    route.fulfill({
      status: 402,
      contentType: "application/json",
      body: JSON.stringify({ code: "subscription_required", message: "Доступ к грузам закончился" }),
    }),
  );
  await page.getByTestId("open-filters").click();
  await page.getByTestId("field-load-types").getByRole("button", { name: "Задняя" }).click();
  await pressMainButton(page);

  await expect(page.getByTestId("paywall")).toBeVisible();
  await expect(page.getByTestId("cargo-card")).toHaveCount(0);
  await expect(page.getByTestId("plan")).toHaveCount(4);
  await expect(page.getByTestId("trial-offer")).toHaveCount(0);
  await expect.poll(() => mainButtonText(page)).toBe("Оплатить 1 990 ₽");
});
