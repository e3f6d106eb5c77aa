// New loads while the driver looks: they appear on top of the open list without a refresh.
import { expect, test } from "@playwright/test";
import { openInTelegram, screenshot } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

test("a new load appears at the top of the open list within seconds", async ({ page, request }) => {
  await openInTelegram(page, "/", { user: { id: 340001, first_name: "Егор", language_code: "ru" } });
  const cards = page.getByTestId("cargo-card");
  await expect(cards).toHaveCount(20);
  // Let the server take its first look at this filter, then two loads are posted.
  await page.waitForTimeout(3000);
  await request.post("/sandbox/cargotech/__sandbox/control", { data: { tick: { new: 2, taken: 0 } } });

  await expect(cards).toHaveCount(22, { timeout: 15_000 });
  await expect(page.getByTestId("new-badge")).toHaveCount(2);
  await expect(cards.first()).toHaveAttribute("data-fresh", "true");
  await expect(page.getByTestId("shown-of")).toHaveText(/^Показано 22 из/);
});
