// Every driver page fits a 390 px wide phone: nothing sticks out sideways, so the page never
// slides left and right under the driver's thumb.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { apiSession } from "./support/api";
import { openInTelegram, screenshot } from "./support/telegram";

test.use({ viewport: { width: 390, height: 844 } });

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

/** Each story has its own driver, new on every run, so runs never see each other's responses. */
const RUN = (Math.floor(Date.now() / 1000) % 1_000_000) * 100;
const driver = (n: number) => ({ id: 740_000_000 + RUN + (n % 100), first_name: "Николай", language_code: "ru" });

/** The page is no wider than the phone's screen. */
async function expectNoSidewaysScroll(page: Page, what: string) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(innerWidth, what).toBe(390);
  expect(scrollWidth, `${what} is ${scrollWidth} px wide on a ${innerWidth} px phone`).toBeLessThanOrEqual(innerWidth);
}

/** Responds to the first loads of the list, one of them as far as a call, so "Мои отклики" shows
 * each status badge; returns the loads' ids. */
async function respondToLoads(request: APIRequestContext, token: string): Promise<number[]> {
  const headers = { authorization: `Bearer ${token}` };
  const list = await (await request.get("/api/v1/cargos?limit=3", { headers })).json();
  const ids: number[] = list.cards.map((card: any) => card.id);
  for (const id of ids) {
    const response = await request.post(`/api/v1/cargos/${id}/response`, { headers });
    expect(response.ok()).toBe(true);
  }
  for (const [id, status] of [
    [ids[1], "viewed"],
    [ids[2], "contacted"],
  ] as const) {
    const response = await request.put(`/api/v1/cargos/${id}/response`, { headers, data: { status } });
    expect(response.ok()).toBe(true);
  }
  return ids;
}

test("every page a driver with access opens fits a 390 px phone", async ({ page }) => {
  const me = driver(1);
  const ids = await respondToLoads(page.request, await apiSession(page.request, me));

  await openInTelegram(page, "/", { user: me });
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  await expectNoSidewaysScroll(page, "the loads list");

  await page.getByTestId("open-filters").click();
  await expect(page.getByTestId("city-from")).toBeVisible();
  await expectNoSidewaysScroll(page, "the filters");

  await openInTelegram(page, `/cargo/${ids[0]}`, { user: me });
  await expect(page.getByTestId("detail-route")).not.toBeEmpty();
  await expect(page.getByTestId("contacts")).toBeVisible();
  await expectNoSidewaysScroll(page, "a load's detail");

  await openInTelegram(page, "/responses", { user: me });
  await expect(page.getByTestId("response")).toHaveCount(3);
  await expectNoSidewaysScroll(page, "my responses");

  await openInTelegram(page, "/subscription", { user: me });
  await expect(page.getByTestId("access-state")).toContainText(/\d/);
  await expectNoSidewaysScroll(page, "the subscription page");
});

test("the paywall fits a 390 px phone", async ({ page }) => {
  await openInTelegram(page, "/", { user: driver(2), access: "none" });
  await expect(page.getByTestId("paywall")).toBeVisible();
  await expect(page.getByTestId("plan")).toHaveCount(4);
  await expectNoSidewaysScroll(page, "the paywall");
});
