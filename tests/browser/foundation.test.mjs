// The foundation as a person uses it, in a real browser against the real server: log in as
// admin, create an organisation and an account, add the account to the organisation, switch the
// language to 中文 and back, log out. No JavaScript is needed by any of these pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, shot, ADMIN_PASSWORD } from './harness.mjs';

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

test('admin logs in, creates an organisation and a user, switches language, logs out', async () => {
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
  await page.waitForURL(`${server.url}/`);
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
  await context.close();
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
