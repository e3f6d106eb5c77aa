// Opening the Mini App the way Telegram does: signed launch data and the theme in the URL hash.
import { createHmac, randomBytes } from "node:crypto";
import { expect, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";

export const TEST_BOT_TOKEN = process.env.TELEGRAM_BOT_TOKEN ?? "7000000001:sandbox-bot-token-for-tests";

export interface TelegramUser {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export const DARK_THEME = {
  bg_color: "#17212b",
  text_color: "#f5f5f5",
  hint_color: "#708499",
  link_color: "#6ab3f3",
  button_color: "#5288c1",
  button_text_color: "#ffffff",
  secondary_bg_color: "#232e3c",
};

export const LIGHT_THEME = {
  bg_color: "#ffffff",
  text_color: "#000000",
  hint_color: "#999999",
  link_color: "#2481cc",
  button_color: "#2481cc",
  button_text_color: "#ffffff",
  secondary_bg_color: "#efeff3",
};

/** initData signed as Telegram signs it: HMAC-SHA256 over the sorted `key=value` lines.
 * `startParam` is what a `t.me/<bot>/<app>?startapp=…` link carried. Like Telegram, every launch
 * gets a query id of its own, so two launches within the same second are still two launches. */
export function signInitData(
  user: TelegramUser,
  options: { botToken?: string; authDate?: number; startParam?: string } = {},
): string {
  const fields: Record<string, string> = {
    auth_date: String(options.authDate ?? Math.floor(Date.now() / 1000)),
    query_id: randomBytes(18).toString("base64url"),
    user: JSON.stringify(user),
  };
  if (options.startParam) fields.start_param = options.startParam;
  const checkString = Object.keys(fields)
    .sort()
    .map((key) => `${key}=${fields[key]}`)
    .join("\n");
  const secret = createHmac("sha256", "WebAppData").update(options.botToken ?? TEST_BOT_TOKEN).digest();
  const hash = createHmac("sha256", secret).update(checkString).digest("hex");
  return new URLSearchParams({ ...fields, hash }).toString();
}

/** Gives a driver access as a new driver gets it: signs them in over the API (with Telegram's
 * launch data, or as the sandbox's demo driver) and starts their free trial. A trial taken
 * before (the same driver opening the app again) is fine. `origin` is the server, when it is not
 * the configured one. Returns the session token. */
export async function grantAccess(
  request: APIRequestContext,
  who: { initData: string } | "demo",
  origin = "",
): Promise<string> {
  const signIn =
    who === "demo"
      ? await request.post(`${origin}/api/v1/auth/demo`)
      : await request.post(`${origin}/api/v1/auth/telegram`, { data: { init_data: who.initData } });
  if (!signIn.ok()) throw new Error(`sign-in failed: ${signIn.status()} ${await signIn.text()}`);
  const { token, access } = await signIn.json();
  if (access?.active) return token;
  const trial = await request.post(`${origin}/api/v1/subscription/trial`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (trial.status() !== 201 && trial.status() !== 409) {
    throw new Error(`the free trial did not start: ${trial.status()} ${await trial.text()}`);
  }
  return token;
}

/** Navigates like Telegram opening a Mini App: `#tgWebAppData=…&tgWebAppVersion=…&…`. The driver
 * has access (their free trial) unless `access: "none"`: most stories are about loads, not paying. */
export async function openInTelegram(
  page: Page,
  path: string,
  options: {
    user?: TelegramUser;
    theme?: Record<string, string>;
    platform?: string;
    initData?: string;
    access?: "trial" | "none";
    startParam?: string;
  } = {},
) {
  const user = options.user ?? { id: 100500, first_name: "Иван", username: "ivan_driver", language_code: "ru" };
  const initData = options.initData ?? signInitData(user, { startParam: options.startParam });
  // Launch data made up by a story (forged, stale) is meant to be refused: nothing to grant.
  if (options.access !== "none" && !options.initData) {
    const origin = /^https?:/.test(path) ? new URL(path).origin : "";
    await grantAccess(page.request, { initData }, origin);
  }
  const hash = new URLSearchParams({
    tgWebAppData: initData,
    tgWebAppVersion: "8.0",
    tgWebAppPlatform: options.platform ?? "android",
    tgWebAppThemeParams: JSON.stringify(options.theme ?? LIGHT_THEME),
  });
  // What Telegram's Android client provides: every call the app makes to Telegram is recorded,
  // and a link the app asks Telegram to open (YooKassa's page) opens in a new window.
  await page.addInitScript(() => {
    const events: [string, string][] = [];
    (window as any).__telegramEvents = events;
    (window as any).TelegramWebviewProxy = {
      postEvent: (type: string, data: string) => {
        events.push([type, data]);
        if (type === "web_app_open_link") window.open(JSON.parse(data).url, "_blank");
      },
    };
  });
  await page.goto(`${path}#${hash.toString()}`);
  // As in Telegram, the driver acts on a page that has come alive.
  await page.locator("main[data-ready=true]").waitFor();
}

/** The calls the app made to Telegram so far, by event type (`web_app_setup_main_button`, …). */
export async function telegramEvents(page: Page, type: string): Promise<any[]> {
  return page.evaluate(
    (type) =>
      ((window as any).__telegramEvents as [string, string][])
        .filter(([name]) => name === type)
        .map(([, data]) => (data ? JSON.parse(data) : null)),
    type,
  );
}

/** Telegram's MainButton as the app has set it up. */
export async function mainButton(page: Page): Promise<{ text: string; visible: boolean; busy: boolean }> {
  return page.evaluate(() => {
    const button = (window as any).Telegram.WebApp.MainButton;
    return { text: button.text, visible: button.isVisible, busy: button.isProgressVisible };
  });
}

/** The driver taps Telegram's MainButton (Telegram delivers it as this event), once it shows. */
export async function pressMainButton(page: Page) {
  await page.waitForFunction(() => (window as any).Telegram.WebApp.MainButton.isVisible);
  await page.evaluate(() => (window as any).Telegram.WebView.receiveEvent("main_button_pressed"));
}

/** The driver taps Telegram's BackButton. */
export async function pressBackButton(page: Page) {
  await page.evaluate(() => (window as any).Telegram.WebView.receiveEvent("back_button_pressed"));
}

/**
 * The driver is done on YooKassa's page (opened with `openLink`) and goes back to the Mini App;
 * YooKassa has sent the page back to the shop. Returns the payment id in that address. The page
 * is closed only once that last page has loaded: a close that races a navigation's commit can be
 * acknowledged by Chromium and never carried out (crbug.com/536385539), hanging the story.
 */
export async function leaveCheckout(checkout: Page): Promise<string> {
  await expect(checkout).toHaveURL(/\/subscription\?payment=\d+$/);
  await checkout.waitForLoadState("load");
  const paymentId = new URL(checkout.url()).searchParams.get("payment")!;
  await checkout.close();
  return paymentId;
}

/** Saves a full-page screenshot into the folder the test command names. */
export async function screenshot(page: Page, testInfo: TestInfo) {
  const dir = process.env.SCREENSHOT_DIR ?? "screenshots";
  const name = testInfo.titlePath.slice(1).join(" - ").replace(/[^\p{L}\p{N}_ -]+/gu, "_");
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}
