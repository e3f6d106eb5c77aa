// The loads before the bundle: the page's inline script signs the driver in and draws the first
// cards while the app's code is still on its way (on a first opening the cards come in the
// sign-in's own answer); the app then takes over what the script got,
// without signing in or asking for the list a second time. A driver without access meets the
// paywall as before.
import { expect, test, type Page } from "@playwright/test";
import { grantAccess, LIGHT_THEME, screenshot, signInitData, type TelegramUser } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

/** Each story has its own driver, new on every run. */
const RUN = (Math.floor(Date.now() / 1000) % 1_000_000) * 100;
const driver = (n: number, language_code = "ru"): TelegramUser => ({
  id: 810_000_000 + RUN + (n % 100),
  first_name: "Пётр",
  language_code,
});

/** The API calls the page makes, by path: the sign-ins and the list requests. */
function watchApi(page: Page) {
  const seen = { signIns: [] as string[], lists: [] as string[] };
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith("/api/v1/auth/")) seen.signIns.push(path);
    if (path === "/api/v1/cargos") seen.lists.push(request.url());
  });
  return seen;
}

/** Holds the app's code (the `.wasm` files) until the story lets it through. */
async function holdTheApp(page: Page): Promise<() => void> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\.wasm$/, async (route) => {
    await released;
    await route.continue();
  });
  return release;
}

/** Opens the Mini App as Telegram does, without waiting for the app to come alive. */
async function openFromTheBot(page: Page, user: TelegramUser, access: "trial" | "none" = "trial") {
  const initData = signInitData(user);
  if (access === "trial") await grantAccess(page.request, { initData });
  await page.addInitScript(() => {
    (window as any).TelegramWebviewProxy = { postEvent: () => {} };
  });
  const hash = new URLSearchParams({
    tgWebAppData: initData,
    tgWebAppVersion: "8.0",
    tgWebAppPlatform: "android",
    tgWebAppThemeParams: JSON.stringify(LIGHT_THEME),
  });
  await page.goto(`/#${hash}`);
}

test("the first loads come with the sign-in and are on screen before the app's code has come; the app takes them over without asking again", async ({
  page,
}) => {
  const api = watchApi(page);
  const letTheAppIn = await holdTheApp(page);
  // One round trip on a phone's first opening: the list is never asked for on its own.
  await page.route(/\/api\/v1\/cargos\?/, (route) => route.abort());
  await openFromTheBot(page, driver(1));

  // The inline script's cards, while the app's code is held back.
  const cards = page.getByTestId("cargo-card");
  await expect(cards).toHaveCount(20);
  await expect(page.getByTestId("cargo-list")).toHaveAttribute("data-boot", "drawn");
  await expect(page.getByTestId("greeting")).toHaveText("Здравствуйте, Пётр");
  await expect(page.getByTestId("shown-of")).toHaveText(/^Показано 20 из \d+$/);
  await expect(cards.first()).toContainText("₽");
  await expect(page.getByTestId("card-skeleton")).toHaveCount(0);
  await expect(page.locator("main[data-ready=true]")).toHaveCount(0);
  const drawn = await cards.allTextContents();
  const firstBox = await cards.first().boundingBox();

  letTheAppIn();
  await page.locator("main[data-ready=true]").waitFor();
  // The app's own cards now, the same ones in the same place.
  await expect(page.getByTestId("cargo-list")).not.toHaveAttribute("data-boot", "drawn");
  await expect(cards).toHaveCount(20);
  expect(await cards.allTextContents()).toEqual(drawn);
  expect(await cards.first().boundingBox()).toEqual(firstBox);
  expect(api.signIns).toEqual(["/api/v1/auth/telegram"]);
  expect(api.lists).toEqual([]);

  // And it is alive: the next pages come with the session the script got. (Reaching the button
  // scrolls to the list's end, which loads the next page by itself too.)
  await page.unroute(/\/api\/v1\/cargos\?/);
  await page.getByTestId("load-more").click();
  await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(40);
  expect(api.signIns).toHaveLength(1);
  expect(api.lists.filter((url) => !url.includes("offset="))).toEqual([]);
});

