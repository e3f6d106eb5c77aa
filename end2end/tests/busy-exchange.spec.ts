// A driver who opens the loads while the exchange is busy (it asked Hauler to slow down) is not
// shown an error: the list says the exchange is busy and about how long the loads will take,
// keeps its skeletons, and shows the loads when they come, without a tap.
import { expect, test } from "@playwright/test";
import { grantAccess, openInTelegram, screenshot, signInitData } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

/** A driver new on every run (a PostgreSQL database may outlive a run). */
const RUN = (Math.floor(Date.now() / 1000) % 1_000_000) * 100;
const user = { id: 740_000_000 + RUN, first_name: "Руслан", last_name: "Терпеливый", language_code: "ru" };

/** Loads from Moscow above a price floor no other story (and no earlier run) asked for. */
const priceFloor = (n: number) => 1_000 + ((RUN / 100 + n) % 5_000);
const fromMoscow = (n: number) => ({
  from: { city_id: 1, point_type: 2, city_name: "Москва", radius_km: 0 },
  price_rub: { min: priceFloor(n) },
});

test("the loads list on a busy exchange says so, then shows the loads when they come", async ({ page }) => {
  test.setTimeout(60_000);
  const token = await grantAccess(page.request, { initData: signInitData(user) });
  const headers = { authorization: `Bearer ${token}` };
  // The driver's last filter: the list opens with it, a question the exchange has not been asked.
  const remembered = await page.request.put("/api/v1/me/filter", { headers, data: { filter: fromMoscow(0) } });
  expect(remembered.ok()).toBeTruthy();

  // For ten seconds the exchange answers every call "429, retry after the seconds left": each of
  // the server's accounts is paused as soon as it calls, and nobody gets a call until then.
  await page.request.post("/sandbox/cargotech/__sandbox/control", { data: { throttle_seconds: 10 } });
  const other = fromMoscow(1);
  const throttled = await page.request.get(`/api/v1/cargos?from_city_id=1&price_min_rub=${other.price_rub.min}`, {
    headers,
  });
  expect(throttled.status()).toBe(202);

  await openInTelegram(page, "/", { user });
  const later = page.getByTestId("list-later");
  await expect(later).toContainText("Биржа сейчас занята");
  // The estimate counts the exchange's own pause, not just the lists ahead (they are few).
  const seconds = Number((await later.textContent())?.match(/через (\d+)/)?.[1]);
  expect(seconds).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId("list-error")).toHaveCount(0);

  // The exchange takes calls again: the loads arrive in place of the skeletons.
  await expect(page.getByTestId("cargo-card").first()).toBeVisible({ timeout: 40_000 });
  await expect(later).toHaveCount(0);
  await expect(page.getByTestId("list-error")).toHaveCount(0);
});
