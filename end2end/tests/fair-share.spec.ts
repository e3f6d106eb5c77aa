// Fair shares of the exchange's calls: a driver whose share is spent is told kindly when to try
// again, and keeps the loads already on screen; the people who run Hauler see which drivers cost
// the most and cut one driver's share from the dashboard.
import { expect, test, type Page } from "@playwright/test";
import { logInAsOwner, openAdminPage } from "./support/admin";
import { grantAccess, openInTelegram, pressBackButton, screenshot, signInitData } from "./support/telegram";

// The dashboard reads in English here; the driver's Mini App speaks Russian (their Telegram's).
test.use({ locale: "en-US" });

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

/** Each story has its own driver, new on every run (a PostgreSQL database may outlive a run). */
const RUN = (Math.floor(Date.now() / 1000) % 1_000_000) * 100;
const driver = (n: number, first_name: string) => ({
  id: 720_000_000 + RUN + (n % 100),
  first_name,
  last_name: "Торопыгин",
  language_code: "ru",
});

/** The driver asks the exchange a question nobody asked before (a price floor of their own), so
 * the call is charged to them. */
async function causeAnUpstreamCall(page: Page, token: string, n: number) {
  const answer = await page.request.get(`/api/v1/cargos?limit=1&price_min_rub=${RUN + n}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(answer.status()).toBe(200);
}

/** The owner, at a desk of their own, cuts this driver's share to nothing. */
async function cutToNothing(desk: Page, telegramId: number) {
  await logInAsOwner(desk);
  await openAdminPage(desk, "drivers");
  await desk.getByTestId("drivers-search").fill(String(telegramId));
  await desk.getByTestId(`driver-link-${telegramId}`).click();
  await desk.getByTestId("share-cap").fill("0");
  await desk.getByTestId("share-cut").click();
  await expect(desk.getByTestId("share-result")).toHaveText(/0/);
  await expect(desk.getByTestId("share-note")).toContainText(/0/);
}

test("a driver over their share is told when to try again and keeps the loads on screen", async ({
  page,
  browser,
}) => {
  const user = driver(1, "Тимур");
  await openInTelegram(page, "/", { user });
  const cards = page.getByTestId("cargo-card");
  await expect(cards).toHaveCount(20);
  await page.mouse.wheel(0, 5000);
  await expect(cards).toHaveCount(40);

  const desk = await browser.newPage();
  await cutToNothing(desk, user.id);
  await desk.close();

  // A card nobody has opened yet needs the exchange: the driver is asked to wait, kindly.
  await page.bringToFront();
  await cards.nth(37).click();
  const refusal = page.getByTestId("detail-error");
  await expect(refusal).toContainText("Слишком много запросов к бирже");
  await expect(refusal).toContainText(/через \d+\s?с/);
  await expect(refusal.getByRole("button")).toBeVisible();

  // Back on the list, everything shown before is still there.
  await pressBackButton(page);
  await expect(cards.nth(39)).toBeVisible();
  await expect(page.getByTestId("list-error")).toHaveCount(0);
});

test("the overview shows the exchange's calls by kind and the drivers who cost the most", async ({
  page,
}) => {
  const user = driver(2, "Вадим");
  const token = await grantAccess(page.request, { initData: signInitData(user) });
  await causeAnUpstreamCall(page, token, 2);

  await page.setViewportSize({ width: 1366, height: 900 });
  await logInAsOwner(page);
  for (const kind of ["lists", "details", "cities", "login", "background"]) {
    await expect(page.getByTestId(`metric-use-${kind}`)).toBeVisible();
  }
  await expect(page.getByTestId("metric-use-lists").locator(".value")).not.toHaveText("0");
  const top = page.getByTestId("top-drivers");
  await expect(top).toBeVisible();
  const costliest = top.getByTestId("top-driver-link").first();
  const name = await costliest.textContent();
  await costliest.click();
  await expect(page.getByTestId("driver-name")).toContainText(name!.trim());
  await expect(page.getByTestId("share-control")).toBeVisible();
  await expect(page.getByTestId("share-note")).toContainText("calls a minute");
});
