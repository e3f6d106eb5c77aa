// Freshness, as a driver sees it inside Telegram: every card says how long ago it was posted on
// the exchange, a card the exchange has taken says so at once, even one whose detail Hauler
// warmed for the list before the load was taken, and a list opened again tells of the loads
// taken since the driver last looked at it. In Russian and in English.
import { expect, test, type APIRequestContext } from "@playwright/test";
import { apiSession } from "./support/api";
import { openInTelegram, pressMainButton, screenshot } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

const RUN = (Math.floor(Date.now() / 1000) % 1_000_000) * 100;
const driver = (n: number, language_code: string) => ({
  id: 560_000_000 + RUN + (n % 100),
  first_name: "Алексей",
  language_code,
});

/** A card's age in words: under a minute, whole minutes, hours, then days. */
function said(seconds: number, justNow: string, ago: string, units: string[]): string {
  if (seconds < 60) return justNow;
  const [n, unit] =
    seconds < 3600 ? [Math.floor(seconds / 60), units[0]] : seconds < 86_400 ? [Math.floor(seconds / 3600), units[1]] : [Math.floor(seconds / 86_400), units[2]];
  return ago.replace("{age}", `${n}\u00a0${unit}`);
}

const stories = [
  {
    language: "ru",
    age: /^(только что|\d+\s(мин|ч|дн) назад)$/,
    taken: "Этот груз уже забрали или сняли с биржи",
    words: (seconds: number) => said(seconds, "только что", "{age} назад", ["мин", "ч", "дн"]),
    city: { typed: "Калу", name: "Калуга" },
    goneSince: "Забрали, пока вас не было · 2",
  },
  {
    language: "en",
    age: /^(just now|\d+\s(min|h|d) ago)$/,
    taken: "This load has been taken or removed from the exchange",
    words: (seconds: number) => said(seconds, "just now", "{age} ago", ["min", "h", "d"]),
    city: { typed: "Смол", name: "Смоленск" },
    goneSince: "Taken since you last looked · 2",
  },
];

for (const [n, story] of stories.entries()) {
  test(`every card tells its age and a taken card says so at once (${story.language})`, async ({ page, request }) => {
    await openInTelegram(page, "/", { user: driver(n + 1, story.language) });
    const cards = page.getByTestId("cargo-card");
    // The first page; a load another story posts meanwhile may join it over the live feed.
    await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(20);
    // Every card tells its age, once, read at one moment: the words agree with the seconds the
    // server gave (loads other stories post are "just now", the exchange's own minutes old),
    // newest first.
    const told = await cards.evaluateAll((nodes) =>
      nodes.map((node) => {
        const ages = node.querySelectorAll('[data-testid="card-age"]');
        return {
          count: ages.length,
          words: ages[0]?.textContent ?? "",
          seconds: Number(ages[0]?.getAttribute("data-age-seconds")),
        };
      }),
    );
    expect(told.map((card) => card.count)).toEqual(told.map(() => 1));
    for (const card of told) expect(card.words).toMatch(story.age);
    const seconds = told.map((card) => card.seconds);
    expect(told.map((card) => card.words)).toEqual(seconds.map(story.words));
    expect(seconds.some((s) => s >= 60)).toBe(true);
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

/** The ids of a city's first page of loads, as another driver asking the API sees them now. */
async function listedNow(request: APIRequestContext, token: string, cityName: string): Promise<number[]> {
  const headers = { authorization: `Bearer ${token}` };
  const cities = await (await request.get(`/api/v1/cities?q=${encodeURIComponent(cityName)}`, { headers })).json();
  const city = cities.find((c: any) => c.name === cityName);
  const list = await request.get(`/api/v1/cargos?from_city_id=${city.id}&limit=20`, { headers });
  expect(list.status()).toBe(200);
  return (await list.json()).cards.map((card: any) => card.id);
}

// How long Hauler takes a driver's list asked again to be the same look (LOOK_AGAIN_AFTER).
const SAME_LOOK_MS = 30_000;

for (const [n, story] of stories.entries()) {
  test(`a list opened again tells of the loads taken since the driver last looked (${story.language})`, async ({
    page,
    request,
  }) => {
    test.setTimeout(120_000);
    const user = driver(n + 11, story.language);
    await openInTelegram(page, "/", { user });
    await expect(page.getByTestId("cargo-card")).toHaveCount(20);
    await page.getByTestId("open-filters").click();
    await page.getByTestId("city-from").fill(story.city.typed);
    await page.getByTestId("suggestions-from").getByRole("button", { name: story.city.name }).click();
    await pressMainButton(page);
    const cards = page.getByTestId("cargo-card");
    await expect(cards.first().locator(".route")).toContainText(story.city.name);
    const looked = Date.now();
    const seen = (await cards.evaluateAll((nodes) => nodes.map((node) => Number(node.getAttribute("data-id")))));
    expect(seen.length).toBeGreaterThanOrEqual(5);
    await expect(page.getByTestId("gone-loads")).toHaveCount(0);

    // While the list is open, two of its loads are taken on the exchange; Hauler's look for new
    // loads in open lists brings the list up to date, as another driver can see.
    const taken = [seen[1], seen[3]];
    for (const id of taken) {
      const took = await request.post("/sandbox/cargotech/__sandbox/control", { data: { take: id } });
      expect(took.ok()).toBe(true);
    }
    const other = await apiSession(request, driver(n + 21, story.language));
    await expect
      .poll(async () => (await listedNow(request, other, story.city.name)).filter((id) => taken.includes(id)), {
        timeout: 30_000,
      })
      .toEqual([]);

    // The driver leaves, and comes back later to the same list.
    await page.goto("about:blank");
    await page.waitForTimeout(Math.max(0, looked + SAME_LOOK_MS + 1_000 - Date.now()));
    await openInTelegram(page, "/", { user });
    const gone = page.getByTestId("gone-loads");
    await expect(gone.locator("summary")).toHaveText(story.goneSince);
    await gone.locator("summary").click();
    const goneLoads = gone.getByTestId("gone-load");
    await expect(goneLoads).toHaveCount(2);
    const goneIds = await goneLoads.evaluateAll((nodes) => nodes.map((node) => Number(node.getAttribute("data-id"))));
    expect(goneIds.sort((a, b) => a - b)).toEqual([...taken].sort((a, b) => a - b));
    await expect(goneLoads.first()).toContainText(story.city.name);
    // The list itself no longer holds them.
    const now = await cards.evaluateAll((nodes) => nodes.map((node) => Number(node.getAttribute("data-id"))));
    expect(now.filter((id) => taken.includes(id))).toEqual([]);
  });
}
