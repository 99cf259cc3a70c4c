// The foundation as a person uses it, in a real browser against the real server: log in as
// admin, create an organisation and an account, add the account to the organisation, switch the
// language to 中文 and back, log out. No JavaScript is needed by any of these pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { startServer, launchBrowser, shot, ADMIN_PASSWORD } from './harness.mjs';

// RFC 6238 (HMAC-SHA-1, six digits, 30-second steps) for a base32 key, at step `step`, as an
// authenticator app computes it.
function totp(base32, step) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, '0');
}
const step = () => Math.floor(Date.now() / 30_000);
let adminKey;
let confirmedCode;

let server;
let chrome;

before(async () => {
  server = await startServer();
  chrome = await launchBrowser();
});

after(async () => {
  await chrome?.close();
  await server?.stop();
});

test('admin logs in, must set up two-factor sign-in, creates an organisation and a user, switches language, logs out', async () => {
  const context = await chrome.browser.newContext({ locale: 'en-US', javaScriptEnabled: false });
  const page = await context.newPage();

  await page.goto(`${server.url}/`);
  assert.match(page.url(), /\/login/);
  assert.equal(await page.locator('h1').innerText(), 'Log in to vulndesk');

  // A wrong password gets the generic message.
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', 'not the password');
  await page.click('form.stack button[type=submit]');
  assert.equal(await page.getByTestId('login-error').innerText(), 'Wrong username or password.');

  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', ADMIN_PASSWORD);
  await page.click('form.stack button[type=submit]');
  // Administrators must use two-factor sign-in: every page leads to the account page first.
  await page.waitForURL(/\/account\?done=notice-mfa-required/);
  assert.match(await page.locator('.notice').innerText(), /must use two-factor sign-in/);
  await page.goto(`${server.url}/orgs`);
  assert.match(page.url(), /\/account\?done=notice-mfa-required/);
  await page.click('form[action="/account/mfa/setup"] button');
  await page.waitForURL(/\/account#mfa/);
  assert.equal(await page.getByTestId('mfa-qr').locator('svg').count(), 1, 'a QR code to scan');
  adminKey = (await page.getByTestId('mfa-secret').innerText()).trim();
  await shot(page, 'foundation-00-mfa-setup');
  // A wrong code is refused; the app's code turns it on and shows ten recovery codes once.
  await page.fill('form[action="/account/mfa/confirm"] input[name=code]', '000000' === totp(adminKey, step()) ? '111111' : '000000');
  await page.click('form[action="/account/mfa/confirm"] button');
  assert.match(await page.locator('.errors').innerText(), /not valid/);
  confirmedCode = totp(adminKey, step());
  await page.fill('form[action="/account/mfa/confirm"] input[name=code]', confirmedCode);
  await page.click('form[action="/account/mfa/confirm"] button');
  assert.match(await page.locator('.notice').innerText(), /Two-factor sign-in is on/);
  const codes = (await page.getByTestId('recovery-codes').locator('code').innerText()).trim().split('\n');
  assert.equal(codes.length, 10);
  assert.match(await page.getByTestId('mfa-on').innerText(), /recovery codes left: 10/);
  assert.match(await page.getByTestId('sessions').innerText(), /this session/);
  await page.goto(`${server.url}/`);
  assert.match(await page.locator('main').innerText(), /Site administration/);
  await shot(page, 'foundation-01-home-admin');

  // Create an organisation.
  await page.click('header nav a[href="/orgs"]');
  await page.fill('input[name=slug]', 'demo-networks');
  await page.fill('input[name=name]', 'Demo Networks 演示网络');
  await page.check('input[name=kinds][value=provider]');
  await page.click('form[action="/orgs"] button[type=submit]');
  await page.waitForURL(/\/orgs\/demo-networks/);
  assert.match(await page.locator('.notice').innerText(), /Organisation created/);
  assert.equal(await page.locator('h1').innerText(), 'Demo Networks 演示网络 (demo-networks)');

  // Create an account.
  await page.click('header nav a[href="/users"]');
  await page.fill('input[name=username]', 'li.wei');
  await page.fill('input[name=display_name]', '李伟 Li Wei');
  await page.fill('input[name=email]', 'li.wei@demo-networks.example');
  await page.fill('input[name=password]', 'a long triager password');
  await page.click('form[action="/users"] button[type=submit]');
  await page.waitForURL(/\/users\?done=notice-user-created/);
  assert.match(await page.locator('table').innerText(), /li\.wei/);
  await shot(page, 'foundation-02-users');

  // Give the account a role in the organisation.
  await page.goto(`${server.url}/orgs/demo-networks`);
  await page.fill('form[action="/orgs/demo-networks/members"] input[name=username]', 'li.wei');
  await page.selectOption('form[action="/orgs/demo-networks/members"] select[name=role]', 'triager');
  await page.click('form[action="/orgs/demo-networks/members"] button[type=submit]');
  await page.waitForURL(/done=notice-member-added/);
  assert.match(await page.locator('table').innerText(), /li\.wei[\s\S]*Triager/);
  await shot(page, 'foundation-03-organisation');

  // Switch to Chinese: the same page, in Chinese.
  await page.getByTestId('lang-zh').click();
  await page.waitForURL(/\/orgs\/demo-networks/);
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
  assert.match(await page.locator('main').innerText(), /成员/);
  assert.match(await page.locator('table').innerText(), /分诊员/);
  await shot(page, 'foundation-04-organisation-zh');

  // And back to English.
  await page.getByTestId('lang-en').click();
  await page.waitForURL(/\/orgs\/demo-networks/);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.match(await page.locator('main').innerText(), /Members/);

  // Log out: the home page sends us back to the login form.
  await page.getByTestId('logout').click();
  await page.waitForURL(/\/login/);
  assert.match(await page.locator('.notice').innerText(), /logged out/);
  await page.goto(`${server.url}/orgs`);
  assert.match(page.url(), /\/login\?next=%2Forgs/);

  // Signing in again takes the password, then a code: never one already used.
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', ADMIN_PASSWORD);
  await page.click('form.stack button[type=submit]');
  await page.waitForURL(/\/login\/mfa/);
  await page.fill('input[name=code]', confirmedCode);
  await page.click('form.stack button[type=submit]');
  assert.match(await page.getByTestId('login-error').innerText(), /not valid \(or was already used\)/);
  await page.fill('input[name=code]', totp(adminKey, step() + 1));
  await page.click('form.stack button[type=submit]');
  await page.waitForURL(`${server.url}/orgs`);
  await context.close();

  // A second browser signs in with a recovery code, and the first signs it out.
  const other = await chrome.browser.newContext({ locale: 'en-US' });
  const second = await other.newPage();
  await second.goto(`${server.url}/login`);
  await second.fill('input[name=username]', 'admin');
  await second.fill('input[name=password]', ADMIN_PASSWORD);
  await second.click('form.stack button[type=submit]');
  await second.waitForURL(/\/login\/mfa/);
  await second.fill('input[name=code]', codes[0]);
  await second.click('form.stack button[type=submit]');
  await second.waitForURL(`${server.url}/`);
  await second.goto(`${server.url}/account`);
  assert.match(await second.getByTestId('mfa-on').innerText(), /recovery codes left: 9/);
  assert.equal(await second.getByTestId('sessions').locator('tbody tr').count(), 2, 'both browsers are listed');
  await second.click('form[action="/account/sessions/end"] button:has-text("Sign out everywhere else")');
  await second.waitForURL(/notice-sessions-ended/);
  assert.equal(await second.getByTestId('sessions').locator('tbody tr').count(), 1);
  await shot(second, 'foundation-06-sessions');
  await other.close();
});

test('the new account logs in and sees only its organisation, in Chinese by browser preference', async () => {
  const context = await chrome.browser.newContext({ locale: 'zh-CN', extraHTTPHeaders: { 'Accept-Language': 'zh-CN,zh;q=0.9' } });
  const page = await context.newPage();
  await page.goto(`${server.url}/login`);
  assert.equal(await page.locator('h1').innerText(), '登录 vulndesk');
  await page.fill('input[name=username]', 'li.wei');
  await page.fill('input[name=password]', 'a long triager password');
  await page.click('form.stack button[type=submit]');
  await page.waitForURL(`${server.url}/`);
  const main = await page.locator('main').innerText();
  assert.match(main, /Demo Networks/);
  assert.match(main, /分诊员/);
  assert.doesNotMatch(main, /站点管理/);
  await shot(page, 'foundation-05-home-triager-zh');
  const resp = await page.goto(`${server.url}/users`);
  assert.equal(resp.status(), 403);
  await context.close();
});

test('every page carries the security headers', async () => {
  for (const path of ['/login', '/healthz', '/api/v1/openapi.json', '/static/app.css', '/nope']) {
    const r = await fetch(`${server.url}${path}`);
    const csp = r.headers.get('content-security-policy') || '';
    assert.ok(csp.includes("frame-ancestors 'none'") && !csp.includes('unsafe-inline'), `${path}: ${csp}`);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path);
    assert.ok(r.headers.get('referrer-policy'), path);
  }
  const health = await (await fetch(`${server.url}/healthz`)).json();
  assert.equal(health.status, 'ok');
  assert.equal(health.database, 'sqlite');
});
