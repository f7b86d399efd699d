import type { Browser } from 'playwright-core';
import { eventually, launchBrowser, openPage, screenshot, signIn, textOf } from './support/browser';
import { startConsoleServer, type ConsoleServer } from './support/console-server';

/** Four-eyes in the console: the Approvals page, its nav badge, the run and runbook views. */
describe('web console (approvals)', () => {
  let server: ConsoleServer;
  let browser: Browser;
  let aliceToken: string;

  beforeAll(async () => {
    server = await startConsoleServer();
    browser = await launchBrowser();
    const login = await fetch(`${server.url}/dev-login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ subject: 'alice', roles: ['sre', 'api'] }),
    });
    aliceToken = ((await login.json()) as { access_token: string }).access_token;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Alice requests a run of the sample gated runbook over the API; its id. */
  async function request(host: string): Promise<string> {
    const response = await fetch(`${server.url}/api/runbooks/RestartPayments.md/execute`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${aliceToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ env_vars: { TARGET_HOST: host }, labels: { ticket: 'OPS-7' } }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { run_id: string }).run_id;
  }

  it('a lead sees the badge, approves one request and rejects another; the run view says who', async () => {
    const approved = await request('pay-8');
    const rejected = await request('pay-9');
    const page = await openPage(browser);
    try {
      await signIn(page, server.url, ['lead', 'sre']);
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Approvals, 2 waiting' }).click();
      await page.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
      const card = page.getByRole('listitem', { name: `Run ${approved} of RestartPayments.md` });
      await card.waitFor();
      const facts = await textOf(card);
      expect(facts).toContain('alice');
      expect(facts).toContain('TARGET_HOST');
      expect(facts).toContain('ticket=OPS-7');
      expect(facts).toContain('0 of 1');
      await screenshot(page, '40-approvals');

      await card.getByRole('textbox').fill('checked the host');
      await card.getByRole('button', { name: 'Approve' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Approved run ${approved}` })
        .waitFor();

      const other = page.getByRole('listitem', { name: `Run ${rejected} of RestartPayments.md` });
      expect(await other.getByRole('button', { name: 'Reject' }).isDisabled()).toBe(true);
      await other.getByRole('textbox').fill('not during the freeze');
      await other.getByRole('button', { name: 'Reject' }).click();
      await page.getByText('Nothing waits for your approval').waitFor();
      await nav.getByRole('link', { name: 'Approvals', exact: true }).waitFor();

      await page.goto(`${server.url}/runs/${approved}`);
      await eventually(async () => {
        const text = await textOf(page.locator('.approval-state'));
        expect(text).toMatch(/Approved \(1 of 1\) — approved by \S+ \("checked the host"\)/);
      });
      await page.getByText('Restarting payments on pay-8').waitFor();
      await screenshot(page, '41-approved-run');

      await page.goto(`${server.url}/runs/${rejected}`);
      await eventually(async () =>
        expect(await textOf(page.locator('.approval-state'))).toMatch(
          /Rejected by \S+: not during the freeze/,
        ),
      );
    } finally {
      await page.context().close();
    }
  });

  it('the runbook view shows its Approval rules', async () => {
    const page = await openPage(browser);
    try {
      await signIn(page, server.url, { quick: 'SRE' });
      await page.goto(`${server.url}/runbooks/RestartPayments.md`);
      await page.getByRole('heading', { name: 'Approval', exact: true }).waitFor();
      const rules = await textOf(page.locator('.approval-rules'));
      expect(rules).toBe(
        'Each run waits for 1 approval by approvers other than the requester; a request expires after 30 minutes.',
      );
      expect(await textOf(page.locator('.approvers'))).toContain('lead');
    } finally {
      await page.context().close();
    }
  });
});
