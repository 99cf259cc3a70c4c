// The product catalogue in a real browser with the demo data, in Chinese: an engineer opens the
// AX3000 firmware 2.1.5, uploads a new CycloneDX SBOM through the file form and sees its
// components; a bad file is refused with where it is wrong; then the DHCP case shows its impact:
// the affected firmware versions, the customers running them, and the upstream notice draft.
// (The demo publishes the DHCP case's advisory, so the case is disclosed.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, shot, ADMIN_PASSWORD } from './harness.mjs';

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

test('an engineer imports an SBOM; the case shows the versions, customers and upstream draft it reaches', async () => {
  const ctx = await chrome.browser.newContext({ locale: 'zh-CN' });
  const page = await login(ctx, 'zhao.min');
  await page.goto(`${server.url}/orgs/demo-networks`);
  await page.getByTestId('catalogue-link').click();
  await page.waitForURL(/\/catalogue$/);
  assert.match(await page.getByTestId('customers').innerText(), /Lion City Distribution/);
  await page.click('text=AX3000');
  await page.waitForURL(/\/products\//);
  const versions = page.getByTestId('versions');
  assert.match(await versions.innerText(), /AX3000-Pro/);
  await versions.locator('tr', { hasText: '2.1.5' }).locator('a').click();
  await page.waitForURL(/\/versions\//);
  assert.match(await page.getByTestId('sbom-info').innerText(), /cyclonedx-json 1\.6 · 4 个组件/);

  const dir = mkdtempSync(join(tmpdir(), 'vulndesk-sbom-'));
  const good = join(dir, 'ax3000-2.1.5.cdx.json');
  writeFileSync(good, JSON.stringify({
    bomFormat: 'CycloneDX', specVersion: '1.6', version: 2,
    components: [
      { type: 'library', 'bom-ref': 'dnsmasq', name: 'dnsmasq', version: '2.90', purl: 'pkg:generic/dnsmasq@2.90' },
      { type: 'library', 'bom-ref': 'curl', name: 'curl', version: '8.5.0', purl: 'pkg:generic/curl@8.5.0' },
    ],
  }));
  await page.setInputFiles('[data-testid=sbom-form] input[type=file]', good);
  await page.click('[data-testid=sbom-form] button[type=submit]');
  await page.waitForURL(/done=notice-sbom-imported/);
  assert.match(await page.getByTestId('sbom-info').innerText(), /2 个组件/);
  assert.match(await page.getByTestId('components').innerText(), /pkg:generic\/curl@8\.5\.0/);

  const bad = join(dir, 'broken.json');
  writeFileSync(bad, '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [');
  await page.setInputFiles('[data-testid=sbom-form] input[type=file]', bad);
  await page.click('[data-testid=sbom-form] button[type=submit]');
  await page.getByTestId('sbom-errors').waitFor();
  assert.match(await page.getByTestId('sbom-errors').innerText(), /无法导入该 SBOM：invalid JSON at line 1/);
  assert.match(await page.getByTestId('components').innerText(), /curl/, 'the refused file changed nothing');
  await shot(page, 'catalogue-version');

  // The DHCP case: dnsmasq before 2.90 reaches 2.1.3 and 2.1.4 (both models), not 2.1.5.
  const ctx2 = await chrome.browser.newContext({ locale: 'zh-CN' });
  const triager = await login(ctx2, 'li.wei');
  await triager.goto(`${server.url}/orgs/demo-networks/cases`);
  await triager.locator('tr', { hasText: 'Heap overflow in DHCP option parsing' }).locator('a').first().click();
  await triager.waitForURL(/\/cases\/VD-/);
  const impact = triager.getByTestId('impact');
  await impact.waitFor();
  const text = await impact.innerText();
  assert.match(text, /AX3000 AX3000 2\.1\.3/);
  assert.match(text, /AX3000 AX3000-Pro 2\.1\.4/);
  assert.doesNotMatch(text, /2\.1\.5/);
  const customers = await triager.getByTestId('impact-customers').innerText();
  assert.match(customers, /深圳宽带网络有限公司/);
  assert.match(customers, /Lion City Distribution.*\ben\b/s);
  assert.match(await triager.getByTestId('upstream-draft').innerText(), /security@dnsmasq\.example/);
  // The demo's DHCP case is disclosed (its advisory is published), so the Singapore distributor's
  // notice is no longer withheld (Art. 9(7); publication.test.mjs shows the hold before disclosure).
  assert.equal(await triager.getByTestId('case-state').innerText(), '已披露');
  assert.equal(await triager.getByTestId('withheld-abroad').count(), 0);
  await shot(triager, 'case-impact');
  await ctx.close();
  await ctx2.close();
});

test('a site administrator uploads OSV records; the catalogue looks an advisory up by its alias', async () => {
  const ctx = await chrome.browser.newContext({ locale: 'en-US' });
  const page = await ctx.newPage();
  await page.goto(`${server.url}/login`);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', ADMIN_PASSWORD);
  await page.click('form.stack button[type=submit]');
  await page.waitForURL(`${server.url}/`);
  await page.goto(`${server.url}/osv`);
  const before = Number(await page.getByTestId('osv-records').innerText());
  const dir = mkdtempSync(join(tmpdir(), 'vulndesk-osv-'));
  const file = join(dir, 'records.json');
  writeFileSync(file, JSON.stringify([{
    id: 'DEMO-2026-0001', modified: '2026-11-01T00:00:00Z', aliases: ['CVE-2026-99999'], summary: 'Demo advisory',
    affected: [{ package: { ecosystem: 'PyPI', name: 'demo-package' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2' }] }] }],
  }]));
  await page.setInputFiles('[data-testid=osv-form] input[type=file]', file);
  await page.click('[data-testid=osv-form] button[type=submit]');
  await page.waitForURL(/done=notice-osv-imported/);
  assert.equal(Number(await page.getByTestId('osv-records').innerText()), before + 1);

  writeFileSync(file, '{"id": 5}');
  await page.setInputFiles('[data-testid=osv-form] input[type=file]', file);
  await page.click('[data-testid=osv-form] button[type=submit]');
  await page.getByTestId('osv-errors').waitFor();
  assert.match(await page.getByTestId('osv-errors').innerText(), /The OSV data cannot be imported/);
  await ctx.close();

  const ctx2 = await chrome.browser.newContext({ locale: 'en-US' });
  const triager = await login(ctx2, 'li.wei');
  await triager.goto(`${server.url}/orgs/demo-networks/catalogue`);
  await triager.fill('[data-testid=advisory-lookup] input[name=advisory]', 'CVE-2026-99999');
  await triager.click('[data-testid=advisory-lookup] button');
  await triager.getByTestId('advisory-no-impact').waitFor();
  assert.match(await triager.getByTestId('advisory-lookup').innerText(), /DEMO-2026-0001 \(CVE-2026-99999\)/);
  await ctx2.close();
});
