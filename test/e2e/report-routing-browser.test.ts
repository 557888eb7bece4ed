/**
 * The report's Routing section in headless chromium: a wide confusion matrix (nine decisions) stays inside its own
 * scrolling box at 390 px, every text has 4.5:1 contrast, the routing gate row is reached by keyboard and its link
 * leads to the figures, and a hostile decision is shown as text.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gateCommand } from '../../src/commands/gate.ts';
import { baselineFromRun, saveBaseline } from '../../src/io/baseline/baseline.ts';
import type { CellResult } from '../../src/schema/result.ts';
import { memoryContext } from '../support/context.ts';
import { writeRunFolder } from '../support/report-project.ts';
import { syntheticMeta } from '../support/report-synthetic.ts';
import { lowContrastTexts } from '../support/contrast.ts';

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

const AGENTS = [
  'backend-architect',
  'security-auditor',
  'database-engineer',
  'technical-writer',
  'frontend-developer',
  'infrastructure-automation-specialist',
  'observability-and-incident-response-engineer',
];
const HOSTILE = '<img src=x onerror="window.__pwned=1">';

/** One variant on one model, 4 cases per agent and `none`, 3 repeats; `steal` sends database work to backend-architect. */
function routingRun(runId: string, steal: boolean): { meta: ReturnType<typeof syntheticMeta>; results: CellResult[] } {
  const meta = syntheticMeta({ runId, variants: ['backend-architect/opus'], models: ['claude-code:sonnet'], scenarios: 1, repeats: 3 });
  const results: CellResult[] = [];
  for (const expected of [...AGENTS, 'none'])
    for (let c = 0; c < 4; c++)
      for (let repeat = 0; repeat < 3; repeat++) {
        let chosen = expected;
        if (steal && expected === 'database-engineer') chosen = 'backend-architect';
        if (expected === 'none' && c === 0 && repeat === 0) chosen = HOSTILE;
        if (expected === 'technical-writer' && c === 1) chosen = 'general-purpose';
        const pass = chosen === expected;
        results.push({
          cellId: `${expected}-${c}-${repeat}`,
          agent: 'backend-architect',
          variantId: 'backend-architect/opus',
          variantHash: steal ? 'v2' : 'v1',
          scenarioId: `backend/${expected}-${c}`,
          scenarioHash: `${expected}-${c}`,
          assertionsHash: `${expected}-${c}-a`,
          model: 'claude-code:sonnet',
          repeat,
          status: pass ? 'pass' : 'fail',
          output: `${chosen}\n\nPlease handle this.`,
          assertions: [{ id: 'routing', kind: 'regex', pass, score: pass ? 1 : 0, weight: 1, critical: true }],
          score: pass ? 1 : 0,
          routing: { suite: 'backend', expected, chosen, detail: 'Please handle this.' },
          finishedAt: '2026-03-01T12:01:00.000Z',
        });
      }
  meta.plannedCells = results.length;
  meta.config = { thresholds: {} };
  return { meta, results };
}

describe.skipIf(!executablePath && !required)('the Routing section in headless chromium', () => {
  let root: string;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    if (!executablePath) throw new Error('AGENT_EVALS_REQUIRE_BROWSER=1 but no chromium found (CHROMIUM_PATH or `which chromium`)');
    root = await mkdtemp(path.join(tmpdir(), 'agent-evals-routing-browser-'));
    const before = routingRun('20260301-090000-0001', false);
    await writeRunFolder(root, before.meta, before.results);
    await saveBaseline(root, baselineFromRun(before.meta, before.results));
    const after = routingRun('20260302-090000-0002', true);
    await writeRunFolder(root, after.meta, after.results);
    expect(await gateCommand(memoryContext(root), { run: after.meta.runId })).toBe(1);
    url = pathToFileURL(path.join(root, 'reports', 'index.html')).href;
    browser = await chromium.launch({ executablePath, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function open(width: number) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(url, { waitUntil: 'load' });
    return { page, problems };
  }

  it('shows the matrix with its numbers, and the hostile decision as text', async () => {
    const { page, problems } = await open(1400);
    const matrix = page.locator('#routing table.confusion');
    await expect(matrix.locator('thead th').count()).resolves.toBe(AGENTS.length + 5); // corner, agents, the hostile decision, general-purpose, none, total
    const dbRow = matrix.locator('tbody tr', { has: page.locator('th', { hasText: /^database-engineer$/ }) });
    await expect(dbRow.locator('td').allInnerTexts()).resolves.toEqual(['12', ...Array(9).fill('0'), '12']); // all to backend-architect, the first column
    await expect(page.locator('#routing').getByText(HOSTILE).count()).resolves.toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('no horizontal page scroll at 390 px: the wide matrix scrolls in its own box', async () => {
    const { page, problems } = await open(390);
    await page.evaluate(() => {
      for (const d of document.querySelectorAll('details')) (d as HTMLDetailsElement).open = true;
    });
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      body: document.body.scrollWidth,
      box: (document.querySelector('#routing .scroll') as HTMLElement).scrollWidth,
    }));
    expect(widths.page).toBeLessThanOrEqual(390);
    expect(widths.body).toBeLessThanOrEqual(390);
    expect(widths.box).toBeGreaterThan(390); // the matrix is wider than the phone, and stays in its box
    expect(problems).toEqual([]);
    await page.close();
  });

  it('every text of the Routing section and its gate rows has at least 4.5:1 contrast', async () => {
    const { page } = await open(1400);
    const { checked, low } = await page.evaluate(lowContrastTexts, '#routing *, #gate .gate-row *');
    expect(checked).toBeGreaterThan(50);
    expect(low).toEqual([]);
    await page.close();
  });

  it('the keyboard reaches the routing gate row, whose link leads to the figures naming the moved requests', async () => {
    const { page, problems } = await open(1400);
    let reached = '';
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => {
        const a = document.activeElement as HTMLAnchorElement;
        return a.closest('.gate-row') && a.getAttribute('href')?.startsWith('#r-') ? a.getAttribute('href')! : '';
      });
    }
    expect(reached).toMatch(/^#r-backend-/);
    await page.keyboard.press('Enter');
    await page.waitForFunction((h) => location.hash === h, reached);
    const target = page.locator(`[id="${reached.slice(1)}"]`);
    await expect(target.locator('h3').textContent()).resolves.toBe('backend · backend-architect/opus @ claude-code:sonnet');
    await expect(target.locator('details.misrouted li', { hasText: 'backend/database-engineer-0' }).textContent()).resolves.toBe(
      'backend/database-engineer-0: expected database-engineer, went to backend-architect in repeats 1, 2, 3',
    );
    expect(await target.isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });
});
