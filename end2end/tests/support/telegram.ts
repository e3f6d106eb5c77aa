// Opening the Mini App the way Telegram does: signed launch data and the theme in the URL hash.
import { createHmac } from "node:crypto";
import type { Page, TestInfo } from "@playwright/test";

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

/** initData signed as Telegram signs it: HMAC-SHA256 over the sorted `key=value` lines. */
export function signInitData(
  user: TelegramUser,
  options: { botToken?: string; authDate?: number } = {},
): string {
  const fields: Record<string, string> = {
    auth_date: String(options.authDate ?? Math.floor(Date.now() / 1000)),
    query_id: "AAHdF6IQAAAAAN0XohDhrOrc",
    user: JSON.stringify(user),
  };
  const checkString = Object.keys(fields)
    .sort()
    .map((key) => `${key}=${fields[key]}`)
    .join("\n");
  const secret = createHmac("sha256", "WebAppData").update(options.botToken ?? TEST_BOT_TOKEN).digest();
  const hash = createHmac("sha256", secret).update(checkString).digest("hex");
  return new URLSearchParams({ ...fields, hash }).toString();
}

/** Navigates like Telegram opening a Mini App: `#tgWebAppData=…&tgWebAppVersion=…&…`. */
export async function openInTelegram(
  page: Page,
  path: string,
  options: { user?: TelegramUser; theme?: Record<string, string>; platform?: string; initData?: string } = {},
) {
  const user = options.user ?? { id: 100500, first_name: "Иван", username: "ivan_driver", language_code: "ru" };
  const hash = new URLSearchParams({
    tgWebAppData: options.initData ?? signInitData(user),
    tgWebAppVersion: "8.0",
    tgWebAppPlatform: options.platform ?? "android",
    tgWebAppThemeParams: JSON.stringify(options.theme ?? LIGHT_THEME),
  });
  // What Telegram's Android client provides: every call the app makes to Telegram is recorded.
  await page.addInitScript(() => {
    const events: [string, string][] = [];
    (window as any).__telegramEvents = events;
    (window as any).TelegramWebviewProxy = {
      postEvent: (type: string, data: string) => events.push([type, data]),
    };
  });
  await page.goto(`${path}#${hash.toString()}`);
  // As in Telegram, the driver acts on a page that has come alive.
  await page.locator("main[data-hydrated=true]").waitFor();
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

/** Saves a full-page screenshot into the folder the test command names. */
export async function screenshot(page: Page, testInfo: TestInfo) {
  const dir = process.env.SCREENSHOT_DIR ?? "screenshots";
  const name = testInfo.titlePath.slice(1).join(" - ").replace(/[^\p{L}\p{N}_ -]+/gu, "_");
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}
