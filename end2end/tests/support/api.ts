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

/** The first page of loads and each one's detail, fetched at once. */
export async function loadsWithDetails(request: APIRequestContext, token: string) {
  const headers = { authorization: `Bearer ${token}` };
  const page = await (await request.get("/api/v1/cargos?limit=20", { headers })).json();
  return Promise.all(
    page.cards.map(async (card: any) => (await request.get(`/api/v1/cargos/${card.id}`, { headers })).json()),
  );
}

/** What the bot has said in a chat, as the sandbox Telegram recorded it. */
export async function botMessages(request: APIRequestContext, chatId: number): Promise<any[]> {
  return (await request.get(`/sandbox/telegram/__sandbox/messages?chat_id=${chatId}`)).json();
}
