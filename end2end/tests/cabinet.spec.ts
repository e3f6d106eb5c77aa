// The exchange's web cabinet through Hauler: a driver buys an hour in the Mini App, opens the
// cabinet on "a computer" (a second browser) with the one-time link, moves through its pages,
// posts a form, watches its live feed, is refused on the password page, and is cut off when an
// admin revokes the pass.
import { expect, test } from "@playwright/test";
import { DESKTOP, OWNER } from "./support/admin";
import { leaveCheckout, openInTelegram, screenshot } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

test("a driver buys an hour of the cabinet, opens it on a computer and is cut off when the pass is revoked", async ({
  page,
  browser,
  request,
}) => {
  await openInTelegram(page, "/passes", { user: { id: 650_001, first_name: "Олег", language_code: "ru" }, access: "none" });
  await expect(page.getByTestId("pass-plan")).toHaveCount(5);
  await expect(page.getByTestId("no-passes")).toBeVisible();

  // The same YooKassa page as a subscription's.
  const opened = page.context().waitForEvent("page");
  await page.locator("[data-testid=pass-plan][data-hours='1']").getByTestId("pass-buy").click();
  const checkout = await opened;
  await checkout.waitForLoadState();
  expect(checkout.url()).toContain("/sandbox/yookassa/checkout/");
  await expect(page.getByTestId("pass-token")).toBeVisible();
  await checkout.getByTestId("sandbox-pay").click();
  await leaveCheckout(checkout);
  const pass = page.locator("[data-testid=pass][data-state=active]");
  await expect(pass).toHaveCount(1, { timeout: 20_000 });
  const passId = await pass.getAttribute("data-pass-id");

  await pass.getByTestId("pass-link").click();
  const link = (await page.getByTestId("login-link").textContent())!.trim();
  expect(link).toMatch(/\/cabinet-login\/[A-Za-z0-9_-]+$/);

  // A computer: another browser, which has never seen the Mini App.
  const computer = await browser.newContext({ viewport: DESKTOP });
  const desk = await computer.newPage();
  await desk.goto(link);
  await expect(desk).toHaveURL(/\/cabinet\/$/);
  await expect(desk.locator("h1")).toHaveText("Кабинет перевозчика");
  // The stylesheet came through Hauler with its url() rewritten.
  expect(await desk.evaluate(() => getComputedStyle(document.body).backgroundImage)).toContain("/cabinet/static/truck.svg");
  // The script called the exchange's API (through Hauler) and its live feed streams.
  await expect(desk.locator("#feed-api")).toHaveText("API: 5 грузов");
  await expect(desk.locator("#live")).toHaveAttribute("data-url", /^\/cabinet\/loads\/\d+$/);

  // Three pages, each by an absolute link of the exchange's, now Hauler's.
  await desk.locator("#nav-loads").click();
  await expect(desk).toHaveURL(/\/cabinet\/loads$/);
  await expect(desk.locator("h1")).toHaveText("Грузы");
  await desk.locator("a.load").first().click();
  await expect(desk).toHaveURL(/\/cabinet\/loads\/\d+$/);
  await expect(desk.locator("h1")).toHaveText(/^Груз \d+$/);
  await desk.locator("#nav-documents").click();
  await expect(desk.locator("h1")).toHaveText("Документы");
  await desk.goBack();

  // A form posted to the exchange's absolute address, redirected back through Hauler.
  await desk.locator("#bid button[type=submit]").click();
  await expect(desk).toHaveURL(/\/cabinet\/bids\/\d+$/);
  await expect(desk.locator("#bid-accepted")).toContainText("принята: 85000 ₽");
  await expect(desk.locator("#exchange-session")).toHaveText("Сессия биржи: есть");
  const before = Number(await desk.locator("#live").getAttribute("data-tick"));
  await expect
    .poll(async () => Number(await desk.locator("#live").getAttribute("data-tick")))
    .toBeGreaterThan(before);

  // The shared account's password is not for passes.
  await desk.locator("#nav-password").click();
  await expect(desk.locator("#refusal")).toHaveText("Эта страница закрыта");
  await desk.goBack();
  await expect(desk.locator("#bid-accepted")).toBeVisible();
  await expect(desk.locator("#live")).toHaveAttribute("data-url", /^\/cabinet\/loads\//);

  // An admin revokes the pass: the live feed is closed and the next page refused.
  const login = await request.post("/admin/api/login", { data: { email: OWNER.email, password: OWNER.password } });
  expect(login.ok()).toBe(true);
  const { csrf } = await login.json();
  const revoked = await request.post(`/admin/api/passes/${passId}/revoke`, { headers: { "x-csrf-token": csrf } });
  expect(revoked.status()).toBe(200);
  await expect(desk.locator("#live")).toHaveAttribute("data-closed", "4401");
  await desk.locator("#nav-loads").click();
  await expect(desk.locator("h1")).toHaveText("Нужен действующий пропуск");
  await page.reload();
  await page.locator("main[data-ready=true]").waitFor();
  await expect(page.locator("[data-testid=pass][data-state=revoked]")).toHaveCount(1);
  await computer.close();
});
