// Arranging data through Hauler's own JSON API, as a driver would see it.
import type { APIRequestContext } from "@playwright/test";
import { grantAccess, signInitData, type TelegramUser } from "./telegram";

/** Signs in over the API, with the driver's free trial so loads can be read, and returns the
 * session token. */
export async function apiSession(request: APIRequestContext, user: TelegramUser): Promise<string> {
  return grantAccess(request, { initData: signInitData(user) });
}

/** Signs in over the API without touching access, and returns the session token. */
export async function bareSession(request: APIRequestContext, user: TelegramUser): Promise<string> {
  const response = await request.post("/api/v1/auth/telegram", { data: { init_data: signInitData(user) } });
  if (!response.ok()) throw new Error(`sign-in failed: ${response.status()}`);
  return (await response.json()).token;
}

/** The first page of loads and each one's detail, asked as the app asks: one at a time, again
 * after `Retry-After` while the detail waits in line for the exchange (202) or when the driver's
 * share of the exchange's calls is spent (429). */
export async function loadsWithDetails(request: APIRequestContext, token: string) {
  const headers = { authorization: `Bearer ${token}` };
  const page = await (await request.get("/api/v1/cargos?limit=20", { headers })).json();
  const details = [];
  for (const card of page.cards) {
    details.push(await detail(request, headers, card.id));
  }
  return details;
}

async function detail(request: APIRequestContext, headers: Record<string, string>, id: number) {
  for (let attempt = 0; attempt < 30; attempt++) {
    const response = await request.get(`/api/v1/cargos/${id}`, { headers });
    if (response.status() === 200) return response.json();
    if (response.status() !== 202 && response.status() !== 429) {
      throw new Error(`the detail of load ${id} answered ${response.status()}: ${await response.text()}`);
    }
    const seconds = Number(response.headers()["retry-after"] ?? "1");
    await new Promise((resolve) => setTimeout(resolve, Math.min(seconds, 10) * 1000));
  }
  throw new Error(`the detail of load ${id} never came`);
}

/** What the bot has said in a chat, as the sandbox Telegram recorded it. */
export async function botMessages(request: APIRequestContext, chatId: number): Promise<any[]> {
  return (await request.get(`/sandbox/telegram/__sandbox/messages?chat_id=${chatId}`)).json();
}
