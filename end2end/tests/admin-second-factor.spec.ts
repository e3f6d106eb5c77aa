// The optional second factor: an admin turns it on from the app's key, then logs in with a code;
// an owner resets it for someone who lost their phone.
import { expect, test, type Page } from "@playwright/test";
import { DESKTOP, logInAsOwner, openAdminPage } from "./support/admin";
import { screenshot } from "./support/telegram";
import { earlyInAStep, totp } from "./support/totp";

test.use({ locale: "en-US" });

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

const PASSWORD = "second-factor-story-password";

async function logIn(page: Page, email: string) {
  await page.setViewportSize(DESKTOP);
  await page.goto("/admin/login");
  await page.locator("div.admin[data-hydrated=true]").waitFor();
  await page.getByTestId("login-email").fill(email);
  await page.getByTestId("login-password").fill(PASSWORD);
  await page.getByTestId("login-submit").click();
}

test("an admin turns on the second factor and then logs in with the app's code", async ({ page, browser }) => {
  test.setTimeout(60_000);
  await earlyInAStep();
  // The owner invites a support colleague, who gets a first password by hand.
  await logInAsOwner(page);
  await openAdminPage(page, "admins");
  const email = `codes-${Date.now()}@hauler.test`;
  const invite = page.getByTestId("invite-admin");
  await invite.locator("input[type=email]").fill(email);
  await invite.locator("input[type=text]").fill(PASSWORD);
  await invite.locator("select").selectOption("support");
  await invite.getByRole("button").click();
  await expect(page.getByTestId("admins-notice")).toContainText(email);

  const colleague = await (await browser.newContext({ locale: "en-US" })).newPage();
  await logIn(colleague, email);
  await expect(colleague.getByTestId("admin-nav")).toBeVisible();
  await openAdminPage(colleague, "security");
  await expect(colleague.getByTestId("second-factor-state")).toContainText("Off");
  await colleague.getByTestId("second-factor-set-up").click();
  await expect(colleague.locator(".qr svg")).toBeVisible();
  const key = (await colleague.getByTestId("second-factor-secret").textContent())!.trim();
  // The code that just passed still counts (clocks drift): the login below uses the current one.
  await colleague.getByTestId("second-factor-code").fill(totp(key, Date.now() - 30_000));
  await colleague.getByTestId("second-factor-confirm").click();
  await expect(colleague.getByTestId("second-factor-state")).toContainText("On");

  await colleague.getByTestId("log-out").click();
  // Logged out once the dashboard has sent them back to the login page.
  await expect(colleague.getByTestId("login-form")).toBeVisible();
  await logIn(colleague, email);
  await expect(colleague.getByTestId("login-error")).toHaveAttribute("data-code", "second_factor_required");
  await colleague.getByTestId("login-code").fill(totp(key));
  await colleague.getByTestId("login-submit").click();
  await expect(colleague.getByTestId("admin-nav")).toContainText(email);

  // The phone is lost: the owner resets the code, and the password alone opens the dashboard.
  await page.goto("/admin/admins");
  const row = page.getByTestId("admin-row").filter({ hasText: email });
  await row.getByTestId("reset-second-factor").click();
  await expect(row.getByTestId("reset-second-factor")).toHaveCount(0);
  await colleague.getByTestId("log-out").click();
  // Logged out once the dashboard has sent them back to the login page.
  await expect(colleague.getByTestId("login-form")).toBeVisible();
  await logIn(colleague, email);
  await expect(colleague.getByTestId("admin-nav")).toContainText(email);
});
