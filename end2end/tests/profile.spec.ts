// The gaps a driver hit: a reload minutes later keeps them signed in; a profile with language,
// home city, truck, alerts and quiet hours; hidden loads brought back; saved filters changed and
// paused; quiet hours holding an alert until morning; logging out. In Russian and in English.
import { expect, test, type Page } from "@playwright/test";
import { apiSession, botMessages } from "./support/api";
import {
  mainButton,
  openInTelegram,
  pressBackButton,
  pressMainButton,
  screenshot,
  signInitData,
  telegramEvents,
  type TelegramUser,
} from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

const driver = (id: number, language_code = "ru"): TelegramUser => ({ id, first_name: "Сергей", language_code });

/** The launch data Telegram hands a reloaded app: the one it was opened with, `minutes` ago. */
const launchDataFrom = (user: TelegramUser, minutes: number) =>
  signInitData(user, { authDate: Math.floor(Date.now() / 1000) - minutes * 60 });

/** Telegram reopening the app in the same WebView with this launch data: a full reload. */
async function reopen(page: Page, path: string, options: Parameters<typeof openInTelegram>[2]) {
  await openInTelegram(page, path, options);
  await page.reload();
  await page.locator("main[data-ready=true]").waitFor();
}

async function openProfile(page: Page) {
  await page.getByTestId("open-profile").click();
  await expect(page.getByTestId("profile-form")).toBeVisible();
}

test("a reload ten minutes later keeps the driver signed in", async ({ page, browser }) => {
  const sergey = driver(610_001);
  await openInTelegram(page, "/", { user: sergey });
  await expect(page.getByTestId("greeting")).toHaveText("Здравствуйте, Сергей");
  await expect(page.getByTestId("cargo-card").first()).toBeVisible();

  await reopen(page, "/", { initData: launchDataFrom(sergey, 10) });
  await expect(page.getByTestId("greeting")).toHaveText("Здравствуйте, Сергей");
  await expect(page.getByTestId("sign-in-error")).toHaveCount(0);
  await expect(page.getByTestId("cargo-card").first()).toBeVisible();

  // The same old launch data on a device that kept no session is refused as before.
  const other = await browser.newPage();
  await openInTelegram(other, "/", { initData: launchDataFrom(sergey, 10) });
  await expect(other.getByTestId("sign-in-error")).toHaveAttribute("data-code", "init_data_expired");
  await other.close();
});

test("a driver sets their profile and the app switches to English", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(610_002) });
  await openProfile(page);
  await expect(page.getByRole("heading", { name: "Профиль" })).toBeVisible();
  expect((await telegramEvents(page, "web_app_setup_back_button")).at(-1)).toEqual({ is_visible: true });
  // Nothing changed yet: no button to save.
  expect((await mainButton(page)).visible).toBe(false);

  await page.getByTestId("city-home").fill("Каз");
  await page.getByTestId("suggestions-home").getByRole("button", { name: "Казань" }).click();
  await page.getByTestId("truck-type").selectOption({ label: "Рефрижератор" });
  await page.getByTestId("capacity").selectOption({ label: "5–10 т / 25–40 м³" });
  await page.getByTestId("quiet-from").fill("23:00");
  await page.getByTestId("quiet-until").fill("06:30");
  await page.getByTestId("language-en").click();
  expect((await mainButton(page)).text).toBe("Сохранить");
  await pressMainButton(page);

  await expect(page.getByRole("heading", { name: "Profile" })).toBeVisible();
  await expect(page.getByTestId("city-home")).toHaveValue("Казань");
  await expect(page.getByTestId("quiet-until")).toHaveValue("06:30");
  const saved = await (
    await page.request.get("/api/v1/me/profile", { headers: { authorization: `Bearer ${await token(page)}` } })
  ).json();
  expect(saved).toMatchObject({
    language: "en",
    home_city: { name: "Казань" },
    truck_type: 2,
    capacity: "five_to_ten",
    quiet_hours: { from: "23:00", until: "06:30" },
  });
  await pressBackButton(page);
  await expect(page.getByTestId("open-filters")).toContainText("Filters");
});

