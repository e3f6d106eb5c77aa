// Search by place, as drivers use it inside Telegram on the official telegram-web-app.js: loads
// near me (Telegram's LocationManager of Bot API 8.0; the browser's geolocation where Telegram
// has no location; a city to choose when the driver will not share it), loads along the way and
// the return load a card offers. In Russian and in English.
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { openInTelegram, screenshot, telegramEvents, type TelegramUser } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

/**
 * A search from a cold cache asks the exchange for every page of each city's loads, in two rounds
 * (about 1.5 s alone); with the other stories asking at the same moment, the budget may make
 * those calls wait their turn.
 */
const COLD_SEARCH = { timeout: 30_000 };
test.describe.configure({ timeout: 60_000 });

const driver = (id: number, language_code = "ru"): TelegramUser => ({ id, first_name: "Олег", language_code });

/** Тверь, as the gazetteer (GeoNames) places it. */
const TVER = { latitude: 56.8584, longitude: 35.9006 };

type TelegramLocation = "shared" | "refused" | "none" | "silent";

/**
 * What Telegram's client answers the LocationManager: the location (`shared`), a driver who says
 * no (`refused`), a device with no location for it (`none`), or nothing at all (`silent`, a client
 * that never answers). Set before the app opens.
 */
async function telegramLocation(page: Page, answer: TelegramLocation) {
  await page.addInitScript(
    ({ answer, at }) => {
      const reply = (type: string, data: unknown) =>
        setTimeout(() => (window as any).Telegram.WebView.receiveEvent(type, data), 10);
      let proxy: any;
      // The story's Telegram (support/telegram.ts) installs its proxy after this script: wrap it.
      Object.defineProperty(window, "TelegramWebviewProxy", {
        configurable: true,
        get: () => proxy,
        set: (given) => {
          proxy = {
            postEvent: (type: string, data: string) => {
              given.postEvent(type, data);
              if (answer === "silent") return;
              if (type === "web_app_check_location") {
                reply("location_checked", {
                  available: answer !== "none",
                  access_requested: true,
                  access_granted: answer === "shared",
                });
              }
              if (type === "web_app_request_location") {
                reply("location_requested", answer === "shared" ? { available: true, ...at } : { available: false });
              }
            },
          };
        },
      });
    },
    { answer, at: TVER },
  );
}

async function openNear(page: Page) {
  await page.getByTestId("open-near").click();
  await expect(page.getByTestId("find-near")).toBeVisible();
}

test("a driver in Tver shares the location in Telegram and sees the nearest loads first", async ({ page }) => {
  await telegramLocation(page, "shared");
  await openInTelegram(page, "/", { user: driver(640_001) });
  await openNear(page);
  await expect(page.getByRole("heading", { name: "Грузы рядом" })).toBeVisible();
  await page.getByTestId("radius-200").click();
  await page.getByTestId("find-near").click();

  await expect(page.getByTestId("searched-cities")).toHaveText(
    "Ищем в городах: Тверь 0, Москва 162 км",
    COLD_SEARCH,
  );
  expect(await telegramEvents(page, "web_app_request_location")).toHaveLength(1);
  const distances = await page.getByTestId("placed-distance").allTextContents();
  expect(distances.length).toBeGreaterThan(0);
  expect(distances[0]).toBe("0 км от вас");
  // Nearest first: Тверь's loads, then Москва's.
  const km = distances.map((text) => Number(text.split(" ")[0]));
  expect([...km].sort((a, b) => a - b)).toEqual(km);
  expect(km.every((k) => k === 0 || k === 162)).toBe(true);
  await expect(page.getByTestId("cargo-card").first()).toBeVisible();
});

test("a driver who taps before a slow first load has finished is answered once it has", async ({ page }) => {
  await telegramLocation(page, "shared");
  // A slow connection: the sign-in, which brings the first page of loads, takes its time.
  let release = () => {};
  const arrived = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/api\/v1\/auth\/telegram$/, async (route) => {
    await arrived;
    await route.continue();
  });
  await openInTelegram(page, "/", { user: driver(640_010) });
  await openNear(page);
  await page.getByTestId("find-near").click();
  await expect(page.getByTestId("place-searching")).toHaveText("Ищем грузы…");

  release();
  await expect(page.getByTestId("searched-cities")).toHaveText("Ищем в городах: Тверь 0 км", COLD_SEARCH);
  await expect(page.getByTestId("cargo-card").first()).toBeVisible();
});

