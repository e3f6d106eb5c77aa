// First paint, the app taking over and first loads of the driver's board on Chromium's "Slow 4G" profile
// with a 4× slower CPU (a mid-range phone), each visit in a fresh browser context (cold cache)
// and again with the cache warm. Figures go to SPEED_REPORT; nothing here asserts a time.
import { writeFileSync } from "node:fs";
import { test } from "@playwright/test";
import { grantAccess, LIGHT_THEME, signInitData } from "../tests/support/telegram";

// DevTools' "Slow 4G" preset, as Chromium defines it.
const SLOW_4G = {
  offline: false,
  latency: 150 * 3.75,
  downloadThroughput: ((1.6 * 1000 * 1000) / 8) * 0.9,
  uploadThroughput: ((750 * 1000) / 8) * 0.9,
};
const VISITS = 5;

interface Visit {
  /** When the page's last byte had come (before it, the network's share of the first paint). */
  pageArrived: number;
  firstContentfulPaint: number;
  interactive: number;
  firstLoads: number;
  transferredKb: number;
  /** The bundle's files this page fetched (main module, JS, loader, lazy chunks). */
  pkgFiles: string[];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

test("the driver's board on Slow 4G", async ({ browser }) => {
  const results: Record<string, Visit[]> = { cold: [], warm: [] };
  for (let visit = 0; visit < VISITS; visit++) {
    const context = await browser.newContext();
    for (const kind of ["cold", "warm"]) {
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", SLOW_4G);
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
      let transferred = 0;
      cdp.on("Network.loadingFinished", (event: any) => (transferred += event.encodedDataLength));
      const pkgFiles = new Set<string>();
      page.on("requestfinished", (request) => {
        const path = new URL(request.url()).pathname;
        // `/pkg/<build>/<file>`: the file's name, whatever the build.
        if (path.startsWith("/pkg/")) pkgFiles.add(path.split("/").pop()!);
      });
      await page.addInitScript(() => {
        const marks: Record<string, number> = {};
        (window as any).__marks = marks;
        (window as any).TelegramWebviewProxy = { postEvent: () => {} };
        new MutationObserver(() => {
          if (!marks.interactive && document.querySelector("main[data-ready=true]")) {
            marks.interactive = performance.now();
          }
          if (!marks.firstLoads && document.querySelector("[data-testid=cargo-card]")) {
            marks.firstLoads = performance.now();
          }
        }).observe(document, { subtree: true, childList: true, attributes: true });
      });
      const user = { id: 900_000 + visit, first_name: "Тест", language_code: "ru" };
      const initData = signInitData(user);
      await grantAccess(context.request, { initData });
      const hash = new URLSearchParams({
        tgWebAppData: initData,
        tgWebAppVersion: "8.0",
        tgWebAppPlatform: "android",
        tgWebAppThemeParams: JSON.stringify(LIGHT_THEME),
      });
      await page.goto(`/#${hash}`);
      await page.locator("[data-testid=cargo-card]").first().waitFor({ timeout: 120_000 });
      // The first cards may be the page's inline script's, drawn before the app has come alive.
      await page.locator("main[data-ready=true]").waitFor({ timeout: 120_000 });
      const figures = await page.evaluate(() => {
        const paint = performance.getEntriesByName("first-contentful-paint")[0];
        const navigation = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
        const marks = (window as any).__marks;
        return {
          pageArrived: navigation.responseEnd,
          fcp: paint ? paint.startTime : NaN,
          interactive: marks.interactive,
          firstLoads: marks.firstLoads,
        };
      });
      results[kind].push({
        pageArrived: Math.round(figures.pageArrived),
        firstContentfulPaint: Math.round(figures.fcp),
        interactive: Math.round(figures.interactive),
        firstLoads: Math.round(figures.firstLoads),
        transferredKb: Math.round(transferred / 1024),
        pkgFiles: [...pkgFiles].sort(),
      });
      await page.close();
    }
    await context.close();
  }
  const summary = Object.fromEntries(
    Object.entries(results).map(([kind, visits]) => [
      kind,
      {
        pageArrivedMs: median(visits.map((v) => v.pageArrived)),
        firstContentfulPaintMs: median(visits.map((v) => v.firstContentfulPaint)),
        interactiveMs: median(visits.map((v) => v.interactive)),
        firstLoadsMs: median(visits.map((v) => v.firstLoads)),
        transferredKb: median(visits.map((v) => v.transferredKb)),
        visits: visits.length,
        // The same on every visit unless a visit fetched a chunk the others did not.
        pkgFiles: [...new Set(visits.flatMap((v) => v.pkgFiles))].sort(),
      },
    ]),
  );
  writeFileSync(process.env.SPEED_REPORT ?? "speed.json", JSON.stringify(summary, null, 2));
});
