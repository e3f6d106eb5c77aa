// Freshness, as a driver sees it inside Telegram: every card says how long ago it was posted on
// the exchange, and a card the exchange has taken says so at once, even one whose detail Hauler
// warmed for the list before the load was taken. In Russian and in English.
import { expect, test } from "@playwright/test";
import { openInTelegram, screenshot } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

const RUN = (Math.floor(Date.now() / 1000) % 1_000_000) * 100;
const driver = (n: number, language_code: string) => ({
  id: 560_000_000 + RUN + (n % 100),
  first_name: "Алексей",
  language_code,
});

const stories = [
  {
    language: "ru",
    age: /^(только что|\d+\s(мин|ч|дн) назад)$/,
    taken: "Этот груз уже забрали или сняли с биржи",
    minutes: (n: number) => `${n}\u00a0мин назад`,
  },
  {
    language: "en",
    age: /^(just now|\d+\s(min|h|d) ago)$/,
    taken: "This load has been taken or removed from the exchange",
    minutes: (n: number) => `${n}\u00a0min ago`,
  },
];

for (const [n, story] of stories.entries()) {
  test(`every card tells its age and a taken card says so at once (${story.language})`, async ({ page, request }) => {
    await openInTelegram(page, "/", { user: driver(n + 1, story.language) });
    const cards = page.getByTestId("cargo-card");
    await expect(cards).toHaveCount(20);
    const ages = cards.getByTestId("card-age");
    await expect(ages).toHaveCount(20);
    for (const age of await ages.all()) {
      await expect(age).toHaveText(story.age);
    }
    // The words agree with the seconds the server gave: a card between one minute and an hour old.
    const seconds = await ages.evaluateAll((nodes) =>
      nodes.map((node) => Number(node.getAttribute("data-age-seconds"))),
    );
    const inMinutes = seconds.findIndex((s) => s >= 60 && s < 3600);
    expect(inMinutes).toBeGreaterThanOrEqual(0);
    await expect(ages.nth(inMinutes)).toHaveText(story.minutes(Math.floor(seconds[inMinutes] / 60)));
    expect(seconds).toEqual([...seconds].sort((a, b) => a - b));

    // The first card: its detail is warmed for the list, so Hauler holds it when it is taken.
    const card = cards.first();
    const id = Number(await card.getAttribute("data-id"));
    const route = (await card.locator(".route").textContent())!;
    await request.post("/sandbox/cargotech/__sandbox/control", { data: { take: id } });
    await card.click();
    await expect(page.getByTestId("detail-route")).toHaveText(route);
    await expect(page.getByTestId("cargo-taken")).toHaveText(story.taken);
  });
}
