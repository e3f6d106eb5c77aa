// Autopay, as a driver meets it: paying for a plan with "renew automatically" ticked, the bot's
// warning before the charge, the renewal charged to the saved card by the sandbox YooKassa,
// switching it off in the profile with one tap; and a renewal the bank declines, which keeps the
// days paid and says so kindly. In Russian and in English.
//
// The test server charges a card five seconds after buying the one-day plan
// (AUTOPAY_CHARGE_BEFORE_END_SECONDS is a day less five seconds there), so a story sees the
// whole month of a subscription in a few seconds. The stories run one after another: a declined
// charge is the sandbox's next one, whoever's it is.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { botMessages } from "./support/api";
import {
  leaveCheckout,
  mainButton,
  openInTelegram,
  pressMainButton,
  screenshot,
  signInitData,
  type TelegramUser,
} from "./support/telegram";

test.describe.configure({ mode: "serial" });

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

/** Each story has its own driver, new on every run. */
const RUN = (Math.floor(Date.now() / 1000) % 1_000_000) * 100;
const driver = (n: number, language_code: string): TelegramUser => ({
  id: 720_000_000 + RUN + n,
  first_name: language_code === "en" ? "Sam" : "Сергей",
  language_code,
});

const plain = (text: string) => text.replace(/\s/g, " ");

const WORDS = {
  ru: {
    pay: "Оплатить 199 ₽",
    paid: /^Оплачено: доступ до \d\d\.\d\d\.\d{4}$/,
    warning: /^🔄 Автоплатёж: .* спишем 199\s₽ с карты •••• 4477 и продлим доступ на 1 дн\./,
    received: "Оплата получена",
    status: /^Автоплатёж включён: \d\d\.\d\d\.\d{4} спишем 199\s₽ с карты •••• 4477/,
    twoDays: /осталось 2\sдн\.$/,
    oneDay: /осталось 1\sдн\.$/,
    line: /^Включён: \d\d\.\d\d\.\d{4} спишем 199\s₽ с карты •••• 4477\. Бот предупредит за день$/,
    off: "Отключить автоплатёж",
    offNotice: "Автоплатёж отключён: больше ничего не спишем",
    offLine: /^Выключен: подписку продлеваете вы сами\. Карта •••• 4477 сохранена/,
    kindBot: /^😔 Не получилось продлить подписку автоматически: банк не провёл списание, деньги не списаны\. Оплаченные дни остаются за вами/,
    kindApp: /^Не получилось продлить подписку автоматически: банк не провёл списание, деньги не списаны\. Оплаченные дни остаются за вами/,
    payAgain: "Оплатить с автоплатежом",
    noStars: "Звёзды Telegram не списываются сами: автоплатёж работает только при оплате картой",
  },
  en: {
    pay: "Pay 199 ₽",
    paid: /^Paid: access until \d\d\.\d\d\.\d{4}$/,
    warning: /^🔄 Autopay: on .* we will charge 199\s₽ to •••• 4477 for 1 more day of access\./,
    received: "Payment received",
    status: /^Autopay is on: on \d\d\.\d\d\.\d{4} we charge 199\s₽ to card •••• 4477/,
    twoDays: /2\sd left$/,
    oneDay: /1\sd left$/,
    line: /^On: on \d\d\.\d\d\.\d{4} we charge 199\s₽ to card •••• 4477\. The bot warns you a day ahead$/,
    off: "Switch autopay off",
    offNotice: "Autopay is off: nothing more will be charged",
    offLine: /^Off: you renew by hand\. Card •••• 4477 is kept/,
    kindBot: /^😔 We could not renew your subscription automatically: the bank did not take the charge, and no money was taken\. The days you paid for stay yours/,
    kindApp: /^We could not renew your subscription automatically: the bank did not take the charge, and no money was taken\. The days you paid for stay yours/,
    payAgain: "Pay with autopay",
    noStars: "Telegram Stars cannot be charged by themselves: autopay works with card payments only",
  },
};

/** A session of the driver's own, from launch data of a minute ago (the app opens with its own). */
async function session(request: APIRequestContext, user: TelegramUser): Promise<string> {
  const initData = signInitData(user, { authDate: Math.floor(Date.now() / 1000) - 60 });
  const response = await request.post("/api/v1/auth/telegram", { data: { init_data: initData } });
  expect(response.status()).toBe(200);
  return (await response.json()).token;
}

/** The bot may speak at any hour: these stories are not about quiet hours. */
async function noQuietHours(request: APIRequestContext, user: TelegramUser) {
  const token = await session(request, user);
  const saved = await request.put("/api/v1/me/profile", {
    headers: { authorization: `Bearer ${token}` },
    data: { notifications: true, quiet_hours: null, utc_offset_minutes: 180 },
  });
  expect(saved.status()).toBe(200);
}

/** What the bot has said to the driver, as text. */
async function said(page: Page, user: TelegramUser): Promise<string[]> {
  return (await botMessages(page.request, user.id)).map((message) => message.text);
}

