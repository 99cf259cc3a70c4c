// A reporter sees the reward move from pending to paid, in a real browser against the real server
// with the demo data: an anonymous researcher reports through program `demo` and keeps the
// tracking link; a triager promotes the report to a case and decides a reward from the program's
// reward table (an amount outside the grade's range is refused first); the reporter sees it
// pending approval; the triager cannot approve it; the coordinator approves it (a second person,
// as the amount is above the table's four-eyes threshold) and marks it paid with the payment's
// reference; the reporter sees each step and downloads the acknowledgement letter. Last, the
// coordinator cannot approve a reward above the threshold that he decided himself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, shot } from './harness.mjs';

let server;
let chrome;

before(async () => {
  server = await startServer({ demo: true });
  chrome = await launchBrowser();
});

after(async () => {
  await chrome?.close();
  await server?.stop();
});

async function login(ctx, username) {
  const page = await ctx.newPage();
  await page.goto(`${server.url}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', 'browser-test-demo-password');
  await page.click('form.stack button[type=submit]');
  await page.waitForURL(`${server.url}/`);
  return page;
}

/** Opens a report from the inbox and promotes it to a case; answers the report page's URL. */
async function promoteFromInbox(page, title) {
  await page.goto(`${server.url}/orgs/demo-networks/inbox`);
  await page.getByTestId('inbox').getByText(title).click();
  await page.waitForURL(/\/orgs\/demo-networks\/reports\/[0-9a-f-]{36}$/);
  const reportUrl = page.url();
  await page.getByTestId('promote').click();
  await page.waitForURL(/\/orgs\/demo-networks\/cases\/VD-\d{4}-\d{4}/);
  await page.goto(reportUrl);
  return reportUrl;
}

/** Fills the reward form on a report page and submits it; answers the response to the POST. */
async function decide(page, { grade, amount, reason }) {
  const form = page.getByTestId('reward-decide');
  await form.locator('select[name=grade]').selectOption(grade);
  await form.getByTestId('reward-amount').fill(amount);
  await form.getByTestId('reward-reason').fill(reason);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && /\/reports\/[0-9a-f-]{36}\/reward$/.test(r.url())),
    form.getByTestId('reward-submit').click(),
  ]);
  await page.waitForLoadState();
  return response;
}

/** The ledger row of the reward on the report titled `title`. */
function ledgerRow(page, title) {
  return page.getByTestId('ledger').locator('tbody tr', { hasText: title });
}

/** A step on the ledger page (approve, pay); answers the response to the POST. */
async function ledgerStep(page, button) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && /\/orgs\/demo-networks\/rewards\/[^/?]+$/.test(r.url())),
    button.click(),
  ]);
  await page.waitForLoadState();
  return response;
}

test('a reporter sees the reward move from pending to approved to paid, and gets the letter', async () => {
  const title = 'Command injection in the AX3000 diagnostics ping page';

  // The researcher: no account, English browser, no JavaScript needed.
  const reporterCtx = await chrome.browser.newContext({ locale: 'en-US', javaScriptEnabled: false });
  const reporter = await reporterCtx.newPage();
  await reporter.goto(`${server.url}/p/demo`);
  await reporter.fill('input[name=title]', title);
  await reporter.fill('input[name=product]', 'AX3000');
  await reporter.fill('input[name=version]', '2.1.4');
  await reporter.fill('textarea[name=description]', 'The `host` field of the diagnostics page is passed to a shell: `;id` runs as root.');
  await reporter.fill('input[name=credit_name]', 'Ada Researcher');
  await reporter.check('input[name=accept_policy]');
  await reporter.click('[data-testid=submit-report]');
  await reporter.waitForURL(/\/t\/[0-9a-f]{64}\?done=new/);
  const trackingUrl = await reporter.getByTestId('tracking-url').innerText();
  assert.match(trackingUrl, /\/t\/[0-9a-f]{64}$/);
  assert.equal(await reporter.getByTestId('tracking-rewards').count(), 0, 'no reward before one is decided');
  await shot(reporter, 'rewards-01-receipt');

  // The triager promotes the report to a case and decides the reward.
  const triagerCtx = await chrome.browser.newContext({ locale: 'en-US' });
  const triager = await login(triagerCtx, 'li.wei');
  const reportUrl = await promoteFromInbox(triager, title);
  const panel = triager.getByTestId('report-rewards');
  assert.equal(await triager.getByTestId('reward-decide').count(), 1,
    `no reward form on ${reportUrl}: ${await panel.count() ? await panel.innerText() : 'no rewards section'}`);
  const ranges = await panel.innerText();
  for (const r of ['10,000.00–30,000.00', '4,000.00–10,000.00', '1,000.00–4,000.00', '200.00–1,000.00', 'CNY']) {
    assert.ok(ranges.includes(r), `the demo table's ranges: ${ranges}`);
  }
  await shot(triager, 'rewards-02-decide-form');

  // Outside the high range: refused, saying the range.
  const refused = await decide(triager, { grade: 'high', amount: '20000', reason: 'Unauthenticated RCE from the LAN.' });
  assert.equal(refused.status(), 422);
  const errors = await triager.getByTestId('report-errors').innerText();
  assert.match(errors, /20,000\.00 is outside the high range 4,000\.00–10,000\.00/);
  assert.equal(await triager.locator('ul.errors').count(), 1);
  await shot(triager, 'rewards-03-out-of-range');

  const saved = await decide(triager, { grade: 'high', amount: '8000', reason: 'Unauthenticated RCE from the LAN; clear report with a working proof.' });
  assert.equal(saved.status(), 303);
  await triager.waitForURL(/done=notice-reward-saved/);
  const decided = await triager.getByTestId('report-rewards').innerText();
  assert.match(decided, /pending approval/);
  assert.match(decided, /8,000\.00 CNY/);
  assert.match(decided, /needs a second approver/);
  assert.equal(await triager.getByTestId('reward-decide').count(), 0, 'one live reward per report');
  await shot(triager, 'rewards-04-decided');

  // The reporter sees it pending.
  await reporter.goto(trackingUrl);
  assert.match(await reporter.getByTestId('tracking-rewards').innerText(), /8,000\.00 CNY/);
  assert.equal(await reporter.getByTestId('tracking-reward-state').innerText(), 'pending approval');
  await shot(reporter, 'rewards-05-tracking-pending');

  // The triager sees it in the ledger, and cannot approve it.
  await triager.goto(`${server.url}/orgs/demo-networks/rewards`);
  const pendingRow = ledgerRow(triager, title);
  assert.equal(await pendingRow.count(), 1);
  assert.equal(await pendingRow.getAttribute('data-state'), 'pending');
  assert.ok(await triager.locator('[data-testid=ledger] tr[data-state=pending]').count() >= 1);
  assert.equal(await triager.getByTestId('reward-approve').count(), 0, 'a triager does not approve rewards');
  await shot(triager, 'rewards-06-ledger-triager');

  // The coordinator approves it.
  const coordCtx = await chrome.browser.newContext({ locale: 'en-US' });
  const coord = await login(coordCtx, 'chen.jing');
  await coord.goto(`${server.url}/orgs/demo-networks/rewards`);
  const row = ledgerRow(coord, title);
  assert.equal(await row.count(), 1);
  assert.match(await row.innerText(), /8,000\.00 CNY/);
  const rewardId = await row.getAttribute('data-reward');
  assert.ok(rewardId);
  const byId = coord.locator(`[data-testid=ledger] tr[data-reward="${rewardId}"]`);
  const approved = await ledgerStep(coord, row.getByTestId('reward-approve'));
  assert.equal(approved.status(), 303);
  await coord.waitForURL(/done=notice-reward-saved/);
  assert.equal(await byId.getAttribute('data-state'), 'approved');
  assert.match(await byId.innerText(), /li\.wei → chen\.jing/);
  await shot(coord, 'rewards-07-approved');

  await reporter.goto(trackingUrl);
  assert.equal(await reporter.getByTestId('tracking-reward-state').innerText(), 'approved');

  // Paid, with the payment's reference.
  await byId.getByTestId('reward-reference').fill('BANK-TX-2026-000417');
  const paid = await ledgerStep(coord, byId.getByTestId('reward-pay'));
  assert.equal(paid.status(), 303);
  await coord.waitForURL(/done=notice-reward-saved/);
  assert.equal(await byId.getAttribute('data-state'), 'paid');
  assert.match(await byId.innerText(), /BANK-TX-2026-000417/);
  assert.equal(await byId.getByTestId('reward-approve').count(), 0);
  assert.equal(await byId.getByTestId('reward-pay').count(), 0);
  await shot(coord, 'rewards-08-paid');

  await reporter.goto(trackingUrl);
  assert.equal(await reporter.getByTestId('tracking-reward-state').innerText(), 'paid');
  assert.match(await reporter.getByTestId('tracking-rewards').innerText(), /8,000\.00 CNY/);
  await shot(reporter, 'rewards-09-tracking-paid');

  // The acknowledgement letter, a PDF.
  const href = await reporter.getByTestId('letter-link').getAttribute('href');
  assert.equal(href, `${new URL(trackingUrl).pathname}/letter.pdf`);
  const letter = await reporter.request.get(new URL(href, server.url).href);
  assert.equal(letter.status(), 200);
  assert.match(letter.headers()['content-type'], /^application\/pdf/);
  const pdf = await letter.body();
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');

  await reporterCtx.close();
  await triagerCtx.close();
  await coordCtx.close();
});

