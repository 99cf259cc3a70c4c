// Intake as its people use it, in a real browser against the real server with the demo data:
// an anonymous researcher reports through program `demo` with an exploit attached, keeps the
// tracking link, a triager finds the report in the inbox and acknowledges it, and the researcher
// sees the acknowledgement on the tracking page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

test('anonymous report, tracking page, triage inbox, acknowledgement', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vulndesk-upload-'));
  const poc = join(dir, 'dhcp_poc.py');
  writeFileSync(poc, "print('proof of concept')\n");

  // The researcher, no account, English browser, no JavaScript needed.
  const reporter = await chrome.browser.newContext({ locale: 'en-US', javaScriptEnabled: false });
  const page = await reporter.newPage();
  await page.goto(`${server.url}/p/demo`);
  assert.match(await page.locator('h1').innerText(), /Demo Networks PSIRT/);
  assert.match(await page.locator('.policy').innerText(), /We welcome reports/);
  await shot(page, 'intake-01-program');

  await page.fill('input[name=title]', 'Stack overflow in the AX3000 UPnP service');
  await page.fill('input[name=product]', 'AX3000');
  await page.fill('input[name=version]', '2.1.4');
  await page.fill('input[name=cwe]', 'CWE-121');
  await page.fill('textarea[name=description]', 'A long **SOAPAction** header overflows a stack buffer in the UPnP daemon.');
  await page.setInputFiles('input[name=attachment_exploit]', poc);
  await page.check('input[name=accept_policy]');
  await page.click('[data-testid=submit-report]');
  await page.waitForURL(/\/t\/[0-9a-f]{64}\?done=new/);
  const receipt = await page.getByTestId('receipt-id').innerText();
  assert.match(receipt, /^\d+$/);
  const trackingUrl = await page.getByTestId('tracking-url').innerText();
  assert.ok(trackingUrl.includes('/t/'), trackingUrl);
  assert.equal(await page.getByTestId('report-status').innerText(), 'new');
  await shot(page, 'intake-02-receipt');

  // The triager, in Chinese.
  const staff = await chrome.browser.newContext({ locale: 'zh-CN', extraHTTPHeaders: { 'Accept-Language': 'zh-CN' } });
  const s = await staff.newPage();
  await s.goto(`${server.url}/login`);
  await s.fill('input[name=username]', 'li.wei');
  await s.fill('input[name=password]', 'browser-test-demo-password');
  await s.click('form.stack button[type=submit]');
  await s.waitForURL(`${server.url}/`);
  await s.click('a[href="/orgs/demo-networks/inbox"]');
  const inbox = s.getByTestId('inbox');
  assert.match(await inbox.innerText(), /Stack overflow in the AX3000 UPnP service/);
  assert.match(await inbox.innerText(), /剩余/);
  await shot(s, 'intake-03-inbox-zh');
  await s.click('text=Stack overflow in the AX3000 UPnP service');
  assert.match(await s.locator('main').innerText(), /漏洞利用程序/);
  assert.match(await s.locator('main').innerText(), /dhcp_poc\.py/);
  await s.fill('textarea[name=message]', 'Thank you, we reproduced the crash and are working on a fix.');
  await s.getByTestId('acknowledge').click();
  await s.waitForURL(/done=notice-triage-saved/);
  assert.equal(await s.getByTestId('report-status').innerText(), '已确认接收');
  await shot(s, 'intake-04-report-zh');

  // Back on the tracking page the researcher sees the answer, and replies.
  await page.goto(trackingUrl);
  assert.equal(await page.getByTestId('report-status').innerText(), 'acknowledged');
  assert.match(await page.locator('ol.thread').innerText(), /we reproduced the crash/);
  await page.fill('textarea[name=message]', 'Great. Firmware 2.1.3 is affected too.');
  await page.click('form[action^="/t/"] button[type=submit]');
  await page.waitForURL(/done=notice-reply-received/);
  assert.match(await page.locator('ol.thread').innerText(), /2\.1\.3 is affected too/);
  await shot(page, 'intake-05-tracking');

  await reporter.close();
  await staff.close();
});

test('the API answers with a receipt, and bad input with field-level errors', async () => {
  const ok = await fetch(`${server.url}/api/v1/programs/demo/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-language': 'en' },
    body: JSON.stringify({ title: 'API report', description: 'd', product: 'EdgeGate', accept_policy: true }),
  });
  assert.equal(ok.status, 201);
  const body = await ok.json();
  assert.ok(body.receipt_id > 0 && body.tracking_token.length === 64);

  const bad = await fetch(`${server.url}/api/v1/programs/demo/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-language': 'zh-CN' },
    body: JSON.stringify({ title: 'x' }),
  });
  assert.equal(bad.status, 422);
  const err = await bad.json();
  assert.deepEqual(err.error.details.map((d) => d.field), ['description', 'product', 'accept_policy']);

  const sec = await fetch(`${server.url}/.well-known/security.txt`);
  assert.equal(sec.status, 200);
  assert.match(await sec.text(), /^Contact: mailto:psirt@demo-networks\.example$/m);
});