/** From the paywall: the one-day plan, "renew automatically" ticked, paid on YooKassa's page. */
async function payWithAutopay(page: Page, words: (typeof WORDS)["ru"]) {
  await expect(page.getByTestId("paywall")).toBeVisible();
  await page.locator("[data-testid=plan][data-days='1']").click();
  await page.getByTestId("autopay-choice").check();
  await expect.poll(async () => plain((await mainButton(page)).text)).toBe(words.pay);
  const opened = page.context().waitForEvent("page");
  await pressMainButton(page);
  const checkout = await opened;
  await checkout.waitForLoadState();
  // YooKassa sends the driver back to the shop; inside Telegram that reopens this very Mini App.
  // The browser's new tab must not start a second copy of it, which would renew (and so end)
  // the session the app in the first tab holds.
  await checkout.route(/\/subscription\?payment=\d+$/, (route) =>
    route.fulfill({ contentType: "text/html", body: "<!doctype html><p>Back to Telegram</p>" }),
  );
  await checkout.getByTestId("sandbox-pay").click();
  await leaveCheckout(checkout);
  await expect(page.getByTestId("payment-succeeded")).toContainText(words.paid);
}

for (const language of ["ru", "en"] as const) {
  const words = WORDS[language];

  test(`${language}: autopay switched on when paying, warned by the bot, renewed by the saved card, switched off in one tap`, async ({
    page,
  }) => {
    const user = driver(language === "ru" ? 1 : 2, language);
    await noQuietHours(page.request, user);
    await openInTelegram(page, "/", { user, access: "none" });
    await payWithAutopay(page, words);

    // The bot warns before the charge, then the saved card pays for another day.
    await expect
      .poll(async () => (await said(page, user)).filter((text) => text.includes(words.received)).length, {
        timeout: 20_000,
      })
      .toBe(2);
    const texts = await said(page, user);
    const warning = texts.findIndex((text) => words.warning.test(text));
    expect(warning, texts.join("\n")).toBeGreaterThanOrEqual(0);
    const renewed = texts.findLastIndex((text) => text.includes(words.received));
    expect(warning, "warned before the charge").toBeLessThan(renewed);

    await openInTelegram(page, "/subscription", { user, access: "none" });
    await expect(page.getByTestId("access-state")).toHaveText(words.twoDays);
    await expect(page.getByTestId("autopay-status")).toHaveAttribute("data-state", "on");
    await expect(page.getByTestId("autopay-status")).toContainText(words.status);

    // One tap in the profile, and nothing more is charged.
    await openInTelegram(page, "/profile", { user, access: "none" });
    await expect(page.getByTestId("autopay-section")).toHaveAttribute("data-state", "on");
    await expect(page.getByTestId("autopay-line")).toHaveText(words.line);
    await page.getByRole("button", { name: words.off }).click();
    await expect(page.getByTestId("autopay-section")).toHaveAttribute("data-state", "off");
    await expect(page.getByTestId("autopay-notice")).toHaveText(words.offNotice);
    await expect(page.getByTestId("autopay-line")).toHaveText(words.offLine);
    const autopay = await page.request.get("/api/v1/me/autopay", {
      headers: { authorization: `Bearer ${await session(page.request, user)}` },
    });
    expect((await autopay.json()).state).toBe("off");
  });

  test(`${language}: Telegram Stars cannot renew by themselves, and the paywall says so`, async ({ page }) => {
    await openInTelegram(page, "/", { user: driver(language === "ru" ? 5 : 6, language), access: "none", platform: "ios" });
    await expect(page.getByTestId("paywall")).toBeVisible();
    await expect(page.getByTestId("autopay-no-stars")).toHaveText(words.noStars);
    await expect(page.getByTestId("autopay-choice")).toHaveCount(0);
  });

  test(`${language}: a renewal the bank declines keeps the day paid and says so kindly in the bot and the app`, async ({
    page,
  }) => {
    const user = driver(language === "ru" ? 3 : 4, language);
    await noQuietHours(page.request, user);
    const declined = await page.request.post("/sandbox/yookassa/__sandbox/control", { data: { decline_next: 1 } });
    expect(declined.status()).toBe(204);
    await openInTelegram(page, "/", { user, access: "none" });
    await payWithAutopay(page, words);

    await expect
      .poll(async () => (await said(page, user)).some((text) => words.kindBot.test(text)), { timeout: 20_000 })
      .toBe(true);

    // Back to paying by hand, with the day paid still there.
    await openInTelegram(page, "/subscription", { user, access: "none" });
    await expect(page.getByTestId("access-state")).toHaveText(words.oneDay);
    await expect(page.getByTestId("autopay-status")).toHaveAttribute("data-state", "failed");
    await expect(page.getByTestId("autopay-failed")).toHaveText(words.kindApp);
    await expect(page.getByTestId("plan")).toHaveCount(4);

    await openInTelegram(page, "/profile", { user, access: "none" });
    await expect(page.getByTestId("autopay-section")).toHaveAttribute("data-state", "failed");
    await expect(page.getByTestId("autopay-line")).toHaveText(words.kindApp);
    await expect(page.getByTestId("autopay-pay")).toHaveText(words.payAgain);
  });
}
