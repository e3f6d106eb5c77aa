// The dashboard's money pages, with a driver on the other side: a promo code made here and used
// in the Mini App, and a refund made here that takes the driver's access away.
import { expect, test } from "@playwright/test";
import { logInAsOwner, openAdminPage } from "./support/admin";
import { leaveCheckout, openInTelegram, pressMainButton, screenshot } from "./support/telegram";

// These stories read the dashboard in English; admin-language.spec.ts reads it in Russian.
test.use({ locale: "en-US" });

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

/** Each story has its own driver and code, new on every run, so runs never see each other's. */
const fresh = () => Date.now() % 100_000_000;
const driver = () => ({ id: 720_000_000 + fresh(), first_name: "Павел", language_code: "ru" });

test("a promo code created here is redeemed in the driver app and its use appears here", async ({ page, browser }) => {
  test.setTimeout(60_000);
  const code = `E2E-${fresh()}`;
  await logInAsOwner(page);
  await openAdminPage(page, "promo");
  await expect(page.getByTestId("plans")).toBeVisible();
  await page.getByTestId("promo-code").fill(code.toLowerCase());
  await page.getByTestId("promo-kind").selectOption("free_days");
  await page.getByTestId("promo-value").fill("5");
  await page.getByTestId("promo-max-uses").fill("10");
  await page.getByTestId("promo-campaign").fill("e2e");
  await page.getByTestId("promo-create").click();
  await expect(page.getByTestId("promo-created")).toHaveText(`${code} created: 5 free days`);
  const row = page.locator(`[data-testid=promo-row][data-code="${code}"]`);
  await expect(row.getByTestId("promo-uses")).toHaveText("0 / 10");

  const app = await browser.newPage();
  await openInTelegram(app, "/", { user: driver(), access: "none" });
  await expect(app.getByTestId("paywall")).toBeVisible();
  await app.getByTestId("promo-input").fill(code.toLowerCase());
  await app.getByTestId("promo-apply").click();
  await expect(app.getByTestId("promo-result")).toContainText(code);
  await app.getByTestId("promo-redeem").click();
  await expect(app.getByTestId("payment-succeeded")).toContainText("Промокод активирован");
  await expect(app.getByTestId("cargo-card").first()).toBeVisible();
  await app.close();

  await page.getByTestId("promo-filter-code").fill(code);
  await page.getByTestId("promo-search").click();
  await expect(page.getByTestId("promo-row")).toHaveCount(1);
  await expect(row.getByTestId("promo-uses")).toHaveText("1 / 10");
});

test("a refund in the sandbox shortens the driver's access", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const me = driver();
  const app = await browser.newPage();
  await openInTelegram(app, "/", { user: me, access: "none" });
  await app.locator("[data-testid=plan][data-days='7']").click();
  const opened = app.context().waitForEvent("page");
  await pressMainButton(app);
  const checkout = await opened;
  await checkout.getByTestId("sandbox-pay").click();
  const paymentId = await leaveCheckout(checkout);
  await expect(app.getByTestId("payment-succeeded")).toBeVisible();
  await expect(app.getByTestId("cargo-card").first()).toBeVisible();

  await logInAsOwner(page);
  await openAdminPage(page, "payments");
  const row = page.locator(`[data-testid=payment-row][data-id="${paymentId}"]`);
  await expect(row.getByTestId("payment-status")).toHaveText("succeeded");
  await expect(row.getByTestId("payment-amount")).toHaveText("690.00 ₽");
  await row.getByTestId("payment-link").click();
  await expect(page).toHaveURL(new RegExp(`/admin/payments/${paymentId}$`));
  await expect(page.getByTestId("driver-access")).toHaveAttribute("data-active", "true");
  await expect(page.locator("[data-testid=history-event][data-kind='notification.payment.succeeded'] pre.raw")).toContainText(
    '"payment.succeeded"',
  );

  // The full amount is offered; nothing moves before the second, explicit confirmation.
  await expect(page.getByTestId("refund-amount")).toHaveValue("690.00");
  await page.getByTestId("refund-start").click();
  await expect(page.getByTestId("refund-confirmation")).toContainText("Refund 690.00 ₽ of payment");
  await page.getByTestId("refund-cancel").click();
  await expect(page.getByTestId("refund-confirmation")).toHaveCount(0);
  await page.getByTestId("refund-start").click();
  await page.getByTestId("refund-confirm").click();
  await expect(page.getByTestId("refund-done")).toContainText("Refunded 690.00 ₽");
  await expect(page.getByTestId("driver-access")).toHaveAttribute("data-active", "false");
  await expect(page.getByTestId("payment-refunded")).toHaveText("690.00 ₽");
  await expect(page.locator("[data-testid=history-event][data-kind='refund.succeeded']")).toHaveCount(1);
  await expect(page.getByTestId("refund-none")).toBeVisible();

  // The driver opens the app again: the paywall, no loads.
  await app.close();
  const again = await browser.newPage();
  await openInTelegram(again, "/", { user: me, access: "none" });
  await expect(again.getByTestId("paywall")).toBeVisible();
  await expect(again.getByTestId("cargo-card")).toHaveCount(0);
  await again.close();
});
