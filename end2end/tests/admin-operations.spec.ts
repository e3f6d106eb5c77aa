// The operations pages of the admin dashboard: the overview an owner glances at, secrets that
// are typed in once and never shown again, and service tokens for machine clients.
import { expect, test } from "@playwright/test";
import { logInAsOwner, openAdminPage } from "./support/admin";
import { apiSession } from "./support/api";
import { screenshot } from "./support/telegram";

// These stories read the dashboard in English; admin-language.spec.ts reads it in Russian.
test.use({ locale: "en-US" });

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

test("the owner opens the overview and sees the figures and a chart", async ({
  page,
  request,
}) => {
  // A driver signs in and buys a month on the sandbox YooKassa page.
  const token = await apiSession(request, { id: 7_310_000 + (Date.now() % 10_000), first_name: "Пётр" });
  const headers = { authorization: `Bearer ${token}` };
  const offer = await (await request.get("/api/v1/subscription", { headers })).json();
  const created = await request.post("/api/v1/payments", {
    headers,
    data: { plan_id: offer.plans[0].id },
  });
  expect(created.status()).toBe(201);
  const payment = await created.json();
  await request.post(`${payment.confirmation_url}/pay`, { maxRedirects: 0 });
  await expect
    .poll(async () => (await (await request.get(`/api/v1/payments/${payment.id}`, { headers })).json()).status)
    .toBe("succeeded");

  await logInAsOwner(page);
  await expect(page.getByTestId("metric-drivers")).toContainText(/Drivers\s*[1-9]/);
  await expect(page.getByTestId("metric-revenue-today")).toContainText(/[1-9][\d\s\u00a0]* ₽/);
  await expect(page.getByTestId("metric-connection")).toBeVisible();
  await expect(page.getByTestId("metric-breaker")).toContainText(/closed|open/);
  const chart = page.getByTestId("chart-revenue");
  await expect(chart.locator("svg")).toBeVisible();
  // One slot a day for thirty days, drawn or not.
  await expect(chart.locator("rect.bar")).toHaveCount(30);
  await expect(page.getByTestId("chart-drivers").locator("rect.bar")).toHaveCount(30);
  // Today's bar is drawn.
  await expect(chart.locator("rect.bar").last()).not.toHaveAttribute("height", "0.0");
  // It refreshes itself.
  const first = await page.getByTestId("taken-at").textContent();
  await expect(page.getByTestId("taken-at")).not.toHaveText(first ?? "", { timeout: 15_000 });
});

test("the owner sets the YooKassa secret key and afterwards sees it only masked", async ({
  page,
}) => {
  const secret = `live_e2e-secret-${Date.now()}-k7`;
  await logInAsOwner(page);
  await openAdminPage(page, "settings");
  const row = page.getByTestId("setting-yookassa.secret_key");
  await expect(row).toBeVisible();
  await row.getByTestId("setting-input-yookassa.secret_key").fill(secret);
  await row.getByTestId("setting-save-yookassa.secret_key").click();
  await expect(page.getByTestId("notice")).toContainText("YooKassa secret key");
  await expect(page.getByTestId("setting-value-yookassa.secret_key")).toHaveText("••••k7");

  await page.reload();
  await page.locator("div.admin[data-hydrated=true]").waitFor();
  await expect(page.getByTestId("setting-value-yookassa.secret_key")).toHaveText("••••k7");
  await expect(page.getByTestId("setting-input-yookassa.secret_key")).toHaveValue("");
  expect(await page.content()).not.toContain(secret);
  // Every setting is read on use: the page says what it wins over, without a restart.
  await expect(page.getByTestId("setting-telegram.bot_token")).toContainText("wins over TELEGRAM_BOT_TOKEN");
});

test("the owner creates a service token and sees its raw value once", async ({ page }) => {
  const name = `monitoring-${Date.now()}`;
  await logInAsOwner(page);
  await openAdminPage(page, "service-tokens");
  await page.getByTestId("token-name").fill(name);
  await page.getByTestId("token-days").fill("30");
  await page.getByTestId("token-create").click();
  const raw = page.getByTestId("token-raw");
  await expect(raw).toHaveText(/^hst_[A-Za-z0-9_-]{40,}$/);
  const token = (await raw.textContent()) ?? "";
  const row = page.getByTestId("tokens").locator("tr", { hasText: name });
  await expect(row).toContainText("live");
  await expect(row).toContainText("never");

  await page.reload();
  await page.locator("div.admin[data-hydrated=true]").waitFor();
  await expect(page.getByTestId("tokens").locator("tr", { hasText: name })).toBeVisible();
  await expect(page.getByTestId("token-raw")).toHaveCount(0);
  expect(await page.content()).not.toContain(token);
});

test("the connection page shows the CargoTech login and the sandbox's knobs", async ({ page }) => {
  await logInAsOwner(page);
  await openAdminPage(page, "connection");
  await expect(page.getByTestId("connection-state")).toHaveText("connected");
  await expect(page.getByTestId("token-age")).not.toHaveText("no token");
  await expect(page.getByTestId("connection-history")).toContainText("cargotech.login_succeeded");
  await expect(page.getByTestId("log-in-now")).toBeVisible();
  await expect(page.getByTestId("sandbox-panel")).toBeVisible();
  await expect(page.getByTestId("sandbox-stats")).toContainText(/\d+ requests/);
});

test("with two CargoTech accounts, the connection page shows both and opens either", async ({ page }) => {
  await logInAsOwner(page);
  await openAdminPage(page, "connection");
  const accounts = page.getByTestId("account");
  await expect(accounts).toHaveCount(2);
  await expect(accounts.nth(0)).toContainText("main");
  await expect(accounts.nth(1)).toContainText(/north\s+connected\s+\d+ of 600 calls this minute/);
  await accounts.nth(1).click();
  await expect(page.getByText("account “north”")).toBeVisible();
  await expect(page.getByTestId("connection-state")).toHaveText("connected");
  await expect(page.getByTestId("token-age")).not.toHaveText("no token");
});