test("an app whose code comes before the script's answers waits for them rather than asking again", async ({ page }) => {
  const api = watchApi(page);
  // The sign-in's answer, with the first page, waits until the app has come alive.
  let answer!: () => void;
  const mayAnswer = new Promise<void>((resolve) => (answer = resolve));
  await page.route(/\/api\/v1\/auth\/telegram$/, async (route) => {
    await mayAnswer;
    await route.continue();
  });
  await openFromTheBot(page, driver(5));
  await page.locator("main[data-ready=true]").waitFor();
  await expect(page.getByTestId("card-skeleton").first()).toBeVisible();
  answer();

  const cards = page.getByTestId("cargo-card");
  await expect(cards).toHaveCount(20);
  // Drawn by the app, not by the script.
  await expect(page.getByTestId("cargo-list")).not.toHaveAttribute("data-boot", "drawn");
  await expect(page.getByTestId("greeting")).toHaveText("Здравствуйте, Пётр");
  expect(api.signIns).toEqual(["/api/v1/auth/telegram"]);
  expect(api.lists).toEqual([]);
  // More pages come on the same session. (Reaching the button scrolls to the list's end, which
  // loads the next page by itself too: how many pages came is not the point.)
  await page.getByTestId("load-more").click();
  await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(40);
  expect(api.signIns).toHaveLength(1);
});

test("reopened, the app renews the session kept on the device, once, before its code has come", async ({ page }) => {
  const user = driver(2);
  await openFromTheBot(page, user);
  await page.locator("main[data-ready=true]").waitFor();
  // The first open's list has come (an app alive may still be waiting for it): only the
  // reopening's requests are watched.
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);

  const api = watchApi(page);
  const letTheAppIn = await holdTheApp(page);
  await page.reload();
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  letTheAppIn();
  await page.locator("main[data-ready=true]").waitFor();
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  expect(api.signIns).toEqual(["/api/v1/auth/renew"]);
  expect(api.lists).toHaveLength(1);
});

/** Opens the app, waits until it is alive with its first page, and reloads it with the app's
 *  code held back; the API calls of the reopening are watched. */
async function reopen(page: Page, user: TelegramUser, beforeReload?: () => Promise<void>) {
  await openFromTheBot(page, user);
  await page.locator("main[data-ready=true]").waitFor();
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  await beforeReload?.();
  const api = watchApi(page);
  const letTheAppIn = await holdTheApp(page);
  await page.reload();
  return { api, letTheAppIn };
}

test("reopened, the first page is asked for beside the renewal, not after it", async ({ page }) => {
  const { api, letTheAppIn } = await reopen(page, driver(6), async () => {
    // The reopening's renewal is answered only once a list has been asked for: a list asked after
    // it would never come.
    let listAsked!: () => void;
    const asked = new Promise<void>((resolve) => (listAsked = resolve));
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/v1/cargos") listAsked();
    });
    await page.route(/\/api\/v1\/auth\/renew$/, async (route) => {
      await asked;
      await route.continue();
    });
  });
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  await expect(page.getByTestId("cargo-list")).toHaveAttribute("data-boot", "drawn");
  letTheAppIn();
  await page.locator("main[data-ready=true]").waitFor();
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  expect(api.signIns).toEqual(["/api/v1/auth/renew"]);
  expect(api.lists).toHaveLength(1);
});

test("a driver whose filter changed elsewhere reopens to the page of the new filter", async ({ page }) => {
  const { api, letTheAppIn } = await reopen(page, driver(7), async () => {
    // The filter changed on another device: the driver's last filter is sorted by price now.
    const token = (await page.evaluate(() => localStorage.getItem("hauler.session")))!.split(":")[1];
    const changed = await page.request.put("/api/v1/me/filter", {
      headers: { authorization: `Bearer ${token}` },
      data: { filter: { sort: "price" } },
    });
    expect(changed.ok()).toBe(true);
  });
  // (A page sorted by price says how many of the loads it sorted: the app draws that one itself.)
  await expect.poll(() => api.lists.length).toBe(2);
  letTheAppIn();
  await page.locator("main[data-ready=true]").waitFor();
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  // The page asked beside the renewal was the old filter's; the one drawn is the new filter's.
  expect(api.lists).toHaveLength(2);
  expect(api.lists[0]).not.toContain("sort=price");
  expect(api.lists[1]).toContain("sort=price");
  expect(api.signIns).toEqual(["/api/v1/auth/renew"]);
});

