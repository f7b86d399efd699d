import type { Browser, Page } from 'playwright-core';
import { eventually, launchBrowser, openPage, signIn, textOf } from './support/browser';
import { startConsoleServer, type ConsoleServer } from './support/console-server';

/** Small things a new user noticed in the console (issue 21, "Polish"), in real Chromium. */
describe('console polish', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let page: Page;
  let runId = '';

  async function tokenFor(subject: string, roles: string[]): Promise<string> {
    const response = await fetch(`${server.url}/dev-login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ subject, roles }),
    });
    return ((await response.json()) as { access_token: string }).access_token;
  }

  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchBrowser();
    page = await openPage(browser);
    // One finished run of alice's, so the runs table has a row.
    const token = await tokenFor('alice', ['sre', 'api']);
    const response = await fetch(`${server.url}/api/runbooks/SimpleRunbook.md/execute`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ env_vars: { TEST_VAR: 'polish' } }),
    });
    runId = ((await response.json()) as { run_id: string }).run_id;
    await signIn(page, server.url, ['sre', 'api']);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('renders inline markdown in list descriptions instead of raw backticks', async () => {
    await page.goto(`${server.url}/runbooks`);
    const row = page.locator('tr.row', {
      has: page.getByRole('link', { name: 'LongRunningRunbook', exact: true }),
    });
    await row.waitFor();
    const description = row.locator('.description');
    expect(await textOf(description)).toContain('CYCLES');
    expect(await textOf(description)).not.toContain('`');
    expect(await textOf(description.locator('code'))).toBe('CYCLES');
  });

  it('shows times with their time zone', async () => {
    await page.goto(`${server.url}/runs/${runId}`);
    const started = page.locator('.summary div', { hasText: 'Started' }).locator('dd');
    await started.waitFor();
    // The browser runs in the machine's zone; whatever it is, the time names it.
    expect(await textOf(started)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+$/);
  });

  it('refuses a label filter without "=" instead of ignoring it', async () => {
    await page.goto(`${server.url}/runs`);
    await page.locator('tr.row').first().waitFor();
    await page.getByLabel('Label').fill('team');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('Write the label filter as key=value').waitFor();
    expect(await page.locator('tr.row').count()).toBe(0);
    expect(new URL(page.url()).searchParams.get('label')).toBeNull();
  });

  it('shows no pager under an empty result, and a Per page label that fits', async () => {
    await page.goto(`${server.url}/runs`);
    await page.locator('tr.row').first().waitFor();
    const label = page.locator('.pager .size mat-label');
    await label.waitFor();
    const fits = await label.evaluate((element) => {
      const floating = element.closest('label') ?? element;
      return floating.scrollWidth <= floating.clientWidth + 1;
    });
    expect(fits).toBe(true);

    await page.goto(`${server.url}/runs?user=nobody-ran-this`);
    await page.getByText('No run matches these filters').waitFor();
    expect(await page.locator('nav.pager').count()).toBe(0);
  });

  it('shows one panel for a run the user may not see', async () => {
    const viewer = await openPage(browser);
    try {
      await signIn(viewer, server.url, ['viewer']);
      await viewer.goto(`${server.url}/runs/${runId}`);
      await viewer.locator('rb-error-panel [role="alert"]').first().waitFor();
      // Give the output stream the time to fail too: it must not add a panel or an output box.
      await eventually(async () => {
        expect(await viewer.locator('[role="alert"]').count()).toBe(1);
        expect(await viewer.locator('.log').count()).toBe(0);
      }, 5_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await viewer.locator('[role="alert"]').count()).toBe(1);
      expect(await viewer.getByText('The output stream stopped').count()).toBe(0);
    } finally {
      await viewer.context().close();
    }
  });

  it('says on the admin page whether each secret is set', async () => {
    const admin = await openPage(browser);
    try {
      await signIn(admin, server.url, ['admin', 'sre']);
      await admin.goto(`${server.url}/admin`);
      const table = admin.getByRole('table', { name: 'Configuration items' });
      await table.waitFor();
      const valueOf = async (name: string) =>
        textOf(
          table
            .locator('tr', { has: admin.locator(`code:text-is("${name}")`) })
            .locator('td.value'),
        );
      expect(await valueOf('JWT_SECRET')).toBe('Set (secret, hidden)');
      expect(await valueOf('DATABASE_URL')).toBe('Not set (secret)');
    } finally {
      await admin.context().close();
    }
  });

  it('draws a visible stdout swatch in dark mode and a pin, not a download arrow', async () => {
    const dark = await browser.newPage({ colorScheme: 'dark' });
    try {
      await signIn(dark, server.url, ['sre', 'api']);
      await dark.goto(`${server.url}/runs/${runId}`);
      const swatch = dark.locator('.legend .swatch.out');
      await swatch.waitFor();
      const outline = await swatch.evaluate((element) => getComputedStyle(element).boxShadow);
      expect(outline).not.toBe('none');
      const pin = await dark.locator('button.pin mat-icon').getAttribute('data-mat-icon-name');
      const download = await dark
        .getByRole('button', { name: 'Download log' })
        .locator('mat-icon')
        .getAttribute('data-mat-icon-name');
      expect(pin).toBe('follow-on');
      const paths = async (name: string) =>
        dark.locator(`mat-icon[data-mat-icon-name="${name}"] svg`).first().innerHTML();
      expect(await paths(pin ?? '')).not.toBe(await paths(download ?? ''));
      // The old icon was an arrow into a tray, like Download's.
      expect(await paths(pin ?? '')).not.toContain('4.5-4.5');
    } finally {
      await dark.close();
    }
  });

  it('serves a favicon', async () => {
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    expect(href).toBeTruthy();
    const response = await fetch(new URL(href ?? '', `${server.url}/`));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('image/svg+xml');
  });
});
