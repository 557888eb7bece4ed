/**
 * The HTML report in a real browser: headless Debian chromium driven by playwright-core opens the
 * generated file from a file:// URL. Skipped (and says so) when chromium is absent, unless
 * AGENT_EVALS_REQUIRE_BROWSER=1 (set by .ci/run), where a missing browser fails the test.
 */
import { lowContrastTexts } from '../support/contrast.ts';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gateCommand } from '../../src/commands/gate.ts';
import { reportCommand } from '../../src/commands/report.ts';
import { memoryContext } from '../support/context.ts';
import { DEGRADED_RUNS, XSS_OUTPUT, writeDegradedProject, writeProject } from '../support/report-project.ts';
import { previousPrompts } from '../../src/finish/build-reports.ts';
import { loadBaselineView } from '../../src/io/baseline/baseline-run.ts';
import { readHistory } from '../../src/io/history/history.ts';
import { readRunFold, runDir } from '../../src/io/run/run-store.ts';
import { writeReports } from '../../src/io/reports/write-reports.ts';
import { renderReports } from '../../src/report/render-reports.ts';
import { renderPrComment } from '../../src/report/markdown/pr-comment.ts';
import { Thresholds } from '../../src/schema/eval-config.ts';
import { aggregateRun } from '../../src/score/aggregate-results.ts';
import { gateRun } from '../../src/score/gate.ts';
import { summarizeRun } from '../../src/score/summarize.ts';
import {
  AGENTIC,
  BROKEN,
  CHAT,
  FLAGGED,
  IDLE,
  PLAINTEXT,
  RAN,
  REVIEWER_RUNS,
  writeReviewerProject,
} from '../support/report-reviewer-project.ts';

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

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

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
    await expect(first.locator('details.cell').count()).resolves.toBe(6);
    expect(await first.locator('details.cell').first().isVisible()).toBe(true);

    // The hostile answer is shown as text, and none of it ran or became markup.
    const hostile = page.locator('pre.out', { hasText: 'window.__pwned' }).first();
    expect(await hostile.isVisible()).toBe(true);
    expect(await hostile.textContent()).toBe(XSS_OUTPUT);
    await page.getByText('click me').first().click({ force: true });
    // A handler would run during the click's dispatch; anything it queued runs before the next frame.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve))));
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
    // Simulate a renderer bug: inject raw markup with a handler and an inline script after load. Waits for
    // events, not time: the image's error (its inline handler, first in line, has had its turn) and the
    // script's CSP violation.
    const directives = await page.evaluate(
      () =>
        new Promise<string[]>((resolve) => {
          const seen: string[] = [];
          let imgDone = false;
          const check = () => {
            if (imgDone && seen.some((d) => d.startsWith('script-src'))) resolve(seen);
          };
          document.addEventListener('securitypolicyviolation', (e) => {
            seen.push(e.effectiveDirective);
            check();
          });
          const div = document.createElement('div');
          div.innerHTML = `<img src="x" onerror="window.__pwned='img'">`;
          div.querySelector('img')!.addEventListener('error', () => {
            imgDone = true;
            check();
          });
          document.body.append(div);
          const s = document.createElement('script');
          s.textContent = "window.__pwned='script'";
          document.body.append(s);
        }),
    );
    expect(directives.length).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    await expect.poll(() => violations.join('\n')).toMatch(/Content Security Policy/);
    await page.close();
  });
});