test("an English-speaking driver's first loads are drawn in English", async ({ page }) => {
  const letTheAppIn = await holdTheApp(page);
  await openFromTheBot(page, driver(3, "en"));
  await expect(page.getByTestId("shown-of")).toHaveText(/^Showing 20 of \d+$/);
  await expect(page.getByTestId("greeting")).toHaveText("Hello, Пётр");
  letTheAppIn();
  await page.locator("main[data-ready=true]").waitFor();
  await expect(page.getByTestId("shown-of")).toHaveText(/^Showing 20 of \d+$/);
  await expect(page.getByTestId("open-filters")).toContainText("Filters");
});

test("a driver without access meets the paywall: signed in once, no list asked for", async ({ page }) => {
  const api = watchApi(page);
  const letTheAppIn = await holdTheApp(page);
  await openFromTheBot(page, driver(4), "none");
  // The script leaves the skeleton to the app.
  await expect(page.getByTestId("card-skeleton").first()).toBeVisible();
  await expect(page.getByTestId("cargo-list")).not.toHaveAttribute("data-boot", "drawn");
  letTheAppIn();
  await expect(page.getByTestId("paywall")).toBeVisible();
  await expect(page.getByTestId("cargo-card")).toHaveCount(0);
  expect(api.signIns).toEqual(["/api/v1/auth/telegram"]);
  expect(api.lists).toHaveLength(0);
});

/** The pages the browser loads anew from here on (a document, not the app's own navigation). */
function watchPageLoads(page: Page) {
  const loads: string[] = [];
  page.on("request", (request) => {
    if (request.resourceType() === "document") loads.push(new URL(request.url()).pathname);
  });
  return loads;
}

test("a card tapped before the app's code has come opens once it has, without loading its page anew", async ({
  page,
}) => {
  const letTheAppIn = await holdTheApp(page);
  await openFromTheBot(page, driver(8));
  const cards = page.getByTestId("cargo-card");
  await expect(cards).toHaveCount(20);
  await expect(page.getByTestId("cargo-list")).toHaveAttribute("data-boot", "drawn");
  const pageLoads = watchPageLoads(page);

  const tapped = cards.nth(2);
  const id = await tapped.getAttribute("data-id");
  await tapped.click();
  // Still the list, the card shown as opening.
  await expect(tapped).toHaveAttribute("data-opening", "true");
  expect(new URL(page.url()).pathname).toBe("/");

  letTheAppIn();
  await expect(page).toHaveURL(new RegExp(`/cargo/${id}$`));
  await expect(page.getByTestId("cargo-detail")).toBeVisible();
  expect(pageLoads).toEqual([]);
  // Back to the loads, as from any card.
  await page.goBack();
  await expect(page.getByTestId("cargo-list")).toBeVisible();
  await expect(cards).toHaveCount(20);
});

test("a card tapped while the app's code never comes is opened as a page of its own after 15 s", async ({ page }) => {
  test.setTimeout(60_000);
  await holdTheApp(page);
  await openFromTheBot(page, driver(9));
  const cards = page.getByTestId("cargo-card");
  await expect(cards).toHaveCount(20);
  const pageLoads = watchPageLoads(page);

  const id = await cards.first().getAttribute("data-id");
  const tappedAt = Date.now();
  await cards.first().click();
  await page.waitForURL(new RegExp(`/cargo/${id}$`), { timeout: 30_000 });
  expect(Date.now() - tappedAt).toBeGreaterThanOrEqual(14_000);
  expect(pageLoads).toEqual([`/cargo/${id}`]);
});
