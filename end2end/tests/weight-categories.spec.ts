// A driver sizes the loads by weight/volume category, the way the service was specified: the
// seven categories come first in the filter, the chosen one shows as a chip, and the list narrows
// to loads of that size. In Russian, and in English when Telegram says the driver speaks it.
import { expect, test } from "@playwright/test";
import { openInTelegram, pressMainButton, screenshot } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

/** A driver new on every run, so stories never see each other's saved filter. */
const RUN = (Math.floor(Date.now() / 1000) % 1_000_000) * 100;

const LANGUAGES = [
  {
    language_code: "ru",
    driver: 500_000_000 + RUN + 41,
    categories: [
      "Любой",
      "1–3 т / до 15 м³",
      "3–5 т / 15–25 м³",
      "5–10 т / 25–40 м³",
      "10–15 т / 40–60 м³",
      "15–20 т / 60–82 м³",
      "20+ т / 82+ м³",
    ],
    tonnes: "т",
    cubicMetres: "м³",
  },
  {
    language_code: "en",
    driver: 500_000_000 + RUN + 42,
    categories: [
      "Any",
      "1–3 t / up to 15 m³",
      "3–5 t / 15–25 m³",
      "5–10 t / 25–40 m³",
      "10–15 t / 40–60 m³",
      "15–20 t / 60–82 m³",
      "20+ t / 82+ m³",
    ],
    tonnes: "t",
    cubicMetres: "m³",
  },
];

/** The list's total: the last number of "Показано 20 из 2931" / "Showing 20 of 2931". */
async function total(page: import("@playwright/test").Page): Promise<number> {
  const shown = (await page.getByTestId("shown-of").textContent()) ?? "";
  return Number(shown.trim().split(/\s+/).pop());
}

/** "7,5 т" → 7.5, read from a card's size line. */
function quantity(line: string, unit: string): number {
  const match = line.match(new RegExp(`([\\d,]+)\\u00a0${unit}`));
  expect(match, `${unit} in "${line}"`).not.toBeNull();
  return Number(match![1].replace(",", "."));
}

for (const lang of LANGUAGES) {
  test(`a driver picks the 5–10 t category and sees only loads of that size (${lang.language_code})`, async ({
    page,
  }) => {
    await openInTelegram(page, "/", {
      user: { id: lang.driver, first_name: "Алексей", language_code: lang.language_code },
    });
    await expect(page.getByTestId("cargo-card")).toHaveCount(20);
    const everything = await total(page);

    await page.getByTestId("open-filters").click();
    const choices = page.getByTestId("field-weight").getByRole("button");
    await expect(choices.first()).toBeVisible();
    expect((await choices.allTextContents()).slice(0, 7)).toEqual(lang.categories);
    await choices.filter({ hasText: lang.categories[3] }).click();
    await pressMainButton(page);

    await expect(page.getByTestId("chip")).toHaveText([`${lang.categories[3]}×`]);
    const cards = page.getByTestId("cargo-card");
    await expect(cards.first()).toBeVisible();
    await expect.poll(() => total(page)).toBeLessThan(everything);
    const lines = await cards.locator(".cargo-card-line:not(.muted)").allTextContents();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const tonnes = quantity(line, lang.tonnes);
      const cubicMetres = quantity(line, lang.cubicMetres);
      expect(tonnes, line).toBeGreaterThanOrEqual(5);
      expect(tonnes, line).toBeLessThanOrEqual(10);
      expect(cubicMetres, line).toBeGreaterThanOrEqual(25);
      expect(cubicMetres, line).toBeLessThanOrEqual(40);
    }
  });
}
