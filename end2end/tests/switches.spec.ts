// Switches that every driver feels at once: these stories run after the others, so no other
// story sees the service with a switch flipped.
import { expect, test } from "@playwright/test";
import { logInAsOwner, openAdminPage } from "./support/admin";
import { screenshot } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

test("a flag switched here changes the driver app", async ({ page, request }) => {
  await logInAsOwner(page);
  await openAdminPage(page, "flags");
  const demo = page.getByTestId("flag-toggle-demo_login");
  await expect(demo).toBeChecked();
  await demo.uncheck();
  await expect(demo).not.toBeChecked();
  // The sandbox's demo driver is now refused, on the very next request.
  const refused = await request.post("/api/v1/auth/demo");
  expect(refused.status()).toBe(403);
  expect((await refused.json()).code).toBe("demo_login_disabled");
  await demo.check();
  await expect(demo).toBeChecked();
  expect((await request.post("/api/v1/auth/demo")).status()).toBe(200);
});
