// An operator's engineer takes a finding from verifying to remediated, in a real browser against
// the real server with the demo data: Metro Transit follows Demo Networks' CSAF feed, and its
// station router st-02-ar (AX3000 2.1.4, internet-facing) has a finding for VD-2026-0001. Liu Yang
// confirms it, marks it remediated with evidence; the re-match reopens it because the inventory
// still says 2.1.4; he records the upgrade to 2.1.5 in the inventory and the re-match closes the
// finding and confirms the remediation. The board counts follow each step.
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
  await page.click('form[action="/login"] button');
  await page.waitForURL(`${server.url}/`);
  return page;
}

const findingsUrl = () => `${server.url}/orgs/metro-transit/findings`;
const row = (page) => page.locator('tr[data-testid=finding]', { hasText: 'st-02-ar' });
const openCount = async (page) => Number(await page.getByTestId('findings-open').textContent());

async function submit(page, locator) {
  await Promise.all([page.waitForURL(/\/orgs\/metro-transit\/(findings|assets)\?done=/), locator.click()]);
}

test('verify, remediate, remediated: the re-match reopens an unconfirmed fix and confirms a real one', async () => {
  const ctx = await chrome.browser.newContext({ locale: 'en-US' });
  const page = await login(ctx, 'liu.yang');
  await page.goto(findingsUrl());
  await shot(page, 'operators-01-board');
  const before = await openCount(page);
  assert.ok(before >= 4, `open findings on the demo's routers: ${before}`);
  assert.equal(await row(page).getAttribute('data-state'), 'verifying');
  assert.match(await row(page).textContent(), /VD-2026-0001/);

  await submit(page, row(page).getByTestId('finding-confirm'));
  assert.equal(await row(page).getAttribute('data-state'), 'remediating');

  // Remediated needs evidence: the browser refuses the empty field, then it goes through.
  await row(page).getByTestId('finding-evidence').fill('CHG-2026-0412: firmware 2.1.5 installed at station 2');
  await submit(page, row(page).getByTestId('finding-remediated'));
  assert.equal(await row(page).getAttribute('data-state'), 'remediated');
  assert.equal(await openCount(page), before - 1);

  // The inventory still says 2.1.4: a re-match reopens it, saying why.
  await submit(page, page.getByTestId('findings-sync'));
  assert.equal(await row(page).getAttribute('data-state'), 'remediating');
  assert.match(await row(page).textContent(), /still affected/);
  await shot(page, 'operators-02-reopened');

  // The inventory is brought up to date; the re-match after it closes the finding, confirmed.
  await page.goto(`${server.url}/orgs/metro-transit/assets`);
  const form = page.getByTestId('asset-form');
  await form.locator('input[name=name]').fill('st-02-ar');
  await form.locator('select[name=exposure]').selectOption('internet_facing');
  await form.locator('select[name=protection_level]').selectOption('3');
  await form.locator('input[name=vendor]').fill('Demo Networks');
  await form.locator('input[name=product]').fill('AX3000');
  await form.locator('input[name=model]').fill('AX3000');
  await form.locator('input[name=version]').fill('2.1.5');
  await submit(page, form.locator('button[type=submit]'));
  await page.goto(findingsUrl());
  assert.equal(await row(page).getAttribute('data-state'), 'remediated');
  assert.equal(await row(page).getByTestId('finding-confirmed').count(), 1);
  assert.equal(await openCount(page), before - 1);
  await shot(page, 'operators-03-confirmed');
  await ctx.close();
});
