// The dashboard's cabinet page, with a driver's browser on the other side: an admin issues a
// pass, finds it, closes a path (the driver's cabinet refuses it at once, the rest still opens),
// sees the driver's session counted, revokes the pass (the cabinet cuts the driver off), and
// opens the path again. Every step is in the audit log.
import { expect, test } from "@playwright/test";
import { DESKTOP, logInAsOwner, openAdminPage } from "./support/admin";
import { signInitData, screenshot } from "./support/telegram";

// This story reads the dashboard in English; the driver's cabinet speaks Russian.
test.use({ locale: "en-US" });

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

test("an admin issues a pass, closes a path the driver is then refused, and revokes the pass", async ({
  page,
  browser,
  request,
}) => {
  test.setTimeout(90_000);
  // A driver who has opened the Mini App once: the dashboard needs their id.
  const user = { id: 660_000_000 + (Date.now() % 10_000_000), first_name: "Ирина", language_code: "ru" };
  const signedIn = await request.post("/api/v1/auth/telegram", { data: { init_data: signInitData(user) } });
  expect(signedIn.ok()).toBe(true);
  const driverId = String((await signedIn.json()).driver.id);
  // A page of the sandbox cabinet no other story opens, closed for a moment.
  const closed = "/big";
  const reason = `closed by the e2e story ${Date.now()}`;

  await logInAsOwner(page);
  await openAdminPage(page, "cabinet");
  await expect(page.locator("h1")).toHaveText("Cabinet passes");

  // Issue a day's pass; its token is shown this once.
  await page.getByTestId("pass-driver").fill(driverId);
  await page.getByTestId("pass-hours").selectOption("24");
  await page.getByTestId("pass-issue-submit").click();
  await expect(page.getByTestId("pass-issued")).toContainText(`driver #${driverId}`);
  const token = (await page.getByTestId("pass-token").textContent())!.trim();
  expect(token).toMatch(/^[A-Za-z0-9_-]{64}$/);
  await page.getByTestId("pass-issued-done").click();
  await expect(page.getByTestId("pass-issued")).toHaveCount(0);

  // Found by driver and state.
  await page.getByTestId("pass-filter-driver").fill(driverId);
  await page.getByTestId("pass-filter-state").selectOption("active");
  await page.getByTestId("pass-search").click();
  const row = page.getByTestId("pass-row");
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute("data-state", "active");
  await expect(row).toContainText("24 h");
  await expect(row.getByTestId("pass-state")).toHaveText("active");
  const passId = await row.getAttribute("data-id");
  await page.getByTestId("pass-filter-state").selectOption("revoked");
  await page.getByTestId("pass-search").click();
  await expect(page.getByTestId("passes-empty")).toBeVisible();

  // The driver, on a computer, signs in to the cabinet with the token and opens two pages.
  const computer = await browser.newContext({ viewport: DESKTOP });
  const signIn = await computer.request.post("/api/v1/cabinet/authenticate", { data: { token } });
  expect(signIn.ok()).toBe(true);
  expect(String((await signIn.json()).pass_id)).toBe(passId);
  const desk = await computer.newPage();
  await desk.goto("/cabinet/");
  await expect(desk.locator("h1")).toHaveText("Кабинет перевозчика");
  await desk.goto(`/cabinet${closed}?kb=1`);
  await expect(desk.locator("h1")).toHaveText("Отчёт");

  // The admin closes that path: the driver's cabinet refuses it, with the reason, and still
  // opens the rest. (Each instance reads the rules again within a second.)
  await page.getByTestId("rule-prefix").fill(closed);
  await page.getByTestId("rule-reason").fill(reason);
  await page.getByTestId("rule-add").click();
  const rule = page.locator(`[data-testid=rule-row][data-prefix="${closed}"]`);
  await expect(rule).toContainText(reason);
  await expect(async () => {
    await desk.goto(`/cabinet${closed}?kb=1`);
    expect(await desk.locator("h1").textContent()).toBe("Эта страница закрыта");
  }).toPass();
  await expect(desk.locator("body")).toContainText(reason);
  await desk.goto("/cabinet/");
  await expect(desk.locator("h1")).toHaveText("Кабинет перевозчика");

  // The driver's session, with the pages it opened.
  await page.getByTestId("session-filter-pass").fill(passId!);
  await page.getByTestId("session-search").click();
  const session = page.getByTestId("cabinet-session");
  await expect(session).toHaveCount(1);
  await expect(session).toHaveAttribute("data-pass-id", passId!);
  await expect(session).toContainText(`#${driverId}`);
  await expect
    .poll(async () => {
      await page.getByTestId("session-search").click();
      return Number(await session.getAttribute("data-pages"));
    })
    .toBeGreaterThanOrEqual(2);

  // Revoked: the cabinet cuts the driver off.
  await page.getByTestId("pass-filter-state").selectOption("");
  await page.getByTestId("pass-search").click();
  await row.getByTestId("pass-revoke").click();
  await expect(row).toHaveAttribute("data-state", "revoked");
  await expect(row.getByTestId("pass-revoke")).toHaveCount(0);
  await expect(async () => {
    await desk.goto("/cabinet/");
    expect(await desk.locator("h1").textContent()).toBe("Нужен действующий пропуск");
  }).toPass();
  await computer.close();

  // The path opened again, and every step in the audit log.
  await rule.getByTestId("rule-remove").click();
  await expect(rule).toHaveCount(0);
  await openAdminPage(page, "audit");
  await page.getByTestId("audit-action").fill("cabinet.");
  for (const action of ["cabinet.pass_granted", "cabinet.path_closed", "cabinet.pass_revoked", "cabinet.path_opened"]) {
    await expect(page.locator(`[data-testid=audit-row][data-action="${action}"]`).first()).toBeVisible();
  }
});
