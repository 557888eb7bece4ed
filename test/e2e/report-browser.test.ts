/**
 * The HTML report in a real browser: headless Debian chromium driven by playwright-core opens the
 * generated file from a file:// URL. Skipped (and says so) when chromium is absent, unless
 * AGENT_EVALS_REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser fails the test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../src/commands/report.ts';
import { memoryContext } from '../support/context.ts';
import { XSS_OUTPUT, writeProject } from '../support/report-project.ts';

function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const found = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (found && existsSync(found)) return found;
    } catch {
      // not on PATH: try the next name
    }
  }
  return undefined;
}

const executablePath = findChromium();
const required = process.env.AGENT_EVALS_REQUIRE_BROWSER === '1';
if (!executablePath && !required) {
  console.warn('report-browser.test.ts: chromium not found (set CHROMIUM_PATH or `apt-get install chromium`): browser test skipped');
}

describe.skipIf(!executablePath && !required)('HTML report in headless chromium', () => {
  let root: string;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    if (!executablePath) throw new Error('AGENT_EVALS_REQUIRE_BROWSER=1 but no chromium found (CHROMIUM_PATH or `which chromium`)');
    root = await mkdtemp(path.join(tmpdir(), 'agent-evals-browser-'));
    await writeProject(root, {
      variants: ['reviewer', 'reviewer-terse', 'reviewer-strict'],
      models: ['openai:gpt-4.1-mini', 'anthropic:claude-haiku'],
      scenarios: 4,
    });
    expect(await reportCommand(memoryContext(root), {})).toBe(0);
    url = pathToFileURL(path.join(root, 'reports', 'index.html')).href;
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('shows every variant and model, opens a drill-down, runs no injected code and logs no error', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (req) => requests.push(req.url()));
    await page.goto(url, { waitUntil: 'load' });

    // The matrix: every variant row and every model column.
    const matrix = page.locator('#matrix');
    await expect(matrix.locator('th.model').allInnerTexts()).resolves.toEqual(['anthropic:claude-haiku', 'openai:gpt-4.1-mini']);
    const rows = await matrix.locator('th.variant').allInnerTexts();
    expect(rows.map((r) => r.trim())).toEqual(['reviewer', 'reviewer-strict', 'reviewer-terse']);
    expect(await matrix.locator('td .rate').count()).toBe(6);

    // A drill-down opens on click and shows the variants side by side.
    const first = page.locator('details.scenario').first();
    expect(await first.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    await first.locator(':scope > summary').click();
    expect(await first.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    await expect(first.locator('.cols').first().locator('section.col').count()).resolves.toBe(3);
    expect(await first.locator('.cols').first().isVisible()).toBe(true);

    // The hostile answer is shown as text, and none of it ran or became markup.
    const hostile = page.locator('pre.out', { hasText: 'window.__pwned' }).first();
    expect(await hostile.isVisible()).toBe(true);
    expect(await hostile.textContent()).toBe(XSS_OUTPUT);
    await page.getByText('click me').first().click({ force: true });
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.title()).toBe('agent-evals · 20260301-120000-abcd');
    expect(await page.locator('#evil-link, a[href^="javascript:"], img[src="x"], [onerror], [onload]').count()).toBe(0);
    expect(await page.locator('body').isVisible()).toBe(true);

    // The page's own script runs under the CSP: a link to a scenario opens its drill-down.
    const last = page.locator('details.scenario').last();
    const id = (await last.getAttribute('id'))!;
    await page.evaluate((target) => (location.hash = target), `#${id}`);
    await page.waitForFunction((target) => (document.getElementById(target) as HTMLDetailsElement).open, id);

    expect(requests).toEqual([url]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('blocks what an injection could try even if markup got through: the CSP forbids inline code', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') violations.push(msg.text());
    });
    await page.goto(url, { waitUntil: 'load' });
    // Simulate a renderer bug: inject raw markup with a handler and an inline script after load.
    await page.evaluate(() => {
      const div = document.createElement('div');
      div.innerHTML = `<img src="x" onerror="window.__pwned='img'">`;
      document.body.append(div);
      const s = document.createElement('script');
      s.textContent = "window.__pwned='script'";
      document.body.append(s);
    });
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(violations.join('\n')).toMatch(/Content Security Policy/);
    await page.close();
  });
});
