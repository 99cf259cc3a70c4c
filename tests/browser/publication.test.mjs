// From an anonymous report to a signed advisory, in a real browser with the demo data and a real
// SMTP server: a researcher reports a dnsmasq flaw without an account; the coordinator promotes it,
// scores and verifies it, records the report to the authority, finds that it reaches three AX3000
// firmware versions, sends
// the customer notices (delivered over SMTP to the two customers in China; the Singapore
// distributor's is withheld while the case is undisclosed, Art. 9(7)), records the fix for each
// affected version, and saves the advisory. The gate passes the fix rule and blocks on the
// unreviewed wording; a triager confirms the wording; the coordinator publishes. The CSAF
// document is in the TLP:WHITE ROLIE feed and its signature verifies with the real gpg against
// the key the provider metadata names; disclosing the case lifts the Art. 9(7) hold.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, shot, root } from './harness.mjs';

let server;
let chrome;
let smtp;

/** A free loopback port. */
async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Python's aiosmtpd from the test command's venv, writing what it accepts into a maildir. */
async function startSmtp() {
  const python = process.env.VULNDESK_TEST_PYTHON || join(root, '.venv', 'bin', 'python');
  assert.ok(existsSync(python), `${python} is missing: the test command installs aiosmtpd into .venv`);
  const port = await freePort();
  // aiosmtpd makes the maildir (tmp, new, cur) only when the folder does not exist yet.
  const folder = mkdtempSync(join(tmpdir(), 'vulndesk-smtp-'));
  const maildir = join(folder, 'maildir');
  const child = spawn(python, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', maildir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const started = Date.now();
  for (;;) {
    const up = await new Promise((resolve) => {
      const c = connect(port, '127.0.0.1', () => { c.end(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (up) break;
    assert.ok(Date.now() - started < 20_000, 'aiosmtpd did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    messages() {
      const dir = join(maildir, 'new');
      return existsSync(dir) ? readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')) : [];
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => { child.once('exit', r); setTimeout(r, 5000); });
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

before(async () => {
  smtp = await startSmtp();
  server = await startServer({
    demo: true,
    env: { VULNDESK_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, VULNDESK_MAIL_FROM: 'Demo Networks PSIRT <psirt@demo-networks.example>' },
  });
  chrome = await launchBrowser();
});

after(async () => {
  await chrome?.close();
  await server?.stop();
  await smtp?.stop();
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

/** The gate table's verdict for one rule. */
async function verdict(page, rule) {
  return page.locator(`[data-testid=gate] tr[data-rule=${rule}]`).getAttribute('data-verdict');
}

/** A raw message's headers (encoded words decoded) and body (transfer encoding undone). */
function decodeMail(raw) {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const latin = (s) => s.replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16)));
  const headers = head.replace(/\r?\n[ \t]+/g, ' ').replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, enc, text) =>
    Buffer.from(enc.toLowerCase() === 'b' ? Buffer.from(text, 'base64') : Buffer.from(latin(text.replace(/_/g, ' ')), 'latin1')).toString('utf8'));
  let body = rest.join('\n\n');
  const encoding = /^Content-Transfer-Encoding:\s*(\S+)/mi.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'base64') body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') body = Buffer.from(latin(body.replace(/=\r?\n/g, '')), 'latin1').toString('utf8');
  return { headers, body };
}

/** Runs gpg with its own home folder; returns the exit status and what it said. */
function gpg(home, args) {
  const r = spawnSync('gpg', ['--batch', '--homedir', home, ...args], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

async function fetchOk(url) {
  const r = await fetch(url);
  assert.equal(r.status, 200, `${url}: ${r.status}`);
  return r;
}

test('fix, customer notices over SMTP, review, publication; the CSAF is in the feed and gpg verifies it', async () => {
  const ctx = await chrome.browser.newContext({ locale: 'en-US' });
  const page = await login(ctx, 'chen.jing');

  // An anonymous researcher reports a flaw in dnsmasq, which AX3000 firmware 2.1.3 and 2.1.4 ship
  // (2.1.5 does not), asking to be credited; no account, no JavaScript.
  const reporterCtx = await chrome.browser.newContext({ locale: 'en-US', javaScriptEnabled: false });
  const reporter = await reporterCtx.newPage();
  await reporter.goto(`${server.url}/p/demo`);
  await reporter.fill('input[name=title]', 'DNSSEC validation in dnsmasq exhausts the CPU (KeyTrap)');
  await reporter.fill('input[name=product]', 'AX3000');
  await reporter.fill('input[name=version]', '2.1.4');
  await reporter.fill('textarea[name=description]', 'A zone with colliding DNSSEC keys makes dnsmasq validate for minutes.');
  await reporter.fill('input[name=credit_name]', 'Wang Researcher');
  await reporter.check('input[name=accept_policy]');
  await reporter.click('[data-testid=submit-report]');
  await reporter.waitForURL(/\/t\/[0-9a-f]{64}\?done=new/);
  const trackingUrl = reporter.url().split('?')[0];

  // The coordinator promotes it to a case from the inbox.
  await page.goto(`${server.url}/orgs/demo-networks/inbox`);
  await page.click('text=DNSSEC validation in dnsmasq exhausts the CPU (KeyTrap)');
  await page.getByTestId('promote').click();
  await page.waitForURL(/\/orgs\/demo-networks\/cases\/VD-\d{4}-\d{4}/);
  const caseUrl = page.url().split('?')[0];
  const number = caseUrl.split('/').pop();
  await page.goto(caseUrl);
  if (await page.getByTestId('event-start_triage').count()) {
    await page.getByTestId('event-start_triage').click();
    await page.waitForURL(/done=notice-case-saved/);
  }

  await page.fill('[data-testid=cvss-input]', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H');
  await page.selectOption('select[name=grade]', 'high');
  await page.fill('input[name=cwe]', 'CWE-770');
  await page.fill('textarea[name=characteristics]', 'dnsmasq 在验证 DNSSEC 签名时会尝试所有密钥与签名的组合，构造的响应可使其长时间占用 CPU。');
  await page.fill('textarea[name=characteristics_en]', 'When validating DNSSEC, dnsmasq tries every combination of keys and signatures; a crafted response keeps its CPU busy for a long time.');
  await page.fill('textarea[name=harm]', '路由器的 DNS 解析服务拒绝服务。');
  await page.fill('textarea[name=harm_en]', 'Denial of service of the router\'s DNS resolver.');
  await page.fill('[data-testid=scope-input]', 'AX3000 与 AX3000-Pro，固件 2.1.4 及更早版本');
  await page.fill('textarea[name=scope_of_impact_en]', 'AX3000 and AX3000-Pro, firmware 2.1.4 and earlier');
  await page.check('input[name=users_must_act]');
  await page.getByTestId('save-assessment').click();
  await page.waitForURL(/done=notice-case-saved/);

  await page.fill('input[name=environment]', 'AX3000 firmware 2.1.4, lab LAN with a signed test zone');
  await page.fill('textarea[name=method]', 'Resolved a name in a zone with colliding DNSSEC keys through the router');
  await page.fill('textarea[name=result]', 'dnsmasq used a full CPU for minutes and stopped answering');
  await page.getByTestId('save-verification').click();
  await page.waitForURL(/done=notice-case-saved/);
  // The report to the authority (Art. 7(2)), prefilled from the case, filed on the authority's
  // site and recorded with its receipt number.
  await page.goto(`${caseUrl}/authority`);
  await page.getByTestId('authority-start').click();
  await page.waitForURL(/done=/);
  const draft = page.getByTestId('authority-form');
  if (!(await draft.locator('input[name=provider_contact]').inputValue())) {
    await draft.locator('input[name=provider_contact]').fill('psirt@demo-networks.example');
  }
  if (!(await draft.locator('input[name=model]').inputValue())) await draft.locator('input[name=model]').fill('AX3000, AX3000-Pro');
  if (!(await draft.locator('input[name=versions]').inputValue())) await draft.locator('input[name=versions]').fill('2.1.3, 2.1.4');
  if (!(await draft.locator('input[name=product_name]').inputValue())) await draft.locator('input[name=product_name]').fill('AX3000');
  await draft.locator('button[type=submit]').click();
  await page.waitForURL(/done=/);
  await page.getByTestId('authority-ready').waitFor();
  const filing = page.getByTestId('submission-form');
  await filing.locator('input[name=receipt_number]').fill('CNVD-R-2026-88001');
  await filing.locator('button[type=submit]').click();
  await page.waitForURL(/done=/);
  assert.equal(await page.getByTestId('authority-status').first().innerText(), 'Submitted');
  await page.goto(caseUrl);

  for (const event of ['confirm', 'start_remediation']) {
    await page.getByTestId(`event-${event}`).click();
    await page.waitForURL(/done=notice-case-saved/);
  }
  assert.equal(await page.getByTestId('case-state').innerText(), 'in remediation');

  const component = page.getByTestId('component-form');
  await component.locator('input[name=purl]').fill('pkg:generic/dnsmasq');
  await component.locator('input[name=vers]').fill('vers:generic/<2.90');
  await component.locator('select[name=supplier]').selectOption({ label: 'dnsmasq project (GB)' });
  await component.locator('button[type=submit]').click();
  await page.waitForURL(/done=notice-case-saved/);
  const versions = await page.getByTestId('impact-versions').innerText();
  for (const v of ['AX3000 AX3000 2.1.3', 'AX3000 AX3000 2.1.4', 'AX3000 AX3000-Pro 2.1.4']) assert.match(versions, new RegExp(v));
  assert.doesNotMatch(versions, /2\.1\.5/);
  await page.getByTestId('withheld-abroad').waitFor();

  // Customer notices: by mail to the two customers in China; none abroad while undisclosed.
  const notice = page.getByTestId('customer-notice-form');
  await notice.locator('textarea[name=remedy]').fill('Upgrade to firmware 2.1.5 (dnsmasq 2.90). 请升级至固件 2.1.5。');
  await notice.locator('input[name=support_contact]').fill('psirt@demo-networks.example, +86 755 5555 0100');
  await notice.locator('button[type=submit]').click();
  await page.waitForURL(/done=notice-case-saved/);
  const deadline = Date.now() + 30_000;
  for (;;) {
    await page.goto(caseUrl);
    const rows = await page.getByTestId('upstream-notices').locator('tbody tr').allInnerTexts();
    const delivered = rows.filter((r) => /^mailto:/.test(r) && /delivered/.test(r));
    if (delivered.length >= 2) break;
    assert.ok(Date.now() < deadline, `customer notices not delivered: ${rows.join(' | ')}`);
    await page.waitForTimeout(500);
  }
  // The relay also carries the demo's other mail (SafeHarbor's hand-off to NetLink Systems).
  const received = smtp.messages().map(decodeMail);
  assert.ok(received.some((m) => /^To: .*psirt@netlink\.example/m.test(m.headers)), 'the demo hand-off went out by mail');
  const mails = received.filter((m) => m.headers.includes(number));
  const all = mails.map((m) => `${m.headers}\n\n${m.body}`).join('\n----\n');
  assert.equal(mails.length, 2, all);
  assert.ok(mails.some((m) => /^To: .*noc@sz-broadband\.example/m.test(m.headers)), all);
  assert.ok(mails.some((m) => /^To: .*it@westlake-hotels\.example/m.test(m.headers)), all);
  assert.ok(mails.every((m) => !/lioncity\.example/.test(m.headers)), 'the Singapore distributor gets nothing while undisclosed');
  for (const m of mails) {
    assert.ok(m.headers.includes(number) && m.body.includes('2.1.5') && m.body.includes('psirt@demo-networks.example'), all);
  }
  await shot(page, 'publication-01-notices');

  // The fix for each affected version, through the fix form.
  await page.getByTestId('advisory-link').click();
  await page.waitForURL(/\/advisory$/);
  assert.equal(await verdict(page, 'fix_before_publication'), 'block');
  for (const label of ['AX3000 AX3000 2.1.3', 'AX3000 AX3000 2.1.4', 'AX3000 AX3000-Pro 2.1.4']) {
    const form = page.getByTestId('fix-form');
    await form.locator('select[name=product_version]').selectOption({ label });
    await form.locator('select[name=kind]').selectOption('vendor_fix');
    await form.locator('input[name=fixed_in]').fill('2.1.5');
    await form.locator('textarea[name=details]').fill('升级至固件 2.1.5（dnsmasq 2.90）。');
    await form.locator('textarea[name=details_en]').fill('Upgrade to firmware 2.1.5 (dnsmasq 2.90).');
    await form.locator('input[name=users_must_act]').check();
    await form.locator('button[type=submit]').click();
    await page.waitForURL(/done=notice-case-saved/);
  }
  assert.equal(await page.getByTestId('fixes').getByTestId('fix-kind').count(), 3);

  // The advisory, in both languages; the gate: the fix passes, the unreviewed wording blocks.
  const advisory = page.getByTestId('advisory-form');
  await advisory.locator('input[name=title]').fill('AX3000 系列路由器 dnsmasq DNSSEC 验证拒绝服务漏洞（KeyTrap）');
  await advisory.locator('input[name=title_en]').fill('DNSSEC validation denial of service in dnsmasq on AX3000 routers (KeyTrap)');
  assert.equal(await advisory.locator('textarea[name=acknowledgments]').inputValue(), 'Wang Researcher', 'the reporter asked to be credited');
  await page.getByTestId('advisory-save').click();
  await page.waitForURL(/done=notice-case-saved/);
  assert.equal(await verdict(page, 'fix_before_publication'), 'pass');
  assert.equal(await verdict(page, 'fix_published_together'), 'pass');
  assert.equal(await verdict(page, 'no_in_use_system_details'), 'pass');
  assert.equal(await verdict(page, 'factual_severity'), 'block');
  assert.match(await page.getByTestId('advisory-review-state').innerText(), /has not been confirmed/);
  // Publishing now is refused and says why.
  await page.getByTestId('publish').click();
  await page.getByTestId('advisory-errors').waitFor();
  assert.match(await page.getByTestId('advisory-errors').innerText(), /no reviewer other than the author/);
  assert.equal(await page.getByTestId('review-form').count(), 1, 'the form is there, but the editor may not use it');
  await shot(page, 'publication-02-gate-blocks');

  // A second person confirms the wording.
  const ctx2 = await chrome.browser.newContext({ locale: 'en-US' });
  const triager = await login(ctx2, 'li.wei');
  await triager.goto(`${caseUrl}/advisory`);
  await triager.getByTestId('review-form').locator('button[type=submit]').click();
  await triager.waitForURL(/done=notice-advisory-reviewed/);
  assert.equal(await triager.getByTestId('advisory-review-state').innerText(), 'Wording confirmed as factual by li.wei');
  assert.equal(await triager.getByTestId('publish').count(), 0, 'a triager does not publish');
  await ctx2.close();

  // The coordinator publishes.
  await page.goto(`${caseUrl}/advisory`);
  assert.equal(await verdict(page, 'factual_severity'), 'pass');
  await page.getByTestId('publish').click();
  await page.waitForURL(/done=notice-advisory-published/);
  const documents = await page.getByTestId('published-documents').innerText();
  assert.match(documents, /CSAF 2\.0/);
  assert.match(documents, /OSV/);
  assert.equal(await page.getByTestId('public-link').innerText(), `/advisories/${number}`);
  await shot(page, 'publication-03-published');

  // The public tree: the feed lists it, the document is signed, gpg verifies the signature.
  const feed = await (await fetchOk(`${server.url}/.well-known/csaf/white/csaf-feed-tlp-white.json`)).json();
  const entry = feed.feed.entry.find((e) => e.id === number);
  assert.ok(entry, `no feed entry for ${number}: ${feed.feed.entry.map((e) => e.id).join(', ')}`);
  const docUrl = entry.content.src;
  assert.ok(entry.link.some((l) => l.rel === 'signature' && l.href === `${docUrl}.asc`));
  const body = Buffer.from(await (await fetchOk(docUrl)).arrayBuffer());
  const csaf = JSON.parse(body.toString('utf8'));
  assert.equal(csaf.document.tracking.id, number);
  assert.equal(csaf.document.distribution.tlp.label, 'WHITE');
  assert.deepEqual(csaf.vulnerabilities[0].product_status.known_affected.length, 3);
  const signature = await (await fetchOk(`${docUrl}.asc`)).text();
  assert.match(signature, /^-----BEGIN PGP SIGNATURE-----/);
  const metadata = await (await fetchOk(`${server.url}/.well-known/csaf/provider-metadata.json`)).json();
  const keyRef = metadata.public_openpgp_keys[0];
  const key = await (await fetchOk(keyRef.url)).text();

  const dir = mkdtempSync(join(tmpdir(), 'vulndesk-gpg-'));
  const home = join(dir, 'gnupg');
  spawnSync('mkdir', ['-m', '700', home]);
  writeFileSync(join(dir, 'key.asc'), key);
  writeFileSync(join(dir, 'doc.json'), body);
  writeFileSync(join(dir, 'doc.json.asc'), signature);
  const imported = gpg(home, ['--import', join(dir, 'key.asc')]);
  assert.equal(imported.status, 0, imported.out);
  const verified = gpg(home, ['--status-fd', '1', '--verify', join(dir, 'doc.json.asc'), join(dir, 'doc.json')]);
  assert.equal(verified.status, 0, verified.out);
  assert.match(verified.out, new RegExp(`VALIDSIG ${keyRef.fingerprint}`));
  // One changed byte and the signature no longer holds.
  writeFileSync(join(dir, 'doc.json'), Buffer.concat([body, Buffer.from(' ')]));
  const tampered = gpg(home, ['--verify', join(dir, 'doc.json.asc'), join(dir, 'doc.json')]);
  assert.notEqual(tampered.status, 0, tampered.out);
  assert.match(tampered.out, /BAD signature/);
  rmSync(dir, { recursive: true, force: true });

  // Disclosed: the case moves on, and the Art. 9(7) hold on the notice abroad is lifted.
  await page.goto(caseUrl);
  await page.getByTestId('event-mark_fixed').click();
  await page.waitForURL(/done=notice-case-saved/);
  await page.getByTestId('event-disclose').click();
  await page.waitForURL(/done=notice-case-saved/);
  assert.equal(await page.getByTestId('case-state').innerText(), 'disclosed');
  assert.equal(await page.getByTestId('withheld-abroad').count(), 0);

  // The reporter's tracking page says the advisory is out, and credits them in it.
  await reporter.goto(trackingUrl);
  assert.match(await reporter.locator('main').innerText(), new RegExp(`advisory ${number} \\(version 1\\).*published`));
  assert.ok(csaf.vulnerabilities[0].acknowledgments?.some((a) => (a.names || []).includes('Wang Researcher')), JSON.stringify(csaf.vulnerabilities[0].acknowledgments));
  await reporterCtx.close();
  await ctx.close();
});