test("an English-speaking driver turns alerts off in their profile", async ({ page }) => {
  await openInTelegram(page, "/", { user: { id: 610_003, first_name: "John", language_code: "en" } });
  await openProfile(page);
  await expect(page.getByRole("heading", { name: "Profile" })).toBeVisible();
  await page.getByTestId("notifications").uncheck();
  await page.getByTestId("quiet-hours").uncheck();
  expect((await mainButton(page)).text).toBe("Save");
  await pressMainButton(page);
  await expect(page.getByTestId("profile-form")).toContainText("Profile saved");
  await page.reload();
  await page.locator("main[data-ready=true]").waitFor();
  await expect(page.getByTestId("notifications")).not.toBeChecked();
  await expect(page.getByTestId("quiet-from")).toBeDisabled();
});

test("a hidden load is brought back from the profile", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(610_004) });
  const card = page.getByTestId("cargo-card").nth(2);
  const id = (await card.getAttribute("data-id"))!;
  await card.click();
  await page.getByRole("button", { name: "Скрыть груз" }).click();
  await expect(page.locator(`[data-testid=cargo-card][data-id="${id}"]`)).toHaveCount(0);

  await openProfile(page);
  const hidden = page.getByTestId("hidden-load");
  await expect(hidden).toHaveCount(1);
  await expect(hidden).toContainText(`Груз №${id}`);
  await hidden.getByTestId("bring-back").click();
  await expect(page.getByTestId("hidden-notice")).toHaveText("Груз снова в списке");
  await expect(page.getByTestId("no-hidden")).toBeVisible();
  await pressBackButton(page);
  await expect(page.locator(`[data-testid=cargo-card][data-id="${id}"]`)).toHaveCount(1);
});

test("a saved filter is renamed, changed and paused, in Russian and in English", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(610_005) });
  await page.getByTestId("open-filters").click();
  await page.getByTestId("saved-name").fill("Фуры");
  await page.locator(".save-row .check input").check();
  await page.getByTestId("save-filter").click();
  const saved = page.getByTestId("saved-filter");
  await expect(saved).toHaveText(["Фуры 🔔⏸✎×"]);

  await saved.getByTestId("edit-filter").click();
  await page.getByTestId("field-weight").getByRole("button", { name: /Фура/ }).click();
  await page.getByTestId("saved-name").fill("Фуры на Казань");
  await expect(page.getByTestId("save-filter")).toHaveText("Сохранить изменения");
  await page.getByTestId("save-filter").click();
  await expect(saved).toHaveText(["Фуры на Казань 🔔⏸✎×"]);

  await saved.getByTestId("pause-filter").click();
  await expect(saved).toHaveAttribute("data-paused", "true");
  await expect(saved).toContainText("на паузе");
  const list = await (
    await page.request.get("/api/v1/me/filters", { headers: { authorization: `Bearer ${await token(page)}` } })
  ).json();
  expect(list).toMatchObject([{ name: "Фуры на Казань", paused: true }]);
  expect(list[0].filter.weight_volume).toBeTruthy();

  // The same list in English, resumed there.
  await reopen(page, "/filters", { user: { ...driver(610_005), language_code: "en" } });
  await expect(saved).toContainText("paused");
  await saved.getByRole("button", { name: "Resume alerts" }).click();
  await expect(saved).toHaveAttribute("data-paused", "false");
});

test("logging out ends the session and says how to come back", async ({ page }) => {
  const sergey = driver(610_006);
  await openInTelegram(page, "/", { user: sergey });
  await openProfile(page);
  const before = await token(page);
  await page.getByTestId("log-out").click();
  await expect(page.getByTestId("signed-out")).toContainText("откройте приложение из бота");
  await expect(page.getByTestId("cargo-list")).toHaveCount(0);
  const me = await page.request.get("/api/v1/me", { headers: { authorization: `Bearer ${before}` } });
  expect(me.status()).toBe(401);
  expect(await token(page)).toBeNull();
  // Opened afresh from the bot, the driver is signed in again.
  await reopen(page, "/", { user: sergey });
  await expect(page.getByTestId("greeting")).toHaveText("Здравствуйте, Сергей");
});

