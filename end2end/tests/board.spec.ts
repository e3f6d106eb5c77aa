// The load board, as a driver uses it inside Telegram: loads on open, filters, pages, a card,
// a response that reaches the bot chat.
import { expect, test } from "@playwright/test";
import { apiSession, botMessages, loadsWithDetails } from "./support/api";
import {
  mainButton,
  openInTelegram,
  pressBackButton,
  pressMainButton,
  screenshot,
  telegramEvents,
} from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

/** Each story has its own driver, new on every run (a PostgreSQL database may outlive a run), so
 * stories running side by side or one after another never see each other's data. */
const RUN = (Math.floor(Date.now() / 1000) % 1_000_000) * 100;
const driver = (n: number, language_code = "ru") => ({
  id: 500_000_000 + RUN + (n % 100),
  first_name: "Алексей",
  language_code,
});

test("a driver opening the app from the bot sees loads at once", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(300001) });
  const cards = page.getByTestId("cargo-card");
  await expect(cards.first()).toBeVisible();
  await expect(cards).toHaveCount(20);
  await expect(page.getByTestId("shown-of")).toHaveText(/^Показано 20 из \d{4}$/);
  await expect(cards.first()).toContainText("→");
  await expect(cards.first()).toContainText("₽");

  const ready = await telegramEvents(page, "web_app_ready");
  expect(ready.length).toBe(1);
  expect((await telegramEvents(page, "web_app_expand")).length).toBe(1);
});

test("scrolling to the end of the list brings the next page", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(300002) });
  const cards = page.getByTestId("cargo-card");
  await expect(cards).toHaveCount(20);
  await page.mouse.wheel(0, 5000);
  await expect(cards).toHaveCount(40);
  await expect(page.getByTestId("shown-of")).toHaveText(/^Показано 40 из/);
});

test("a driver filters by city and body type, then clears the filter chip by chip", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(300003) });
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);

  await page.getByTestId("open-filters").click();
  await page.getByTestId("city-from").fill("Каз");
  await page.getByTestId("suggestions-from").getByRole("button", { name: "Казань" }).click();
  await page.getByTestId("field-truck-types").getByRole("button", { name: "Тент" }).click();
  expect((await mainButton(page)).text).toBe("Показать грузы");
  await pressMainButton(page);

  await expect(page).toHaveURL(/\/$|\/#/);
  const chips = page.getByTestId("chip");
  await expect(chips).toHaveText(["Казань×", "Тент×"]);
  const routes = page.getByTestId("cargo-card").locator(".route");
  await expect(routes.first()).toBeVisible();
  for (const route of await routes.allTextContents()) expect(route.startsWith("Казань →")).toBe(true);

  await chips.filter({ hasText: "Тент" }).click();
  await expect(chips).toHaveText(["Казань×"]);
  await expect(page.getByTestId("reset-filters")).toHaveCount(0);
  await chips.first().click();
  await expect(chips).toHaveCount(0);
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
});

test("the last filter comes back when the driver opens the app again", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(300004) });
  await page.getByTestId("open-filters").click();
  await page.getByTestId("field-load-types").getByRole("button", { name: "Задняя" }).click();
  await pressMainButton(page);
  await expect(page.getByTestId("chip")).toHaveText(["Задняя×"]);

  await openInTelegram(page, "/", { user: driver(300004) });
  await expect(page.getByTestId("chip")).toHaveText(["Задняя×"]);
});

test("a bad filter value is explained next to its field and nothing is sent", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(300005) });
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  await page.getByTestId("open-filters").click();
  await page.getByTestId("price-min").fill("дорого");
  await page.getByTestId("distance-min").fill("900");
  await page.getByTestId("distance-max").fill("100");
  await page.getByTestId("shipper-inn").fill("1234567890");

  await expect(page.getByTestId("field-price").getByTestId("field-error")).toHaveText("Введите число");
  await expect(page.getByTestId("field-distance").getByTestId("field-error")).not.toBeEmpty();
  await expect(page.locator("#shipper-inn ~ [data-testid=field-error]")).toContainText("ИНН");

  const requests: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  await pressMainButton(page);
  await expect(page.getByTestId("form-error")).toHaveText("Исправьте отмеченные поля");
  await expect(page).toHaveURL(/\/filters/);
  expect(requests.filter((url) => url.includes("/api/v1/cargos") || url.includes("/api/v1/me/filter"))).toEqual([]);
  const haptics = await telegramEvents(page, "web_app_trigger_haptic_feedback");
  expect(haptics).toContainEqual({ type: "notification", notification_type: "error" });
});

test("a card with the shipper's note keeps its lines; one without shows no note; phones are tap-to-call", async ({
  page,
  request,
}) => {
  const token = await apiSession(request, driver(300006));
  const details = await loadsWithDetails(request, token);
  const withNote = details.find((detail) => detail.note);
  const withoutNote = details.find((detail) => !detail.note);
  expect(withNote && withoutNote).toBeTruthy();

  await openInTelegram(page, `/cargo/${withNote.card.id}`, { user: driver(300006) });
  const note = page.getByTestId("note");
  await expect(note).toBeVisible();
  expect(await note.evaluate((el) => (el as HTMLElement).innerText)).toBe(withNote.note);
  expect(await note.evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/mono/i);
  await expect(page.getByTestId("phone").first()).toHaveAttribute("href", /^tel:\+7\d{10}$/);

  await openInTelegram(page, `/cargo/${withoutNote.card.id}`, { user: driver(300006) });
  await expect(page.getByTestId("contacts")).toBeVisible();
  await expect(page.getByTestId("note")).toHaveCount(0);
});

