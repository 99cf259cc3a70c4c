// The user guide's screenshots (docs/guide/img, with VULNDESK_GUIDE_SHOTS=1), taken against the real server with the demo data,
// once in English and once in Chinese: the browser's Accept-Language chooses the language, since
// the demo accounts have not chosen one. For each role the demo person of that role signs in and
// the key page of each task is checked (a heading, a known demo record) before its screenshot, so
// a broken page fails the test instead of ending up in the guide. Screenshots are 1280×800 PNGs
// of the viewport, named `{role}-{nn}-{page}.{language}.png`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launchBrowser, root, artifacts } from './harness.mjs';

// Every run takes the screenshots; they replace the guide's only when asked
// (`VULNDESK_GUIDE_SHOTS=1 npm test`), so an ordinary run leaves the checkout as it was.
const img = process.env.VULNDESK_GUIDE_SHOTS === '1' ? join(root, 'docs', 'guide', 'img') : join(artifacts, 'guide');
mkdirSync(img, { recursive: true });
const PASSWORD = 'browser-test-demo-password';

// The labels the pages show, from crates/vulndesk-web/locales/{en,zh-CN}/main.ftl.
const LANGS = [
  {
    tag: 'en',
    locale: 'en-US',
    accept: 'en-US,en;q=0.9',
    t: {
      inbox: 'Triage inbox',
      disclosed: 'disclosed',
      impactCustomers: 'Customers running affected versions',
      upstreamDraft: 'Upstream notice (draft)',
      authority: 'Report to the authority',
      submitted: 'Submitted',
      fixes: 'Fixes per affected product version',
      gate: 'Publication gate (Art. 9)',
      dossier: 'Compliance dossier',
      reportedStep: 'Reported to the authority',
      awareStep: 'Aware (discovered or learned of)',
      confirmedStep: 'Confirmed',
      disclosedStep: 'Disclosed',
      done: 'done',
      assets: 'Assets',
      cii: 'critical information infrastructure',
      findings: 'Findings and remediation',
      remediating: 'remediating',
      notAffected: 'not affected (VEX)',
      platform: 'Collection platform',
      waiting: 'Waiting for the vendor',
      rewards: 'Rewards',
      paid: 'paid',
      sharing: 'Sharing platform',
      late: 'late (over 48 h)',
      onTime: 'on time',
      received: 'Your report was received and durably logged.',
      newStatus: 'new',
      promoted: 'opened as a case',
      pending: 'pending approval',
      letter: 'Acknowledgement letter (PDF)',
      reportTitle: 'AX3000 guest portal accepts any password after three failures',
      reportText: 'After three wrong passwords the guest Wi-Fi portal lets the next attempt in, whatever the password.',
      ack: 'Thank you: we reproduced it on firmware 2.1.4 and opened a case.',
    },
  },
  {
    tag: 'zh-CN',
    locale: 'zh-CN',
    accept: 'zh-CN,zh;q=0.9',
    t: {
      inbox: '分诊收件箱',
      disclosed: '已披露',
      impactCustomers: '使用受影响版本的客户',
      upstreamDraft: '上游通知（草稿）',
      authority: '向工业和信息化部报送',
      submitted: '已报送',
      fixes: '各受影响产品版本的修复',
      gate: '发布检查（第九条）',
      dossier: '合规档案',
      reportedStep: '向主管部门报送',
      awareStep: '发现或获知',
      confirmedStep: '确认',
      disclosedStep: '披露',
      done: '已完成',
      assets: '资产',
      cii: '关键信息基础设施',
      findings: '漏洞发现与整改',
      remediating: '整改中',
      notAffected: '不受影响（VEX）',
      platform: '漏洞收集平台',
      waiting: '等待厂商确认',
      rewards: '奖励',
      paid: '已支付',
      sharing: '共享平台',
      late: '超时（超过 48 小时）',
      onTime: '按时',
      received: '您的报告已接收并持久登记。',
      newStatus: '新报告',
      promoted: '已立案',
      pending: '待批准',
      letter: '致谢函（PDF）',
      reportTitle: 'AX3000 访客认证页面连续失败三次后接受任意密码',
      reportText: '访客 Wi-Fi 认证页面在连续输错三次密码后，下一次无论输入什么密码都会放行。',
      ack: '感谢报告：我们已在固件 2.1.4 上复现该问题并立案处置。',
    },
  },
];

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

