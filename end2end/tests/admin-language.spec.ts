// The dashboard in Russian: an admin reading English switches to Russian, works across the pages
// in it, finds it already there when the server renders the next page, and switches back; a
// browser that prefers Russian gets the login page in Russian before any script runs.
import { expect, test } from "@playwright/test";
import { DESKTOP, logInAsOwner, openAdminPage } from "./support/admin";
import { apiSession } from "./support/api";
import { screenshot } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

const CONNECTION_STATES = /^(не подключено|выполняется вход|подключено|ждём код из SMS|неверный логин или пароль|биржа недоступна)$/;

test.describe("an admin whose browser speaks English", () => {
  test.use({ locale: "en-US" });

  test("switches to Russian, works in it across the pages and after a reload, and switches back", async ({
    page,
    request,
  }) => {
    test.setTimeout(60_000);
    // At least one driver, so the drivers page has a list to count.
    await apiSession(request, { id: 7_420_000 + (Date.now() % 10_000), first_name: "Фёдор" });
    await logInAsOwner(page);
    await expect(page.getByTestId("nav-drivers")).toHaveText("Drivers");
    await expect(page.getByTestId("lang-en")).toHaveAttribute("aria-pressed", "true");

    // The page changes language at once, without a reload.
    await page.getByTestId("lang-ru").click();
    await expect(page.getByTestId("nav-drivers")).toHaveText("Водители");
    await expect(page.getByTestId("nav-payments")).toHaveText("Платежи и подписки");
    await expect(page.getByTestId("nav-promo")).toHaveText("Промокоды и тарифы");
    await expect(page.getByTestId("nav-audit")).toHaveText("Журнал действий");
    await expect(page.getByTestId("nav-service-tokens")).toHaveText("Сервисные токены");
    await expect(page.getByTestId("nav-connection")).toHaveText("Подключение к CargoTech");
    await expect(page.getByTestId("log-out")).toHaveText("Выйти");
    await expect(page.getByTestId("admin-nav")).toContainText("владелец");
    await expect(page.locator("html")).toHaveAttribute("lang", "ru");

    // The overview: headings, figures and charts.
    await expect(page.locator("h1")).toHaveText("Обзор");
    await expect(page.getByTestId("metric-drivers")).toContainText("Водители");
    await expect(page.getByTestId("taken-at")).toContainText("обновляются каждые 10 с");
    await expect(page.getByTestId("chart-revenue")).toContainText("Выручка по дням, ₽ (30 дней)");

    await openAdminPage(page, "drivers");
    await expect(page.locator("h1")).toHaveText("Водители");
    await expect(page.getByTestId("drivers-search")).toHaveAttribute("placeholder", "Имя, @username или Telegram ID");
    await expect(page.getByTestId("drivers-state").locator("option").first()).toHaveText("Все");
    await expect(page.getByTestId("pager-info")).toHaveText(/^Страница 1 из \d+ · \d+ водител(ь|я|ей)$/);

    await openAdminPage(page, "payments");
    await expect(page.locator("h1")).toHaveText("Платежи и подписки");
    await expect(page.getByTestId("payments-apply")).toHaveText("Применить");
    await expect(page.getByTestId("payments-csv")).toHaveText("Выгрузить CSV");
    await expect(page.getByTestId("payments-totals")).toContainText(/\d+ плат(ёж|ежа|ежей):/);
    // A refusal made on the page itself is in Russian too.
    await page.getByTestId("filter-min").fill("много");
    await page.getByTestId("payments-apply").click();
    const refusal = page.getByTestId("problem");
    await expect(refusal).toHaveText("Минимальная сумма указывается в рублях, например 1990 или 995.50");
    await expect(refusal).toHaveAttribute("title", "invalid_amount");

    await openAdminPage(page, "settings");
    await expect(page.locator("h1")).toHaveText("Настройки и секреты");
    await expect(page.getByTestId("setting-yookassa.secret_key")).toContainText("Секретный ключ ЮKassa");
    await expect(page.getByTestId("setting-telegram.bot_token")).toContainText("важнее TELEGRAM_BOT_TOKEN из окружения");

    await openAdminPage(page, "connection");
    await expect(page.locator("h1")).toHaveText("Подключение к CargoTech");
    await expect(page.getByTestId("connection-state")).toHaveText(CONNECTION_STATES);
    await expect(page.getByTestId("log-in-now")).toHaveText("Войти сейчас");

    // The server renders the choice: its own HTML, before any script, is already Russian.
    const served = await (await page.request.get("/admin/connection")).text();
    expect(served).toContain('<html lang="ru"');
    expect(served).toContain("Журнал действий");
    expect(served).not.toContain("Audit log");
    await page.reload();
    await page.locator("div.admin[data-hydrated=true]").waitFor();
    await expect(page.getByTestId("nav-audit")).toHaveText("Журнал действий");
    await expect(page.locator("h1")).toHaveText("Подключение к CargoTech");

    // And back to English, for this page and the next one the server renders.
    await page.getByTestId("lang-en").click();
    await expect(page.getByTestId("nav-audit")).toHaveText("Audit log");
    await expect(page.locator("h1")).toHaveText("CargoTech connection");
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    const english = await (await page.request.get("/admin")).text();
    expect(english).toContain('<html lang="en"');
    expect(english).toContain("Audit log");
  });
});

test.describe("a browser that prefers Russian", () => {
  test.use({ locale: "ru-RU" });

  test("gets the login page in Russian from the server, before any script runs", async ({ browser }) => {
    const context = await browser.newContext({ locale: "ru-RU", javaScriptEnabled: false, viewport: DESKTOP });
    const page = await context.newPage();
    await page.goto("/admin/login");
    await expect(page.locator("html")).toHaveAttribute("lang", "ru");
    await expect(page.getByTestId("login-form")).toContainText("Пароль");
    await expect(page.getByTestId("login-submit")).toHaveText("Войти");
    await context.close();
  });

  test("is told in Russian to wait after five wrong passwords, the code kept for support", async ({ page }) => {
    await page.setViewportSize(DESKTOP);
    await page.goto("/admin/login");
    await page.locator("div.admin[data-hydrated=true]").waitFor();
    const email = `ugadyvatel-${Date.now()}@hauler.test`;
    const error = page.getByTestId("login-error");
    for (let attempt = 1; attempt <= 5; attempt++) {
      await page.getByTestId("login-email").fill(email);
      await page.getByTestId("login-password").fill(`neverno-${attempt}`);
      await page.getByTestId("login-submit").click();
      await expect(error).toHaveAttribute("data-code", attempt < 5 ? "login_failed" : "login_throttled");
    }
    await expect(error).toHaveText(/^Слишком много неудачных попыток: повторите через \d+ с$/);
    await expect(error).toHaveAttribute("title", "login_throttled");
    // Switching the language tells the same page in English.
    await page.getByTestId("lang-en").click();
    await expect(page.getByTestId("login-submit")).toHaveText("Log in");
  });
});
