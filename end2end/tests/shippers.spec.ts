// Shippers a driver can trust, in Russian and in English: a load's card leads to its shipper's
// page (score, how long seen, loads, re-posts, re-prices, ₽/km against the route, drivers'
// reports and the formula in one sentence), and its mark shows on the cards; a day after a
// response the bot asks how it went, the answer reaches the dashboard for moderation and, once
// approved, counts on the shipper's page.
import { expect, test, type Page } from "@playwright/test";
import { logInAsOwner, openAdminPage } from "./support/admin";
import { botMessages } from "./support/api";
import { openInTelegram, pressBackButton, pressMainButton, screenshot, type TelegramUser } from "./support/telegram";

test.afterEach(async ({ page }, testInfo) => {
  await screenshot(page, testInfo);
});

/** Each story has its own driver, new on every run (a PostgreSQL database may outlive a run). */
const RUN = (Math.floor(Date.now() / 1000) % 1_000_000) * 100;
const driver = (n: number, first_name: string, language_code: string): TelegramUser => ({
  id: 720_000_000 + RUN + n,
  first_name,
  language_code,
});

const WORDS = {
  ru: {
    about: "Об отправителе",
    title: "Грузоотправитель",
    formula: /^Оценка — это 50 баллов, плюс 1 за каждую неделю на бирже/,
    question: /^Вчера вы откликнулись на груз/,
    seen: /дн\., с \d\d\.\d\d\.\d{4}$/,
  },
  en: {
    about: "About the shipper",
    title: "Shipper",
    formula: /^The score is 50 points, plus 1 for each week on the exchange/,
    question: /^Yesterday you responded to a load/,
    seen: /days, since \d\d\.\d\d\.\d{4}$/,
  },
};

/** The driver reloads the page they are on. */
async function reloadApp(page: Page) {
  await page.reload();
  await page.locator("main[data-ready=true]").waitFor();
}

/** Opens the first card of the list and follows it to its shipper's page. */
async function openFirstShipper(page: Page, words: (typeof WORDS)["ru"]) {
  const first = page.getByTestId("cargo-card").first();
  await expect(first).toBeVisible();
  const id = await first.getAttribute("data-id");
  await first.click();
  const link = page.getByTestId("shipper-link");
  await expect(link).toContainText(words.about);
  await link.click();
  await expect(page.getByRole("heading", { name: words.title, exact: true })).toBeVisible();
  await expect(page.getByTestId("shipper-name")).toHaveText(/«|ИП/);
  return id!;
}

for (const lang of ["ru", "en"] as const) {
  const words = WORDS[lang];

  test(`a load's shipper has a page and a mark on its cards (${lang})`, async ({ page }) => {
    const user = driver(lang === "ru" ? 1 : 2, lang === "ru" ? "Зинаида" : "Jack", lang);
    await openInTelegram(page, "/", { user });
    const id = await openFirstShipper(page, words);

    // What Hauler saw of it, and how the score is made, in one sentence.
    await expect(page.getByTestId("shipper-page").getByTestId("shipper-mark")).toHaveAttribute("data-score", /^\d+$/);
    await expect(page.getByTestId("shipper-seen")).toHaveText(words.seen);
    await expect(page.getByTestId("shipper-loads")).toHaveText(/^[1-9]\d*$/);
    await expect(page.getByTestId("shipper-reposted")).toHaveText(/^\d+ \(\d+ %\)$/);
    await expect(page.getByTestId("shipper-repriced")).toHaveText(/^\d+ \(\d+ %\)$/);
    await expect(page.getByTestId("shipper-formula")).toHaveText(words.formula);

    // Back on the load, and then on the list: the shipper's mark is on its cards.
    await pressBackButton(page);
    await expect(page).toHaveURL(new RegExp(`/cargo/${id}$`));
    await expect(page.getByTestId("shipper-link").getByTestId("shipper-mark")).toBeVisible();
    await openInTelegram(page, "/", { user });
    const card = page.locator(`[data-testid=cargo-card][data-id="${id}"]`);
    await expect(card.getByTestId("shipper-mark")).toHaveAttribute("data-level", /^(new|good|fair|poor)$/);
  });

  test(`a driver's report after a response is moderated and then counts (${lang})`, async ({ page, browser }) => {
    const user = driver(lang === "ru" ? 11 : 12, lang === "ru" ? "Раиса" : "Molly", lang);
    // Each story reports its own kind of answer, so stories beside it do not move its count.
    const outcome = lang === "ru" ? "agreed" : "already_gone";
    await openInTelegram(page, "/", { user });
    const first = page.getByTestId("cargo-card").first();
    const cargoId = await first.getAttribute("data-id");
    await first.click();
    await pressMainButton(page);
    await expect(page.getByTestId("responded")).toBeVisible();

    // A day passes (and the night's quiet hours): the bot asks.
    const advanced = await page.request.post("/sandbox/hauler/__sandbox/advance", {
      data: { chat_id: user.id, hours: 48 },
    });
    expect((await advanced.json()).released).toBe(1);
    let question: any;
    await expect(async () => {
      question = (await botMessages(page.request, user.id)).find((m) => words.question.test(m.text));
      expect(question).toBeTruthy();
    }).toPass();
    const buttons = question.reply_markup.inline_keyboard.flat();
    expect(buttons.map((b: any) => b.callback_data)).toContain(`shipper:${cargoId}:${outcome}`);
    // The driver taps the answer in the chat.
    const pressed = await page.request.post("/sandbox/telegram/__sandbox/updates", {
      data: { chat_id: user.id, data: `shipper:${cargoId}:${outcome}`, language_code: lang },
    });
    expect(pressed.status()).toBe(204);

    // The shipper's page: what counts so far.
    await page.getByTestId("shipper-link").click();
    const counted = page.getByTestId(`reports-${outcome}`);
    await expect(counted).toHaveText(/^\d+$/);
    const before = Number(await counted.textContent());

    // At the desk: the answer arrives among the reports waiting for a moderator.
    const desk = await browser.newPage({ locale: lang === "ru" ? "ru-RU" : "en-US" });
    await logInAsOwner(desk);
    await openAdminPage(desk, "shipper-reports");
    const row = desk.getByTestId("shipper-report").filter({ hasText: user.first_name }).filter({ hasText: `№${cargoId}` });
    await expect(async () => {
      await desk.getByTestId("reports-state-approved").click();
      await desk.getByTestId("reports-state-pending").click();
      await expect(row).toBeVisible({ timeout: 1000 });
    }).toPass();
    await expect(row.getByTestId("report-outcome")).toHaveAttribute("data-outcome", outcome);

    // Waiting for a moderator, it does not count yet.
    await reloadApp(page);
    await expect(page.getByTestId("reports-pending")).toBeVisible();
    await expect(page.getByTestId(`reports-${outcome}`)).toHaveText(String(before));

    // The moderator approves it.
    await row.getByTestId("report-approve").click();
    await expect(row).toHaveCount(0);
    await desk.getByTestId("reports-state-approved").click();
    await expect(
      desk.getByTestId("shipper-report").filter({ hasText: user.first_name }).filter({ hasText: `№${cargoId}` }),
    ).toBeVisible();
    await desk.close();

    // The driver looks again: it counts.
    await reloadApp(page);
    await expect(page.getByTestId(`reports-${outcome}`)).toHaveText(String(before + 1));
  });
}
