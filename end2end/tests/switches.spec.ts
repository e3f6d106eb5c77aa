// Switches that every driver feels at once: these stories run after the others, so no other
// story sees the service with a switch flipped.
import { expect, test } from "@playwright/test";
import { logInAsOwner, openAdminPage } from "./support/admin";
import { openInTelegram, screenshot } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

test("a flag switched here changes the driver app", async ({ page, request }) => {
  await logInAsOwner(page);
  await openAdminPage(page, "flags");
  const demo = page.getByTestId("flag-toggle-demo_login");
  await expect(demo).toBeChecked();
  await demo.uncheck();
  await expect(demo).not.toBeChecked();
  // The switch is back in hand once the server holds the change...
  await expect(demo).toBeEnabled();
  // ...and the sandbox's demo driver is refused from the very next request.
  const refused = await request.post("/api/v1/auth/demo");
  expect(refused.status()).toBe(403);
  expect((await refused.json()).code).toBe("demo_login_disabled");
  await demo.check();
  await expect(demo).toBeChecked();
  await expect(demo).toBeEnabled();
  expect((await request.post("/api/v1/auth/demo")).status()).toBe(200);
});

test("with payments switched off here, the paywall explains instead of selling", async ({ browser }) => {
  const desk = await browser.newPage();
  await logInAsOwner(desk);
  await openAdminPage(desk, "flags");
  const payments = desk.getByTestId("flag-toggle-payments");
  await payments.uncheck();
  await expect(payments).not.toBeChecked();
  await expect(payments).toBeEnabled();
  try {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const id = 730_000_000 + (Math.floor(Date.now() / 1000) % 1_000_000);
    await openInTelegram(phone, "/", { user: { id, first_name: "Олег", language_code: "ru" }, access: "none" });
    await expect(phone.getByTestId("payments-off")).toBeVisible();
    // Choosing a plan offers no way to pay.
    await phone.locator("[data-testid=plan][data-days='30']").click();
    await expect.poll(() => phone.evaluate(() => (window as any).Telegram.WebApp.MainButton.isVisible)).toBe(false);
    await screenshot(phone, test.info());
    await phone.close();
  } finally {
    await payments.check();
    await expect(payments).toBeChecked();
    await expect(payments).toBeEnabled();
  }
});
