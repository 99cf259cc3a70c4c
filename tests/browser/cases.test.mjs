// A case as a triager works it, in a real browser with the demo data: promote a report to a case,
// score it with the calculator (the score changes on screen as the vector is typed), set the
// grade, fail to confirm without the scope of impact (the message names it), then confirm; the
// deadlines board shows the 48-hour authority deadline counting down.
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

test('triager promotes, scores, is refused without scope, confirms, sees the deadline', async () => {
  const ctx = await chrome.browser.newContext({ locale: 'en-US' });
  const page = await ctx.newPage();
  await page.goto(`${server.url}/login`);
  await page.fill('input[name=username]', 'li.wei');
  await page.fill('input[name=password]', 'browser-test-demo-password');
  await page.click('form.stack button[type=submit]');
  await page.waitForURL(`${server.url}/`);

  // A fresh report (the demo's own reports are already cases).
  const submitted = await fetch(`${server.url}/api/v1/programs/demo/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Command injection in the AX3000 diagnostics page', description: 'ping field', product: 'AX3000', accept_policy: true }),
  });
  assert.equal(submitted.status, 201);
  await page.goto(`${server.url}/orgs/demo-networks/inbox`);
  await page.click('text=Command injection in the AX3000 diagnostics page');
  await page.getByTestId('promote').click();
  await page.waitForURL(/\/orgs\/demo-networks\/cases\/VD-\d{4}-\d{4}/);
  const caseUrl = page.url();
  assert.equal(await page.getByTestId('case-state').innerText(), 'received');

  // The calculator: the score appears and changes as the vector is typed.
  const live = page.getByTestId('cvss-live');
  await page.fill('[data-testid=cvss-input]', 'CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N');
  await page.waitForFunction(() => document.querySelector('[data-testid=cvss-live]').textContent.startsWith('8.7'));
  assert.match(await live.innerText(), /^8\.7 · High · high$/);
  await page.fill('[data-testid=cvss-input]', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N');
  await page.waitForFunction(() => document.querySelector('[data-testid=cvss-live]').textContent.startsWith('9.3'));
  await page.fill('[data-testid=cvss-input]', 'CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N');
  await page.waitForFunction(() => document.querySelector('[data-testid=cvss-live]').textContent.startsWith('8.7'));
  await page.selectOption('select[name=grade]', 'high');
  await page.fill('input[name=cwe]', 'CWE-122');
  await page.getByTestId('save-assessment').click();
  await page.waitForURL(/done=notice-case-saved/);
  assert.match(await page.getByTestId('cvss-score').innerText(), /^8\.7/);
  assert.match(await page.getByTestId('grade').innerText(), /High/);

  await page.fill('input[name=environment]', 'AX3000 firmware 2.1.4, lab LAN');
  await page.fill('textarea[name=method]', 'dhcp_poc.py against the DHCP server');
  await page.fill('textarea[name=result]', 'The router reboots; the overwrite is controllable');
  await page.getByTestId('save-verification').click();
  await page.waitForURL(/done=notice-case-saved/);

  // Confirming without the scope of impact: refused, and the message names what is missing.
  await page.getByTestId('event-confirm').click();
  const errors = page.getByTestId('case-errors');
  assert.match(await errors.innerText(), /the scope of impact/);
  assert.doesNotMatch(await errors.innerText(), /verification record|severity/);
  await shot(page, 'cases-01-refused');

  await page.fill('[data-testid=scope-input]', 'AX3000 and AX3000-Pro, firmware 2.0.0 to 2.1.4');
  await page.getByTestId('save-assessment').click();
  await page.waitForURL(/done=notice-case-saved/);
  await page.getByTestId('event-confirm').click();
  await page.waitForURL(/done=notice-case-saved/);
  assert.equal(await page.getByTestId('case-state').innerText(), 'confirmed');
  await shot(page, 'cases-02-confirmed');

  // The deadlines board: the authority report, due 48 h after awareness, counting down.
  await page.goto(`${server.url}/orgs/demo-networks/deadlines?kind=authority_report`);
  const board = await page.getByTestId('deadline-board').innerText();
  const number = caseUrl.split('/').pop().split('?')[0];
  assert.ok(board.includes(number), board);
  assert.match(board, /Report to the authority \(48 h\)/);
  assert.match(board, /due in (1 d 23 h|2 d 0 h|1 d 2\d h)/);
  await shot(page, 'cases-03-deadlines');

  // Filtering by product keeps the kind; a product no case names empties the board.
  await page.getByTestId('board-filters').locator('input[name=product]').fill('ax3000-PRO');
  await page.getByTestId('board-filters').locator('button').click();
  await page.waitForURL(/product=ax3000-PRO/);
  assert.match(page.url(), /kind=authority_report/);
  assert.ok((await page.getByTestId('deadline-board').innerText()).includes(number));
  await page.getByTestId('board-filters').locator('input[name=product]').fill('EdgeGate-9');
  await page.getByTestId('board-filters').locator('button').click();
  await page.waitForURL(/product=EdgeGate-9/);
  assert.equal(await page.getByTestId('deadline-board').count(), 0);
  await ctx.close();
});
