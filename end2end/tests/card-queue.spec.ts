// A card whose details wait in line for the exchange opens at once with what the list showed,
// says it is loading the details, and fills them in when they come, without an error.
import { expect, test } from "@playwright/test";
import { grantAccess, openInTelegram, screenshot, signInitData } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

/** A driver new on every run (a PostgreSQL database may outlive a run). */
const RUN = (Math.floor(Date.now() / 1000) % 1_000_000) * 100;
const user = { id: 730_000_000 + RUN, first_name: "Семён", last_name: "Ожидающий", language_code: "ru" };

/** How long the built-in exchange takes to answer (its usual 700 ms unless a story slows it). */
const USUAL_LATENCY_MS = 700;

test("a card in line opens with the list's data and fills in when its details come", async ({ page }) => {
  const token = await grantAccess(page.request, { initData: signInitData(user) });
  // Far down the list, where no other story looks: the card is not cached.
  const list = await page.request.get("/api/v1/cargos?offset=1500&limit=20", {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(list.status()).toBe(200);
  const card = (await list.json()).cards[12];

  // The exchange slows down: the card cannot be fetched in the moment the server waits for it.
  await page.request.post("/sandbox/cargotech/__sandbox/control", { data: { latency_ms: 5000 } });
  try {
    await openInTelegram(page, `/cargo/${card.id}`, { user });
    await expect(page.getByTestId("detail-pending")).toHaveText("Загружаем подробности…");
    await expect(page.getByTestId("detail-route")).toContainText(card.from_city);
    await expect(page.getByTestId("detail-error")).toHaveCount(0);

    await expect(page.getByTestId("contacts")).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId("detail-pending")).toHaveCount(0);
    await expect(page.getByTestId("detail-route")).toContainText(card.from_city);
  } finally {
    await page.request.post("/sandbox/cargotech/__sandbox/control", { data: { latency_ms: USUAL_LATENCY_MS } });
  }
});
