// The sharing platform's analyst view in a real browser with the demo data: the received
// reports with the late one flagged, statistics drawn as charts, and a provider registered with
// its credentials shown once.
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

test('the platform analyst sees received reports, the late one flagged, and registers a provider', async () => {
  const ctx = await chrome.browser.newContext({ locale: 'zh-CN' });
  const page = await ctx.newPage();
  await page.goto(`${server.url}/login`);
  await page.fill('input[name=username]', 'zheng.hua');
  await page.fill('input[name=password]', 'browser-test-demo-password');
  await page.click('form.stack button[type=submit]');
  await page.waitForURL(`${server.url}/`);
  await page.goto(`${server.url}/orgs/demo-sharing`);
  await page.getByTestId('sharing-link').click();
  await page.waitForURL(/\/sharing$/);
  const received = page.getByTestId('received');
  assert.match(await received.innerText(), /IPC-200/);
  assert.equal(await received.locator('tr.warn').count(), 1, 'one report arrived more than 48 hours after awareness');
  assert.match(await received.locator('tr.warn').innerText(), /超时/);
  // By provider, grade, sub-library, product type and timeliness.
  assert.equal(await page.locator('[data-testid=sharing-charts] svg').count(), 5);
  const charts = await page.getByTestId('sharing-charts').innerText();
  assert.ok(/Network device|网络设备/.test(charts) && /IoT device|物联网设备/.test(charts), charts);

  // One provider's history.
  await page.getByTestId('providers').locator('a', { hasText: 'Example Cameras' }).click();
  await page.waitForURL(/provider=/);
  assert.equal(await page.getByTestId('received').locator('tbody tr').count(), 1);
  assert.match(await page.getByTestId('received').innerText(), /EC-2026-0017/);
  await page.goto(`${server.url}/orgs/demo-sharing/sharing`);

  await page.fill('[data-testid=provider-form] input[name=name]', '第三方厂商 Third Vendor');
  await page.click('[data-testid=provider-form] button');
  const creds = page.getByTestId('provider-credentials');
  await creds.waitFor();
  assert.match(await creds.innerText(), /vdp_[0-9a-f]{64}/);
  await shot(page, 'sharing-platform');
  await page.goto(`${server.url}/orgs/demo-sharing/sharing`);
  assert.equal(await page.getByTestId('provider-credentials').count(), 0, 'credentials are shown once');
  assert.match(await page.getByTestId('providers').innerText(), /Third Vendor/);
  await ctx.close();
});
