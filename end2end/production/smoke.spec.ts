// The production smoke test: Hauler from the dist tarball in production mode, behind nginx
// terminating TLS, on PostgreSQL and Redis over TLS, the bot in webhook mode, its outside world
// the separate `hauler sandbox` (SANDBOX_URL). Started by `cargo xtask test`; each step prints.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { logInAsOwner, openAdminPage } from "../tests/support/admin";
import { leaveCheckout, mainButton, openInTelegram, pressMainButton, screenshot, telegramEvents } from "../tests/support/telegram";

const sandbox = process.env.SANDBOX_URL!;
const botToken = process.env.TELEGRAM_BOT_TOKEN!;
const RUN = (Math.floor(Date.now() / 1000) % 1_000_000) * 100;
const driver = (n: number, first_name: string) => ({ id: 900_000_000 + RUN + n, first_name, language_code: "ru" });
const plain = (text: string) => text.replace(/\s/g, " ");

test.describe.configure({ mode: "serial" });

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

async function botMessages(request: APIRequestContext, chatId: number): Promise<any[]> {
  return (await request.get(`${sandbox}/telegram/__sandbox/messages?chat_id=${chatId}`)).json();
}

async function paymentState(page: Page): Promise<string> {
  return (await page.getByTestId("payment-succeeded").count()) > 0 ? "succeeded" : "waiting";
}

test("the bot's webhook is https, signed, and asks for every update it handles", async ({ request }) => {
  await test.step("Telegram knows the webhook Hauler registered at start", async () => {
    await expect
      .poll(async () => (await (await request.post(`${sandbox}/telegram/bot${botToken}/getWebhookInfo`)).json()).result.url)
      .toBe(`${process.env.BASE_URL}/telegram/webhook`);
    const info = (await (await request.post(`${sandbox}/telegram/bot${botToken}/getWebhookInfo`)).json()).result;
    expect(info.allowed_updates).toEqual(expect.arrayContaining(["message", "callback_query", "pre_checkout_query"]));
  });
  await test.step("an update without the secret header is refused by Hauler", async () => {
    const forged = await request.post("/telegram/webhook", { data: { update_id: 1, message: { text: "/start" } } });
    expect(forged.status()).toBe(401);
  });
  await test.step("a driver's /start goes through the webhook and the bot answers", async () => {
    const me = driver(0, "Пётр");
    const sent = await request.post(`${sandbox}/telegram/__sandbox/updates`, { data: { chat_id: me.id, text: "/start" } });
    expect(sent.status()).toBe(204);
    await expect.poll(async () => (await botMessages(request, me.id)).length).toBeGreaterThan(0);
  });
});

test("a driver signs in, starts the trial, sees loads and responds; the bot's message reaches Telegram", async ({
  page,
  request,
}) => {
  const me = driver(1, "Ольга");
  await test.step("the driver opens the Mini App from Telegram and meets the paywall", async () => {
    await openInTelegram(page, "/", { user: me, access: "none" });
    await expect(page.getByTestId("paywall")).toBeVisible();
  });
  await test.step("the driver starts the free trial and sees loads from the exchange", async () => {
    await expect.poll(async () => plain((await mainButton(page)).text)).toBe("Начать бесплатно");
    await pressMainButton(page);
    await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  });
  await test.step("the driver responds to a load", async () => {
    const card = page.getByTestId("cargo-card").nth(1);
    const route = (await card.locator(".route").textContent())!;
    await card.click();
    await expect(page.getByTestId("contacts")).toBeVisible();
    await expect.poll(async () => (await mainButton(page)).text).toBe("Откликнуться");
    await pressMainButton(page);
    await expect(page.getByTestId("responded")).toContainText("Вы откликнулись");
    await test.step("the bot's message with the contacts arrives at Telegram", async () => {
      await expect.poll(async () => (await botMessages(request, me.id)).length).toBe(1);
      const [message] = await botMessages(request, me.id);
      expect(message.text).toContain(route.split(" → ")[0]);
    });
  });
});

test("a driver buys a month with YooKassa; its notification comes from YooKassa's address through the balancer", async ({
  page,
  request,
}) => {
  await test.step("the driver chooses a month on the paywall and opens YooKassa's page", async () => {
    await openInTelegram(page, "/", { user: driver(2, "Сергей"), access: "none" });
    await page.locator("[data-testid=plan][data-days='30']").click();
    await expect.poll(async () => plain((await mainButton(page)).text)).toBe("Оплатить 1 990 ₽");
  });
  const opened = page.context().waitForEvent("page");
  await pressMainButton(page);
  const checkout = await opened;
  await test.step("the driver pays on YooKassa's page and comes back", async () => {
    await checkout.waitForLoadState();
    expect(checkout.url()).toContain(`${sandbox}/yookassa/checkout/`);
    await checkout.getByTestId("sandbox-pay").click();
    await leaveCheckout(checkout);
  });
  await test.step("the payment is recorded and the loads open", async () => {
    await expect.poll(() => paymentState(page)).toBe("succeeded");
    await expect(page.getByTestId("payment-succeeded")).toContainText(/^Оплачено: доступ до \d\d\.\d\d\.\d{4}$/);
    await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  });
  await test.step(`YooKassa's notification from ${process.env.YOOKASSA_ADDRESS} was taken (200)`, async () => {
    const deliveries: any[] = await (await request.get(`${sandbox}/yookassa/__sandbox/notifications`)).json();
    expect(deliveries.filter((d) => d.event === "payment.succeeded").map((d) => d.status)).toContain(200);
  });
  await test.step("the same notification from any other address is refused (403)", async () => {
    const forged = await request.post("/api/v1/payments/yookassa/notifications", {
      data: { type: "notification", event: "payment.succeeded", object: { id: "forged" } },
    });
    expect(forged.status()).toBe(403);
  });
});

test("on iOS a driver pays in Telegram Stars in webhook mode: pre-checkout answered, payment recorded", async ({
  page,
  request,
}) => {
  const me = driver(3, "Ирина");
  await test.step("the driver picks a month priced in stars", async () => {
    await openInTelegram(page, "/", { user: me, access: "none", platform: "ios" });
    await page.locator("[data-testid=plan][data-days='30']").click();
    await expect.poll(async () => plain((await mainButton(page)).text)).toMatch(/^Оплатить ⭐ \d+$/);
    await pressMainButton(page);
    await expect.poll(async () => (await telegramEvents(page, "web_app_open_invoice")).length).toBe(1);
  });
  const [{ slug }] = await telegramEvents(page, "web_app_open_invoice");
  await test.step("the driver pays in Telegram's sheet: the pre-checkout query and the payment reach the bot by webhook", async () => {
    const paid = await request.post(`${sandbox}/telegram/__sandbox/invoices/${slug}/pay`, { data: { user_id: me.id } });
    expect(await paid.json()).toMatchObject({ status: "paid" });
  });
  await test.step("Telegram closes the sheet; the payment is recorded and the loads open", async () => {
    await page.evaluate(
      (slug) => (window as any).Telegram.WebView.receiveEvent("invoice_closed", { slug, status: "paid" }),
      slug,
    );
    await expect(page.getByTestId("payment-succeeded")).toContainText(/^Оплачено: доступ до \d\d\.\d\d\.\d{4}$/);
    await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  });
});

test("an admin logs in and sees both payments", async ({ page }) => {
  await test.step("the owner logs in on the dashboard", async () => {
    await logInAsOwner(page);
  });
  await test.step("the payments page lists the YooKassa and the Stars payment", async () => {
    await openAdminPage(page, "payments");
    await expect(page.getByTestId("payment-row")).toHaveCount(2);
  });
});