test('four eyes: the coordinator cannot approve a reward above the threshold that he decided', async () => {
  const title = 'Authentication bypass in the AX3000 backup download';
  const created = await fetch(`${server.url}/api/v1/programs/demo/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-language': 'en' },
    body: JSON.stringify({
      title, description: 'GET /backup.cfg answers without a session.', product: 'AX3000', version: '2.1.4',
      credit_name: 'Ada Researcher', accept_policy: true,
    }),
  });
  assert.equal(created.status, 201);

  const ctx = await chrome.browser.newContext({ locale: 'en-US' });
  const coord = await login(ctx, 'chen.jing');
  await promoteFromInbox(coord, title);
  const saved = await decide(coord, { grade: 'high', amount: '9000', reason: 'Configuration (with the admin password) readable from the LAN.' });
  assert.equal(saved.status(), 303);
  assert.match(await coord.getByTestId('report-rewards').innerText(), /needs a second approver/);

  await coord.goto(`${server.url}/orgs/demo-networks/rewards`);
  const row = ledgerRow(coord, title);
  assert.equal(await row.getAttribute('data-state'), 'pending');
  const rewardId = await row.getAttribute('data-reward');
  const refused = await ledgerStep(coord, row.getByTestId('reward-approve'));
  assert.equal(refused.status(), 409);
  assert.match(await coord.getByTestId('reward-errors').innerText(), /Rewards above 5,000\.00 need a second person/);
  assert.equal(await coord.locator(`[data-testid=ledger] tr[data-reward="${rewardId}"]`).getAttribute('data-state'), 'pending');
  await shot(coord, 'rewards-10-four-eyes');
  await ctx.close();
});
