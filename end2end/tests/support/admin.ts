// The admin dashboard, as the people who run Hauler open it in an ordinary desktop browser.
import { expect, type Page } from "@playwright/test";

/** The browser tests' owner: created by the test server on its first start. */
export const OWNER = {
  email: process.env.ADMIN_EMAIL ?? "owner@hauler.test",
  password: process.env.ADMIN_PASSWORD ?? "e2e-owner-password-42",
};

/** A desk-sized window. */
export const DESKTOP = { width: 1366, height: 900 };

/** Logs in on the login page and waits for the overview. */
export async function logInAsOwner(page: Page) {
  await page.setViewportSize(DESKTOP);
  await page.goto("/admin/login");
  await page.locator("div.admin[data-hydrated=true]").waitFor();
  await page.getByTestId("login-email").fill(OWNER.email);
  await page.getByTestId("login-password").fill(OWNER.password);
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("admin-nav")).toBeVisible();
}

/** Opens a dashboard page by its navigation entry (`drivers`, `payments`, `flags`…). */
export async function openAdminPage(page: Page, slug: string) {
  await page.getByTestId(`nav-${slug}`).click();
  await page.waitForURL(/\/admin/);
}