test("a driver who refuses to share the location chooses a city instead, in English", async ({ page }) => {
  await telegramLocation(page, "refused");
  await openInTelegram(page, "/", { user: driver(640_002, "en") });
  await openNear(page);
  await expect(page.getByRole("heading", { name: "Loads near me" })).toBeVisible();
  await page.getByTestId("find-near").click();

  await expect(page.getByTestId("location-refused")).toHaveText(
    "You chose not to share your location — that's fine. Choose a city to search near:",
  );
  await expect(page.getByTestId("placed-cards")).toHaveCount(0);
  await page.getByTestId("city-near").fill("Tve");
  await page.getByTestId("suggestions-near").getByRole("button", { name: "Тверь" }).click();
  await expect(page.getByTestId("searched-cities")).toHaveText("Searching in: Тверь 0 km", COLD_SEARCH);
  await expect(page.getByTestId("placed-distance").first()).toHaveText("0 km from you");
  await expect(page.getByTestId("cargo-card").first()).toBeVisible();
});

/**
 * A driver in Tver whose browser may share the location, while Telegram's client answers as
 * `telegram` says, asks for loads near them.
 */
async function findNearFromTverBrowser(page: Page, context: BrowserContext, telegram: TelegramLocation, id: number) {
  await context.grantPermissions(["geolocation"]);
  await context.setGeolocation(TVER);
  await telegramLocation(page, telegram);
  await openInTelegram(page, "/", { user: driver(id) });
  await openNear(page);
  await page.getByTestId("find-near").click();
}

test("where Telegram has no location, the browser's geolocation finds the driver", async ({ page, context }) => {
  await findNearFromTverBrowser(page, context, "none", 640_003);
  await expect(page.getByTestId("searched-cities")).toHaveText("Ищем в городах: Тверь 0 км", COLD_SEARCH);
  await expect(page.getByTestId("location-refused")).toHaveCount(0);
});

test("where Telegram's location never answers, the browser's geolocation is asked after a few seconds", async ({
  page,
  context,
}) => {
  await findNearFromTverBrowser(page, context, "silent", 640_009);
  await expect(page.getByTestId("place-locating")).toHaveText("Определяем, где вы…");
  await expect(page.getByTestId("searched-cities")).toHaveText("Ищем в городах: Тверь 0 км", COLD_SEARCH);
  expect(await telegramEvents(page, "web_app_check_location")).toHaveLength(1);
  expect(await telegramEvents(page, "web_app_request_location")).toHaveLength(0);
});

test("a driver going from Moscow to Petersburg finds loads on the way, the smallest detour first", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(640_004) });
  await page.getByTestId("open-along").click();
  await expect(page.getByRole("heading", { name: "Грузы по пути" })).toBeVisible();
  await page.getByTestId("find-along").click();
  await expect(page.getByTestId("pick-both")).toBeVisible();

  await page.getByTestId("city-from").fill("Моск");
  await page.getByTestId("suggestions-from").getByRole("button", { name: "Москва" }).click();
  await page.getByTestId("city-to").fill("Санкт");
  await page.getByTestId("suggestions-to").getByRole("button", { name: "Санкт-Петербург" }).click();
  await page.getByTestId("corridor-100").click();
  await page.getByTestId("find-along").click();

  await expect(page.getByTestId("searched-cities")).toHaveText(
    "Ищем в городах: Москва 0, Тверь 162, Великий Новгород 491, Санкт-Петербург 635 км",
    COLD_SEARCH,
  );
  const labels = await page.getByTestId("placed-distance").allTextContents();
  expect(labels.length).toBeGreaterThan(0);
  expect(labels[0]).toBe("без крюка");
  const detours = labels.map((label) => (label === "без крюка" ? 0 : Number(label.replace("+", "").split(" ")[0])));
  expect([...detours].sort((a, b) => a - b)).toEqual(detours);
});

test("a card offers a return load towards where the load came from, in English", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(640_005, "en") });
  await page.getByTestId("cargo-card").first().click();
  const route = await page.getByTestId("detail-route").textContent();
  const origin = route!.split(" → ")[0];
  await page.getByTestId("back-home").click();
  await expect(page.getByRole("heading", { name: "Return load" })).toBeVisible();
  await expect(page.getByTestId("toward")).toHaveText(`Towards ${origin}`);
  await expect(page.getByTestId("searched-cities")).toContainText("Searching in:", COLD_SEARCH);
  for (const label of await page.getByTestId("placed-distance").allTextContents()) {
    expect(label).toMatch(/^\d+ km from unloading$/);
  }
});
