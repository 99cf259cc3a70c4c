// Starts the real vulndesk binary on a free loopback port with a fresh data folder, and Debian's
// Chromium through playwright-core. Screenshots go to tests/browser/artifacts (ignored by git).
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');
export const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

export const ADMIN_PASSWORD = 'browser-test-admin-password';

/** Starts `vulndesk serve` and resolves once it prints its URL. */
export async function startServer({ demo = false, env = {} } = {}) {
  const bin = process.env.VULNDESK_BIN || join(root, 'target', 'debug', 'vulndesk');
  const dataDir = mkdtempSync(join(tmpdir(), 'vulndesk-browser-'));
  const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir];
  if (demo) args.push('--demo');
  const child = spawn(bin, args, {
    env: { ...process.env, VULNDESK_ADMIN_PASSWORD: ADMIN_PASSWORD, VULNDESK_DEMO_PASSWORD: 'browser-test-demo-password', VULNDESK_DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true', RUST_LOG: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vulndesk did not start in 60 s:\n${output}`)), 60_000);
    const onData = (chunk) => {
      output += chunk.toString();
      const m = output.match(/listening on (http:\/\/[^\s]+)/);
      if (m) { clearTimeout(timer); resolve(m[1].replace(/\/$/, '')); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => { output += c.toString(); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`vulndesk exited with ${code}:\n${output}`)); });
  });
  return {
    url,
    output: () => output,
    async stop() {
      child.removeAllListeners('exit');
      child.kill('SIGTERM');
      await new Promise((r) => { child.once('exit', r); setTimeout(r, 5000); });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Launches headless Chromium with the flags this closed network needs. */
export async function launchBrowser() {
  // Playwright gives every launch a new, empty profile of its own.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

export async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}