function context(lang, options = {}) {
  return chrome.browser.newContext({
    locale: lang.locale,
    extraHTTPHeaders: { 'Accept-Language': lang.accept },
    viewport: { width: 1280, height: 800 },
    ...options,
  });
}

async function login(ctx, username) {
  const page = await ctx.newPage();
  await page.goto(`${server.url}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('form[action="/login"] button');
  await page.waitForURL(`${server.url}/`);
  return page;
}

/** Saves the viewport (1280×800), scrolled so that `top` (if given) starts at the top. */
async function snap(page, lang, name, top) {
  // At 1280 px nothing may stick out: not the page, and no table beyond its card.
  const wide = await page.evaluate(() => {
    const out = [];
    if (document.documentElement.scrollWidth > window.innerWidth) out.push(`page ${document.documentElement.scrollWidth}px`);
    for (const t of document.querySelectorAll('table')) {
      const box = t.parentElement;
      if (t.scrollWidth > box.clientWidth + 1) out.push(`${t.dataset.testid || t.className || 'table'} ${t.scrollWidth}px in ${box.clientWidth}px`);
    }
    return out;
  });
  assert.deepEqual(wide, [], `${name}.${lang.tag}: wider than 1280 px`);
  // Pages are freshly loaded, so at the top unless asked otherwise.
  if (top) await top.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: join(img, `${name}.${lang.tag}.png`), fullPage: false });
}

const h1 = (page) => page.locator('h1').innerText();

for (const lang of LANGS) {
  const { t } = lang;

  test(`PSIRT (${lang.tag}): inbox, case, impact, authority report, gate, dossier`, async () => {
    const triagerCtx = await context(lang);
    const triager = await login(triagerCtx, 'li.wei');
    await triager.goto(`${server.url}/orgs/demo-networks/inbox`);
    assert.match(await h1(triager), new RegExp(t.inbox));
    // SafeHarbor's hand-off arrived in Demo Networks' inbox as a report of its own.
    assert.match(await triager.getByTestId('inbox').innerText(), /AX3000 UPnP service answers SSDP from the WAN side/);
    await snap(triager, lang, 'psirt-01-inbox');
    await triagerCtx.close();

    const ctx = await context(lang);
    const page = await login(ctx, 'chen.jing');
    const base = `${server.url}/orgs/demo-networks/cases/VD-2026-0001`;
    await page.goto(base);
    assert.match(await h1(page), /VD-2026-0001 · Heap overflow in DHCP option parsing \(AX3000\)/);
    assert.equal(await page.getByTestId('case-state').innerText(), t.disclosed);
    assert.match(await page.getByTestId('cvss-score').innerText(), /^8\.7 CVSS:4\.0\/AV:A/);
    assert.match(await page.getByTestId('cwe').innerText(), /CWE-122/);
    await snap(page, lang, 'psirt-02-case');

    const impact = page.getByTestId('impact');
    assert.match(await impact.innerText(), /pkg:generic\/dnsmasq/);
    const customers = await page.getByTestId('impact-customers').innerText();
    for (const c of ['Shenzhen Broadband', 'West Lake Hotels', 'Lion City Distribution']) assert.ok(customers.includes(c), customers);
    assert.match(await impact.innerText(), new RegExp(`${t.upstreamDraft.replace(/[()（）]/g, '.')} · dnsmasq`));
    await snap(page, lang, 'psirt-03-impact', impact);

    await page.goto(`${base}/authority`);
    assert.match(await h1(page), new RegExp(`${t.authority} · VD-2026-0001`));
    const reports = page.getByTestId('authority-reports');
    assert.equal(await page.getByTestId('authority-status').first().innerText(), t.submitted);
    assert.match(await reports.innerText(), /MIIT-DEMO-2026-0001/);
    await snap(page, lang, 'psirt-04-authority');

    await page.goto(`${base}/advisory`);
    assert.match(await page.getByTestId('fixes').innerText(), /2\.1\.5/);
    const gate = page.getByTestId('gate');
    assert.equal(await gate.locator('tbody tr').count(), 7, 'the seven rules of Art. 9');
    assert.equal(await gate.locator('tr[data-rule=fix_before_publication]').getAttribute('data-verdict'), 'pass');
    assert.equal(await gate.locator('tr[data-rule=no_exploits]').getAttribute('data-verdict'), 'pass');
    assert.equal(await page.getByTestId('public-link').innerText(), '/advisories/VD-2026-0001');
    await snap(page, lang, 'psirt-05-gate', page.locator('section.card', { has: gate }));

    await page.goto(`${base}/dossier`);
    assert.match(await h1(page), new RegExp(`${t.dossier} · VD-2026-0001`));
    const step = (name) => page.getByTestId('dossier').locator('tbody tr')
      .filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${name.replace(/[()]/g, '\\$&')}$`) }) });
    assert.equal(await page.getByTestId('dossier').locator('tbody tr').count(), 10, 'every Art. 7 step and the disclosure');
    for (const name of [t.awareStep, t.confirmedStep, t.disclosedStep]) {
      assert.match(await step(name).innerText(), new RegExp(`\t${t.done}\t`), name);
    }
    const reported = await step(t.reportedStep).innerText();
    assert.match(reported, /Art\. 7\(2\)/);
    assert.match(reported, new RegExp(`\t${t.done}\t`), 'the demo report to the authority is recorded');
    assert.match(reported, /MIIT-DEMO-2026-0001/);
    assert.ok(await page.getByTestId('dossier-gate').locator('li').count() >= 1, 'the gate decisions are listed');
    await snap(page, lang, 'psirt-06-dossier');
    await ctx.close();
  });

  test(`operator (${lang.tag}): assets and findings`, async () => {
    const ctx = await context(lang);
    const page = await login(ctx, 'wang.fang');
    await page.goto(`${server.url}/orgs/metro-transit/assets`);
    assert.equal(await h1(page), t.assets);
    const assets = await page.getByTestId('assets').innerText();
    for (const name of ['st-01-ar', 'sig-eg-01', 'fare-portal']) assert.ok(assets.includes(name), assets);
    assert.ok(assets.includes(t.cii), assets);
    await snap(page, lang, 'operator-01-assets');

    await page.goto(`${server.url}/orgs/metro-transit/findings`);
    assert.equal(await h1(page), t.findings);
    assert.ok(Number(await page.getByTestId('findings-open').innerText()) >= 4);
    const finding = (asset) => page.locator('tr[data-testid=finding]', { hasText: asset }).first();
    assert.equal(await finding('st-01-ar').getAttribute('data-state'), 'remediating');
    assert.equal(await finding('st-01-ar').getByTestId('finding-state').innerText(), t.remediating);
    assert.equal(await finding('sig-eg-02').getAttribute('data-state'), 'not_affected');
    assert.equal(await finding('sig-eg-02').getByTestId('finding-state').innerText(), t.notAffected);
    await snap(page, lang, 'operator-02-findings', page.getByTestId('findings'));
    await ctx.close();
  });

  test(`collection platform (${lang.tag}): hand-offs, filing, rewards`, async () => {
    const ctx = await context(lang);
    const page = await login(ctx, 'zhou.jie');
    await page.goto(`${server.url}/orgs/safeharbor/platform`);
    assert.match(await h1(page), new RegExp(t.platform));
    const row = (text) => page.getByTestId('platform-handoffs').locator('tbody tr', { hasText: text });
    assert.match(await row('NS-2400').innerText(), /NetLink Systems \(US\)/);
    // Demo Networks has not acknowledged its copy yet (it is new in its inbox).
    assert.match(await row('UPnP').innerText(), new RegExp(`Demo Networks 演示网络 \\(CN\\)[\\s\\S]*${t.waiting}`));
    assert.equal(await page.getByTestId('filing').locator('input[name=filing_number]').inputValue(), '工信部网安备2026-0012');
    await snap(page, lang, 'platform-01-platform');

    await page.goto(`${server.url}/orgs/safeharbor/rewards`);
    assert.equal(await h1(page), t.rewards);
    const ledger = page.getByTestId('ledger');
    assert.equal(await ledger.locator('tbody tr').count(), 2);
    const paid = ledger.locator('tbody tr', { hasText: 'UPnP' });
    assert.equal(await paid.getAttribute('data-state'), 'paid');
    assert.match(await paid.innerText(), /SH-PAY-2026-0107/);
    await snap(page, lang, 'platform-02-rewards');
    await ctx.close();
  });

  test(`sharing platform (${lang.tag}): received reports, the late one flagged`, async () => {
    const ctx = await context(lang);
    const page = await login(ctx, 'zheng.hua');
    await page.goto(`${server.url}/orgs/demo-sharing/sharing`);
    assert.match(await h1(page), new RegExp(t.sharing));
    const late = page.getByTestId('received').locator('tbody tr', { hasText: 'EC-2026-0017' });
    assert.match(await late.innerText(), new RegExp(t.late.replace(/[()（）]/g, '.')));
    const onTime = page.getByTestId('received').locator('tbody tr', { hasText: 'VD-2026-0001' });
    assert.match(await onTime.innerText(), new RegExp(t.onTime));
    assert.match(await page.getByTestId('subscribers').innerText(), /MPS notification centre/);
    await snap(page, lang, 'sharing-01-received');
    await ctx.close();
  });

  test(`reporter (${lang.tag}): receipt, then acknowledgement, reward and letter on the tracking page`, async () => {
    const reporterCtx = await context(lang, { javaScriptEnabled: false });
    const reporter = await reporterCtx.newPage();
    await reporter.goto(`${server.url}/p/demo`);
    assert.match(await h1(reporter), /Demo Networks PSIRT/);
    await reporter.fill('input[name=title]', t.reportTitle);
    await reporter.fill('input[name=product]', 'AX3000');
    await reporter.fill('input[name=version]', '2.1.4');
    await reporter.fill('input[name=cwe]', 'CWE-307');
    await reporter.fill('textarea[name=description]', t.reportText);
    await reporter.fill('input[name=credit_name]', 'Ada Researcher');
    await reporter.check('input[name=accept_policy]');
    await reporter.click('[data-testid=submit-report]');
    await reporter.waitForURL(/\/t\/[0-9a-f]{64}\?done=new/);
    assert.match(await reporter.getByTestId('receipt').innerText(), new RegExp(t.received));
    assert.match(await reporter.getByTestId('receipt-id').innerText(), /^\d+$/);
    assert.equal(await reporter.getByTestId('report-status').innerText(), t.newStatus);
    const trackingUrl = await reporter.getByTestId('tracking-url').innerText();
    await snap(reporter, lang, 'reporter-01-receipt');

    // The triager acknowledges with a message, opens a case and decides a reward (below the
    // table's four-eyes threshold, so it waits for a coordinator's approval).
    const triagerCtx = await context(lang);
    const triager = await login(triagerCtx, 'li.wei');
    await triager.goto(`${server.url}/orgs/demo-networks/inbox`);
    await triager.getByTestId('inbox').getByText(t.reportTitle).click();
    await triager.waitForURL(/\/orgs\/demo-networks\/reports\/[0-9a-f-]{36}$/);
    const reportUrl = triager.url();
    await triager.fill('textarea[name=message]', t.ack);
    await triager.getByTestId('acknowledge').click();
    await triager.waitForURL(/done=notice-triage-saved/);
    await triager.getByTestId('promote').click();
    await triager.waitForURL(/\/orgs\/demo-networks\/cases\/VD-\d{4}-\d{4}/);
    await triager.goto(reportUrl);
    const form = triager.getByTestId('reward-decide');
    await form.locator('select[name=grade]').selectOption('medium');
    await form.getByTestId('reward-amount').fill('2000');
    await form.getByTestId('reward-reason').fill('Authentication bypass on the guest portal; clear report.');
    await form.getByTestId('reward-submit').click();
    await triager.waitForURL(/done=notice-reward-saved/);
    await triagerCtx.close();

    await reporter.goto(trackingUrl);
    assert.equal(await reporter.getByTestId('report-status').innerText(), t.promoted);
    assert.equal(await reporter.getByTestId('tracking-reward-state').innerText(), t.pending);
    assert.match(await reporter.getByTestId('tracking-rewards').innerText(), /2,000\.00 CNY/);
    assert.equal(await reporter.getByTestId('letter-link').innerText(), t.letter);
    assert.ok((await reporter.locator('ol.thread').innerText()).includes(t.ack));
    await snap(reporter, lang, 'reporter-02-tracking');
    await reporterCtx.close();
  });
}