describe.skipIf(!executablePath && !required)('HTML report of a degraded variant: from the gate to the evidence', () => {
  let root: string;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    if (!executablePath) throw new Error('AGENT_EVALS_REQUIRE_BROWSER=1 but no chromium found (CHROMIUM_PATH or `which chromium`)');
    root = await mkdtemp(path.join(tmpdir(), 'agent-evals-degraded-'));
    // 5 variants × 2 models × 4 scenarios × 3 identical repeats; reviewer-terse broke after the baseline.
    await writeDegradedProject(root);
    expect(await gateCommand(memoryContext(root), { run: DEGRADED_RUNS.current })).toBe(1);
    url = pathToFileURL(path.join(root, 'reports', 'index.html')).href;
    browser = await chromium.launch({ executablePath, headless: true, args: LAUNCH_ARGS });
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
    await page.goto(url, { waitUntil: 'load' });
    return { page, problems };
  }

  it('Tab reaches the gate links first', async () => {
    const { page, problems } = await open(1400);
    const focused: string[] = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate(() => `${document.activeElement!.tagName} in ${document.activeElement!.closest('section')?.id}`));
    }
    expect(focused).toEqual(['A in gate', 'A in gate', 'A in gate']);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("one click from the gate row opens the failing scenario's cell with baseline and current answers side by side", async () => {
    const { page, problems } = await open(1400);
    const row = page.locator('.gate-row.v-regressed').first();
    const link = row.locator('ul.moved a', { hasText: 'scenario-0' });
    const target = (await link.getAttribute('href'))!.slice(1);
    await link.click();
    const cell = page.locator(`[id="${target}"]`);
    await page.waitForFunction((id) => (document.getElementById(id) as HTMLDetailsElement).open, target);
    expect(await page.evaluate((id) => (document.getElementById(id)!.closest('details.scenario') as HTMLDetailsElement).open, target)).toBe(
      true,
    );
    await expect(cell.locator(':scope > summary').textContent()).resolves.toMatch(
      /reviewer-terse @ \S+ 0\/3 passed · baseline → now 3\/3 → 0\/3/,
    );
    const base = cell.locator('.side.base pre.out').first();
    const now = cell.locator('.side:not(.base) pre.out').first();
    expect(await base.isVisible()).toBe(true);
    expect(await now.isVisible()).toBe(true);
    await expect(base.textContent()).resolves.toMatch(/line 10 drops the null check/);
    await expect(now.textContent()).resolves.toMatch(/nothing stands out/);
    const [b, n] = [(await base.boundingBox())!, (await now.boundingBox())!];
    expect(Math.abs(b.y - n.y)).toBeLessThan(5);
    expect(b.x + b.width).toBeLessThanOrEqual(n.x);
    // The cell is on screen after the jump.
    const box = (await cell.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(-1);
    expect(box.y).toBeLessThan(900);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('one click from the gate row reaches the prompt diff against the baseline, wrapped, changed words marked', async () => {
    const { page, problems } = await open(1400);
    const link = page.locator('.gate-row.v-regressed a.diff-link').first();
    const target = (await link.getAttribute('href'))!.slice(1);
    await link.click();
    await page.waitForFunction((id) => (document.getElementById(id) as HTMLDetailsElement).open, target);
    const diff = page.locator(`[id="${target}"]`);
    await expect(diff.locator('summary').textContent()).resolves.toContain(
      `reviewer-terse: baseline run ${DEGRADED_RUNS.baseline} → this run`,
    );
    await expect(diff.locator('del mark').allInnerTexts()).resolves.toContain('Always');
    await expect(diff.locator('ins mark').allInnerTexts()).resolves.toContain('Never');
    const text = diff.locator('.difftext');
    expect(await text.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('any two answers picked with "compare" get a word diff, built under the CSP from text only', async () => {
    const { page, problems } = await open(1400);
    const scenario = page.locator('details.scenario').first();
    await scenario.locator(':scope > summary').click();
    const cell = scenario.locator('details.cell[open]').first();
    const picks = cell.locator('label.pick input');
    await picks.nth(0).check(); // the baseline's answer
    await expect(page.locator('#cmp').isVisible()).resolves.toBe(false);
    await picks.nth(1).check(); // the current one
    const panel = page.locator('#cmp');
    await expect(panel.isVisible()).resolves.toBe(true);
    await expect(panel.locator('del').allInnerTexts()).resolves.toContain('drops');
    await expect(panel.locator('ins').allInnerTexts()).resolves.toContain('looks');
    await page.locator('#cmp-x').click();
    await expect(panel.isVisible()).resolves.toBe(false);
    await expect(picks.nth(0).isChecked()).resolves.toBe(false);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('keeps one scenario at 5 variants × 2 models × 3 identical repeats under 3,000 px tall at 1,400 px', async () => {
    const { page } = await open(1400);
    const scenario = page.locator('details.scenario').first();
    await scenario.locator(':scope > summary').click();
    const height = await scenario.evaluate((d) => d.getBoundingClientRect().height);
    console.info(`report-browser: one scenario's drill-down is ${Math.round(height)} px tall at 1,400 px`);
    expect(height).toBeGreaterThan(200);
    expect(height).toBeLessThan(3_000);
    await expect(scenario.locator('details.cell').count()).resolves.toBe(10);
    await page.close();
  });

  it('filters the scenario list without a server: worse than baseline, with failures, all', async () => {
    const { page, problems } = await open(1400);
    const shown = () => page.locator('details.scenario').evaluateAll((ds) => ds.filter((d) => (d as HTMLElement).offsetParent).length);
    const rows = () =>
      page.locator('#scenario-grid tbody tr').evaluateAll((rs) => rs.filter((r) => (r as HTMLElement).offsetParent).length);
    expect([await shown(), await rows()]).toEqual([5, 5]);
    await page.getByLabel(/worse than baseline/).check();
    expect([await shown(), await rows()]).toEqual([3, 3]);
    await page.getByLabel(/with failures/).check();
    expect([await shown(), await rows()]).toEqual([4, 4]);
    await page.locator('#f-all').check();
    expect(await shown()).toBe(5);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('has no horizontal page scroll at 390 px, even with every section open', async () => {
    const { page, problems } = await open(390);
    await page.evaluate(() => {
      for (const d of document.querySelectorAll('details')) (d as HTMLDetailsElement).open = true;
    });
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, body: document.body.scrollWidth }));
    expect(widths.page).toBeLessThanOrEqual(390);
    expect(widths.body).toBeLessThanOrEqual(390);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('gives every text at least 4.5:1 contrast', async () => {
    const { page } = await open(1400);
    await page.evaluate(() => {
      for (const d of document.querySelectorAll('details')) (d as HTMLDetailsElement).open = true;
    });
    const { checked, low } = await page.evaluate(lowContrastTexts, 'body *');
    expect(checked).toBeGreaterThan(200);
    expect(low).toEqual([]);
    // The check can fail: the old ★ colour on its tint was 2.6:1.
    await page.evaluate(() => {
      const cell = document.createElement('td');
      cell.className = 'is-best';
      const star = document.createElement('span');
      star.className = 'probe';
      star.textContent = '★';
      star.style.color = '#c59400';
      cell.append(star);
      document.querySelector('#matrix tbody tr')!.append(cell);
    });
    expect((await page.evaluate(lowContrastTexts, 'body *')).low.some((l) => l.includes('probe'))).toBe(true);
    await page.close();
  });
});

/**
 * Issue 29: the report as a reviewer reads it, on the story's own data (report-reviewer-project.ts):
 * 17 agents of which 4 ran, a one-run series, a flagged rubric, an agentic model without a baseline,
 * an ESC in a file name an agent created. The page is assembled as `gate` assembles it (the run folded
 * from disk, history, the baseline with its run folder, the previous prompts), with the rubric
 * calibration `finish/rubric-trust.ts` reads from the cache (that path: report-rubric-trust.test.ts).
 */
describe.skipIf(!executablePath && !required)('HTML report read by a reviewer (issue 29)', () => {
  let root: string;
  let browser: Browser;
  let url: string;
  let prComment: string;

  beforeAll(async () => {
    if (!executablePath) throw new Error('AGENT_EVALS_REQUIRE_BROWSER=1 but no chromium found (CHROMIUM_PATH or `which chromium`)');
    root = await mkdtemp(path.join(tmpdir(), 'agent-evals-reviewer-'));
    const runId = await writeReviewerProject(root);
    const run = await readRunFold(runDir(root, runId));
    const { entries } = await readHistory(root);
    const baseline = (await loadBaselineView(root))!;
    const gate = gateRun({
      current: aggregateRun(run.results, { grader: run.meta.grader }),
      baseline: baseline.cells,
      thresholds: Thresholds.parse({}),
      plannedCells: run.meta.plannedCells,
    });
    expect(gate.exitCode).toBe(1);
    await writeReports(
      root,
      renderReports({
        meta: run.meta,
        results: run.results,
        shown: run.shown,
        summary: summarizeRun(runId, run.results),
        history: entries,
        gate,
        baseline,
        previousPrompts: await previousPrompts(root, run.meta),
        rubricTrust: FLAGGED,
      }),
    );
    prComment = renderPrComment({
      gate,
      runId,
      evidence: { meta: run.meta, results: run.results, baselineCells: baseline.cells, rubricTrust: FLAGGED },
    });
    url = pathToFileURL(path.join(root, 'reports', 'index.html')).href;
    browser = await chromium.launch({ executablePath, headless: true, args: LAUNCH_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function open(width: number, height = 900) {
    const page = await browser.newPage({ viewport: { width, height } });
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(url, { waitUntil: 'load' });
    return { page, problems };
  }

  it('item 1: prompt diffs list only the 4 variants that ran, each once, the unchanged folded into one line', async () => {
    const { page, problems } = await open(1400);
    const prompts = page.locator('#prompts');
    const text = (await prompts.textContent())!;
    for (const idle of IDLE) expect(text).not.toContain(idle);
    expect(text.match(/unchanged since the baseline/g)).toHaveLength(1);
    await expect(prompts.locator('details.folded > summary').first().textContent()).resolves.toBe(
      `3 variants unchanged since the baseline (run ${REVIEWER_RUNS.baseline})`,
    );
    await expect(prompts.locator('details.diff summary').first().textContent()).resolves.toContain(
      `${BROKEN}: baseline run ${REVIEWER_RUNS.baseline} → this run`,
    );
    // The link to an unchanged variant's prompt diff opens the fold it sits in.
    const anchor = prompts.locator('details.folded span[id]', { hasText: /^reviewer$/ });
    expect(await anchor.isVisible()).toBe(false);
    const id = (await anchor.getAttribute('id'))!;
    await page.evaluate((target) => (location.hash = `#${target}`), id);
    await page.waitForFunction((target) => (document.getElementById(target)!.closest('details') as HTMLDetailsElement).open, id);
    expect(await anchor.isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('item 2: no empty section: pairwise comparisons in one line, a one-run series as a number', async () => {
    const { page, problems } = await open(1400);
    await expect(page.locator('#no-pairs').textContent()).resolves.toBe(
      'Pairwise comparisons: none, each agent ran a single variant per model.',
    );
    await expect(page.getByText('every pair with its test').count()).resolves.toBe(0);
    const single = page.locator('#trends p.single');
    await expect(single.textContent()).resolves.toMatch(
      new RegExp(`^One run so far \\(a trend needs two\\): auditor @ ${AGENTIC} 100% \\(9/9, run ${REVIEWER_RUNS.current}\\)`),
    );
    const charts = await page.locator('#trends figure.chart figcaption').allInnerTexts();
    // Two runs on the chat model: the broken variant's drop is drawn, the three flat series fold into one line.
    expect(charts).toEqual([expect.stringMatching(new RegExp(`^${BROKEN} @ ${CHAT} 0% · 2 runs`))]);
    await expect(page.locator('#trends p.flat').textContent()).resolves.toContain(`reviewer @ ${CHAT} 100% × 2 runs`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('item 3: the verdict resting on the flagged rubric says so beside it, in the gate and in the drill-down', async () => {
    const { page, problems } = await open(1400);
    const trust = page.locator('#gate #trust');
    expect(await trust.isVisible()).toBe(true);
    await expect(trust.textContent()).resolves.toContain(
      'it rests on 1 flagged rubric (scenario-0: rubric `safe-advice` flagged by its last calibration with openai:chat:judge (accuracy 0.50))',
    );
    await expect(page.locator('.gate-row.v-regressed p.trust').first().isVisible()).resolves.toBe(true);
    // The plain-text answer's ✓ has the note beside it.
    const scenario = page.locator('details.scenario', { has: page.locator('summary b', { hasText: /^scenario-0$/ }) });
    await expect(scenario.locator(':scope > summary .trust').textContent()).resolves.toBe('⚠ rubric flagged by calibration');
    await scenario.locator(':scope > summary').click();
    const cell = scenario.locator('details.cell', { hasText: `writer @ ${CHAT}` });
    await cell.locator(':scope > summary').click();
    const verdict = cell.locator('li.ok', { hasText: 'safe-advice' }).first();
    expect(await verdict.isVisible()).toBe(true);
    await expect(verdict.textContent()).resolves.toMatch(
      /^✓ safe-advice rubric — meets the rubric ⚠ rubric `safe-advice` flagged by its last calibration/,
    );
    await expect(cell.locator('pre.out').first().textContent()).resolves.toBe(PLAINTEXT);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('item 4: the Gate section says the agentic model has no baseline yet (thresholds only) and what to do', async () => {
    const { page, problems } = await open(1400);
    const note = page.locator('#gate #no-baseline');
    expect(await note.isVisible()).toBe(true);
    await expect(note.textContent()).resolves.toMatch(
      new RegExp(`^No baseline yet for 1 of 2 models: thresholds only \\(${AGENTIC}\\)\\..*agent-evals bless ${REVIEWER_RUNS.current}`),
    );
    // The four new rows share one line instead of a block each.
    await expect(page.locator('#gate .gate-row.v-new').count()).resolves.toBe(0);
    await expect(page.locator('#gate-new').textContent()).resolves.toBe(
      `4 variant × model new, with no baseline to compare with: ${RAN.map((v) => `${v} @ ${AGENTIC} 100% (9/9)`).join(' · ')}.`,
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it('item 5: the PR comment carries the regressed row, its scenarios and failing assertions', () => {
    const why = prComment.slice(prComment.indexOf('#### Why'));
    expect(why).toMatch(
      new RegExp(`^- \\*\\*${BROKEN}\\*\\*: Regressed on ${CHAT}: 100% → 0% \\(−100 pts\\), 3 of 3 scenarios worse`, 'm'),
    );
    expect(why).toContain('  - `scenario-1` 3/3 → 0/3 · failing: cites-line — cites-line: no line number in the answer');
  });

  it('item 6: the ESC in a file name an agent created and in an answer is shown, never passed on', async () => {
    const { page, problems } = await open(1400);
    await page.evaluate(() => {
      for (const d of document.querySelectorAll('details')) (d as HTMLDetailsElement).open = true;
    });
    const body = await page.evaluate(() => document.body.textContent!);
    expect(body).toContain('changed notes␛[31m.md');
    expect(body).toContain('Wrote the summary to notes␛[31m.md.␛[2J Done');
    expect(body).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/);
    for (const file of ['summary.md', 'junit.xml', 'index.html']) {
      const text = await readFile(path.join(root, 'reports', file), 'utf8');
      expect({ file, raw: /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/.test(text) }).toEqual({ file, raw: false });
    }
    expect(prComment).not.toContain('\u001b');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('item 7: at 390 px the contents bar fits, stays at the top while scrolling, and a full-page capture paints it once, at the top', async () => {
    const { page, problems } = await open(390, 844);
    const toc = page.locator('nav.toc');
    const fits = await toc.evaluate((el) => ({ right: el.getBoundingClientRect().right, scroll: el.scrollWidth, client: el.clientWidth }));
    expect(fits.right).toBeLessThanOrEqual(390);
    expect(fits.scroll).toBeLessThanOrEqual(fits.client);
    for (const link of await toc.locator('a').all()) {
      const box = (await link.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }
    // Scrolled to the middle, the bar stays at the top of the screen.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight / 2));
    const box = (await toc.boundingBox())!;
    expect(Math.round(box.y)).toBe(0);
    expect(box.height).toBeLessThan(120);
    // A full-page capture: mark the bar's background, then find which rows of the image carry it.
    await page.evaluate(() => window.scrollTo(0, 0));
    await toc.evaluate((el) => {
      (el as HTMLElement).style.background = 'rgb(255, 0, 255)';
    });
    const png = await page.screenshot({ fullPage: true, type: 'png' });
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    const probe = await browser.newPage();
    const rows = await probe.evaluate(async (data) => {
      const img = new Image();
      img.src = `data:image/png;base64,${data}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(2, 0, 1, img.height).data;
      const found: number[] = [];
      for (let y = 0; y < img.height; y++) if (px[y * 4] === 255 && px[y * 4 + 1] === 0 && px[y * 4 + 2] === 255) found.push(y);
      return { found, total: img.height };
    }, png.toString('base64'));
    await probe.close();
    // Painted once, in one band at the top of the page (where it sits in the markup's flow), nowhere else.
    expect(rows.total).toBeGreaterThanOrEqual(height - 1);
    expect(rows.found.length).toBeGreaterThan(10);
    expect(rows.found[0]!).toBeLessThan(5);
    expect(rows.found.at(-1)! - rows.found[0]!).toBe(rows.found.length - 1);
    expect(rows.found.length).toBeLessThan(120);
    expect(problems).toEqual([]);
    await page.close();
  });
});
