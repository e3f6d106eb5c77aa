// The drivers pages of the admin dashboard, next to a driver's open Mini App: a ban takes effect
// on the driver's very next action; a gift of days shows in the driver's history and the log.
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { logInAsOwner, openAdminPage } from "./support/admin";
import { openInTelegram, screenshot } from "./support/telegram";

// These stories read the dashboard in English; admin-language.spec.ts reads it in Russian.
test.use({ locale: "en-US" });

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

/** Each story has its own driver, new on every run (a PostgreSQL database may outlive a run). */
const RUN = (Math.floor(Date.now() / 1000) % 1_000_000) * 100;
const driver = (n: number, first_name: string) => ({
  id: 700_000_000 + RUN + (n % 100),
  first_name,
  last_name: "Испытанов",
  language_code: "ru",
});

/** A screenshot of the desk's window too, named after the story. */
async function deskShot(desk: Page, testInfo: TestInfo, what: string) {
  const dir = process.env.SCREENSHOT_DIR ?? "screenshots";
  const name = [...testInfo.titlePath.slice(1), what].join(" - ").replace(/[^\p{L}\p{N}_ -]+/gu, "_");
  await desk.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}

/** The owner, at a desk in a window of their own, on this driver's page. */
async function openDriverAtDesk(desk: Page, telegramId: number, name: string, testInfo?: TestInfo) {
  await logInAsOwner(desk);
  await openAdminPage(desk, "drivers");
  await expect(desk.getByTestId("drivers-table")).toBeVisible();
  if (testInfo) await deskShot(desk, testInfo, "list");
  await desk.getByTestId("drivers-search").fill(String(telegramId));
  const row = desk.getByTestId(`driver-row-${telegramId}`);
  await expect(desk.getByTestId("pager-info")).toContainText("· 1 driver");
  await row.getByTestId(`driver-link-${telegramId}`).click();
  await expect(desk.getByTestId("driver-name")).toHaveText(name);
}

test("banning a driver stops that driver's open Mini App session", async ({ page, browser }, testInfo) => {
  const user = driver(1, "Борис");
  await openInTelegram(page, "/", { user });
  const cards = page.getByTestId("cargo-card");
  await expect(cards).toHaveCount(20);

  const desk = await browser.newPage();
  await openDriverAtDesk(desk, user.id, "Борис Испытанов", testInfo);
  await expect(desk.getByTestId("driver-state")).toHaveText("Trial");
  await desk.getByTestId("ban-button").click();
  await expect(desk.getByTestId("ban-confirmation")).toContainText("Ban this driver?");
  await desk.getByTestId("ban-confirm").click();
  await expect(desk.getByTestId("ban-result")).toHaveText("Banned: every session of theirs has ended");
  await expect(desk.getByTestId("driver-state")).toHaveText("Banned");
  await deskShot(desk, testInfo, "desk");

  // Back in the Mini App, the next page of loads is refused: the session is over.
  await page.bringToFront();
  await page.mouse.wheel(0, 5000);
  const refusal = page.getByTestId("list-error");
  await expect(refusal).toHaveAttribute("data-code", "session_expired");
  await expect(refusal).toContainText("Сеанс завершён");
  await expect(cards).toHaveCount(20);
  await desk.close();
});

test("a gift of days opens the loads and shows in the driver's history and the audit log", async ({
  page,
  browser,
}, testInfo) => {
  const user = driver(2, "Жанна");
  await openInTelegram(page, "/", { user, access: "none" });
  await expect(page.getByTestId("cargo-card")).toHaveCount(0);

  const desk = await browser.newPage();
  await openDriverAtDesk(desk, user.id, "Жанна Испытанов");
  await expect(desk.getByTestId("driver-state")).toHaveText("Never subscribed");
  await expect(desk.getByTestId("grants-empty")).toBeVisible();
  await desk.getByTestId("gift-days").fill("30");
  await desk.getByTestId("gift-submit").click();
  await expect(desk.getByTestId("gift-result")).toContainText("Gifted 30 days: access until");
  await expect(desk.getByTestId("driver-state")).toHaveText("Active");
  await expect(desk.getByTestId("days-left")).toHaveText("30 days left");
  const gift = desk.getByTestId("grant-row").first();
  await expect(gift).toContainText("gift");
  await expect(gift).toContainText("+30");
  await expect(gift).toContainText("admin:owner@hauler.test");
  await desk.getByTestId("gift-days").fill("400");
  await desk.getByTestId("gift-submit").click();
  await expect(desk.getByTestId("gift-result")).toHaveAttribute("data-code", "invalid_days");
  await deskShot(desk, testInfo, "driver page");

  const driverId = /\/admin\/drivers\/(\d+)/.exec(desk.url())![1];
  await openAdminPage(desk, "audit");
  await desk.getByTestId("audit-object").fill(`driver:${driverId}`);
  const rows = desk.getByTestId("audit-row");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-action", "driver.days_gifted");
  await expect(rows.first()).toContainText("admin:owner@hauler.test");
  await expect(desk.getByTestId("audit-export")).toHaveAttribute(
    "href",
    `/admin/api/audit.csv?object=driver%3A${driverId}`,
  );
  const csv = await desk.request.get(`/admin/api/audit.csv?object=driver%3A${driverId}`);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  expect(await csv.text()).toContain("driver.days_gifted");
  await deskShot(desk, testInfo, "audit");

  await page.bringToFront();
  await page.reload();
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  await desk.close();
});
