import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { SCREENSHOT_DIR } from './console-server';

/** Debian's Chromium (installed with apt; never downloaded by playwright). */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Launches headless Chromium. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A desktop or phone-sized page in a fresh context (fresh sessionStorage). */
export async function openPage(
  browser: Browser,
  size: 'desktop' | 'phone' = 'desktop',
): Promise<Page> {
  const context = await browser.newContext({
    viewport: size === 'phone' ? { width: 390, height: 844 } : { width: 1280, height: 860 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
    reducedMotion: 'reduce',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  return page;
}

/** Saves a full-page screenshot under dist/apps/web-e2e/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Retries an assertion until it passes (the DOM updates asynchronously), up to `timeoutMs`. */
export async function eventually(
  assertion: () => Promise<void> | void,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The trimmed text of a locator (or '' when it is not there). */
export async function textOf(locator: Locator): Promise<string> {
  if ((await locator.count()) === 0) return '';
  return ((await locator.first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

/** Signs in through the dev-login form with a quick-role button, or with typed roles. */
export async function signIn(
  page: Page,
  baseUrl: string,
  roles: string[] | { quick: string },
): Promise<void> {
  if (!page.url().includes('/sign-in')) await page.goto(`${baseUrl}/sign-in`);
  await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
  if ('quick' in roles) {
    await page
      .getByRole('group', { name: 'Quick sign-in with one role' })
      .getByRole('button', { name: roles.quick })
      .click();
  } else {
    // Replace the default role chips with the requested ones.
    const grid = page.getByRole('grid', { name: 'Roles' });
    // Remove one chip at a time and wait until it is gone: counting and then clicking races with
    // a chip that is still leaving the DOM (the click would wait for a button that disappears).
    const removeButtons = page.getByRole('button', { name: /^Remove role / });
    for (
      let remaining = await removeButtons.count();
      remaining > 0;
      remaining = await removeButtons.count()
    ) {
      await removeButtons.first().click();
      await removeButtons.nth(remaining - 1).waitFor({ state: 'detached' });
    }
    const input = page.getByPlaceholder('Add a role…');
    for (const role of roles) {
      await input.fill(role);
      await input.press('Enter');
    }
    await grid.waitFor();
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}