/** The session the app keeps on the device. */
async function token(page: Page): Promise<string | null> {
  const kept = await page.evaluate(() => localStorage.getItem("hauler.session"));
  return kept ? kept.slice(kept.indexOf(":") + 1) : null;
}

/** New-load alerts the bot sent to a chat. */
async function alertsTo(page: Page, chatId: number): Promise<string[]> {
  return (await botMessages(page.request, chatId))
    .map((message) => message.text as string)
    .filter((text) => text.startsWith("🔔"));
}

test("quiet hours hold a new-load alert through the night and it comes in the morning", async ({ page }) => {
  test.setTimeout(90_000);
  const sleeper = driver(610_007);
  await openInTelegram(page, "/", { user: sleeper });
  await page.getByTestId("open-filters").click();
  await page.getByTestId("saved-name").fill("Всё подряд");
  await page.getByLabel("Присылать новые грузы в бот").check();
  await page.getByTestId("save-filter").click();
  // Saved with its bell: new loads for it go to the bot.
  await expect(page.getByTestId("saved-filter")).toHaveText(["Всё подряд 🔔⏸✎×"]);
  await pressBackButton(page);

  // It is night for this driver: quiet hours began an hour ago on the phone's clock and end in an hour.
  const clock = (minutes: number) =>
    page.evaluate((m) => new Date(Date.now() + m * 60_000).toTimeString().slice(0, 5), minutes);
  await openProfile(page);
  await page.getByTestId("quiet-from").fill(await clock(-60));
  await page.getByTestId("quiet-until").fill(await clock(60));
  await pressMainButton(page);
  await expect(page.getByTestId("profile-form")).toContainText("Профиль сохранён");

  // A driver on another road keeps alerts at any hour, with the same filter.
  const nightOwl = driver(610_008);
  const headers = { authorization: `Bearer ${await apiSession(page.request, nightOwl)}` };
  const awake = await page.request.put("/api/v1/me/profile", {
    headers,
    data: { notifications: true, utc_offset_minutes: 0, quiet_hours: null },
  });
  expect(awake.status()).toBe(200);
  const saved = await page.request.post("/api/v1/me/filters", {
    headers,
    data: { name: "Всё подряд", filter: {}, notify: true },
  });
  expect(saved.status()).toBe(201);

  // A load is posted; the server's first look at a filter only learns what it holds, so a load
  // posted before the night owl's filter had its first look (with many lists open, a round of
  // looks takes a while) brings nothing: another is posted every few seconds until an alert
  // comes (few, since every open list shows them).
  await expect
    .poll(
      async () => {
        const alerts = await alertsTo(page, nightOwl.id);
        if (alerts.length === 0) {
          await page.request.post("/sandbox/cargotech/__sandbox/control", { data: { tick: { new: 1, taken: 0 } } });
        }
        return alerts;
      },
      { timeout: 45_000, intervals: [5_000] },
    )
    .not.toHaveLength(0);
  // The sleeper's filter, saved earlier, had its first look before: the same loads are new to it,
  // and its alerts wait in the outbox.
  expect(await alertsTo(page, sleeper.id)).toEqual([]);

  // Morning: the night's two hours pass for this chat, and what waited goes out.
  const morning = await page.request.post("/sandbox/hauler/__sandbox/advance", {
    data: { chat_id: sleeper.id, hours: 2 },
  });
  expect(morning.status()).toBe(200);
  expect((await morning.json()).released).toBeGreaterThan(0);
  await expect.poll(() => alertsTo(page, sleeper.id), { timeout: 15_000 }).not.toHaveLength(0);
});