test("a driver responds from the card: once, the bot sends the contacts, the list marks it", async ({
  page,
  request,
}) => {
  const me = driver(300007);
  await openInTelegram(page, "/", { user: me });
  const first = page.getByTestId("cargo-card").nth(2);
  const route = (await first.locator(".route").textContent())!;
  await first.click();
  await expect(page.getByTestId("detail-route")).toHaveText(route);
  await expect(page.getByTestId("contacts")).toBeVisible();
  await expect.poll(async () => (await mainButton(page)).text).toBe("Откликнуться");
  expect((await mainButton(page)).visible).toBe(true);
  expect((await telegramEvents(page, "web_app_setup_back_button")).at(-1)).toEqual({ is_visible: true });

  await pressMainButton(page);
  await expect(page.getByTestId("responded")).toContainText("Вы откликнулись");
  await expect.poll(async () => (await mainButton(page)).visible).toBe(false);
  // A second tap (Telegram may deliver one late) records nothing more.
  await page.evaluate(() => (window as any).Telegram.WebView.receiveEvent("main_button_pressed"));

  await expect.poll(async () => (await botMessages(request, me.id)).length).toBe(1);
  const [message] = await botMessages(request, me.id);
  expect(message.text).toContain(route.split(" → ")[0]);
  expect(message.text).toMatch(/\+7\d{10}/);
  await page.waitForTimeout(500);
  expect((await botMessages(request, me.id)).length).toBe(1);

  await pressBackButton(page);
  await expect(page.getByTestId("cargo-card").nth(2).getByTestId("responded-badge")).toHaveText("Вы откликнулись");
  await page.getByTestId("open-responses").click();
  await expect(page.getByTestId("response")).toHaveCount(1);
  await expect(page.getByTestId("response")).toContainText(route);
});

test("a driver hides a load and it leaves the list", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(300008) });
  const card = page.getByTestId("cargo-card").nth(1);
  const id = await card.getAttribute("data-id");
  await card.click();
  await page.getByTestId("hide-load").click();
  await expect(page.getByTestId("cargo-card").first()).toBeVisible();
  await expect(page.locator(`[data-testid=cargo-card][data-id="${id}"]`)).toHaveCount(0);
  await openInTelegram(page, "/", { user: driver(300008) });
  await expect(page.getByTestId("cargo-card").first()).toBeVisible();
  await expect(page.locator(`[data-testid=cargo-card][data-id="${id}"]`)).toHaveCount(0);
});

test("an English-speaking driver gets the board in English, down to body types and a bad filter value", async ({
  page,
}) => {
  await openInTelegram(page, "/", { user: driver(300009, "en") });
  await expect(page.getByTestId("shown-of")).toHaveText(/^Showing 20 of \d+$/);
  // Body and loading types are the dictionary's English names; only cities stay the exchange's.
  await expect(page.getByTestId("cargo-card").first().locator(".kinds")).not.toHaveText(/[а-яё]/i);
  await expect(page.getByTestId("open-filters")).toHaveText("Filters");
  await page.getByTestId("open-filters").click();
  await expect(page.getByTestId("field-truck-types")).toContainText("Refrigerated");
  await page.getByTestId("price-min").fill("pricey");
  await page.getByTestId("distance-min").fill("900");
  await page.getByTestId("distance-max").fill("100");
  await page.getByTestId("shipper-inn").fill("1234567890");
  await expect(page.getByTestId("field-price").getByTestId("field-error")).toHaveText("Enter a number");
  await expect(page.getByTestId("field-distance").getByTestId("field-error")).toHaveText(
    "“From” cannot be more than “to”",
  );
  await expect(page.locator("#shipper-inn ~ [data-testid=field-error]")).toContainText("INN");
});

test("a filter that matches nothing suggests widening it", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(300010) });
  await page.getByTestId("open-filters").click();
  await page.getByTestId("shipper-inn").fill("7736207543");
  await pressMainButton(page);
  const empty = page.getByTestId("empty-list");
  await expect(empty).toContainText("По этому фильтру грузов нет");
  await expect(empty).toContainText("расширить фильтр");
  await expect(page.getByTestId("cargo-card")).toHaveCount(0);
});

test("a load taken while the driver looked at the list says so plainly", async ({ page, request }) => {
  await openInTelegram(page, "/", { user: driver(300011) });
  // Last on the second page: an older load, which no list (a city's, a category's) shows among the
  // first three it warms, and no one has opened, so no detail of it is cached.
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  await page.mouse.wheel(0, 5000);
  const card = page.getByTestId("cargo-card").nth(39);
  const id = Number(await card.getAttribute("data-id"));
  const route = (await card.locator(".route").textContent())!;
  await request.post("/sandbox/cargotech/__sandbox/control", { data: { take: id } });
  await card.click();
  await expect(page.getByTestId("detail-route")).toHaveText(route);
  await expect(page.getByTestId("cargo-taken")).toHaveText("Этот груз уже забрали или сняли с биржи");
  expect((await mainButton(page)).visible).toBe(false);
});

test("a driver keeps a filter under a name and picks it later", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(300012) });
  await page.getByTestId("open-filters").click();
  await page.getByTestId("field-weight").getByRole("button", { name: /Фура/ }).click();
  await page.getByTestId("saved-name").fill("Фуры");
  await page.getByTestId("save-filter").click();
  await expect(page.getByTestId("saved-filter")).toHaveText(["Фуры✎×"]);

  await pressBackButton(page);
  await expect(page.getByTestId("chip")).toHaveCount(0);
  await page.getByTestId("open-filters").click();
  await page.getByTestId("saved-filter").getByRole("button", { name: "Фуры" }).click();
  await expect(page.getByTestId("chip")).toHaveText(["Фура · 20 т · 83 м³×"]);
});
