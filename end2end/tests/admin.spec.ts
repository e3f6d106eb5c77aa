// The admin dashboard's front door, and a switch that reaches every driver at once.
import { expect, test } from "@playwright/test";
import { DESKTOP, OWNER, logInAsOwner } from "./support/admin";
import { screenshot } from "./support/telegram";

// These stories read the dashboard in English; admin-language.spec.ts reads it in Russian.
test.use({ locale: "en-US" });

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

test("an admin logs in and lands on the dashboard", async ({ page }) => {
  await logInAsOwner(page);
  await expect(page.getByTestId("admin-nav")).toContainText(OWNER.email);
  await expect(page).toHaveURL(/\/admin$/);
});

test("a visitor without a session is sent to the login page", async ({ page }) => {
  await page.setViewportSize(DESKTOP);
  await page.goto("/admin/flags");
  await expect(page).toHaveURL(/\/admin\/login$/);
  await expect(page.getByTestId("login-form")).toBeVisible();
});

test("five wrong passwords are throttled with a clear message", async ({ page }) => {
  await page.setViewportSize(DESKTOP);
  await page.goto("/admin/login");
  await page.locator("div.admin[data-hydrated=true]").waitFor();
  // An account of its own, so the owner other stories log in as is never held back.
  const email = `guesser-${Date.now()}@hauler.test`;
  for (let attempt = 1; attempt <= 5; attempt++) {
    await page.getByTestId("login-email").fill(email);
    await page.getByTestId("login-password").fill(`wrong-${attempt}`);
    await page.getByTestId("login-submit").click();
    const error = page.getByTestId("login-error");
    if (attempt < 5) {
      await expect(error).toHaveAttribute("data-code", "login_failed");
      await expect(error).toHaveText("Wrong email or password");
    } else {
      await expect(error).toHaveAttribute("data-code", "login_throttled");
      await expect(error).toHaveText(/try again in \d+ s/);
    }
  }
});
