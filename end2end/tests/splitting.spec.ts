// The drivers' bundle is split: the list page downloads only the main module, and a page's own
// code comes when the driver first opens it.
import { expect, type Page, test } from "@playwright/test";
import { openInTelegram, screenshot } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

/** The lazily loaded chunks the page has fetched so far. */
function chunksFetched(page: Page): string[] {
  const fetched: string[] = [];
  page.on("request", (request) => {
    const name = new URL(request.url()).pathname.split("/").pop() ?? "";
    if (/^(split_|chunk_).*\.wasm$/.test(name)) fetched.push(name);
  });
  return fetched;
}

test("the list page fetches no other page's code; a card's comes when the driver opens one", async ({ page }) => {
  const fetched = chunksFetched(page);
  await openInTelegram(page, "/", { user: { id: 530_000_001, first_name: "Пётр", language_code: "ru" } });
  await expect(page.getByTestId("cargo-card")).toHaveCount(20);
  await expect(page.locator("main[data-ready=true]")).toBeVisible();
  expect(fetched).toEqual([]);

  const card = page.getByTestId("cargo-card").first();
  const route = (await card.locator(".route").textContent())!;
  await card.click();
  await expect(page.getByTestId("detail-route")).toHaveText(route);
  await expect(page.getByTestId("contacts")).toBeVisible();
  expect(fetched.some((name) => name.includes("cargo_view"))).toBe(true);
  expect(fetched.some((name) => name.includes("filters_view"))).toBe(false);
});

test("the profile's code comes only when the driver opens it", async ({ page }) => {
  const fetched = chunksFetched(page);
  await openInTelegram(page, "/", { user: { id: 530_000_002, first_name: "Пётр", language_code: "ru" } });
  await expect(page.getByTestId("cargo-card").first()).toBeVisible();
  expect(fetched.some((name) => name.includes("profile_route_view"))).toBe(false);
  await page.getByTestId("open-profile").click();
  await expect(page.getByTestId("profile-form")).toBeVisible();
  expect(fetched.some((name) => name.includes("profile_route_view"))).toBe(true);
});
