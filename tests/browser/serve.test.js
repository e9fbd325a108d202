// End-to-end tests of `lbos serve` in Debian's headless Chromium, driven by playwright-core.
// The server is the already built binary (LBOS_BIN, default target/release/lbos); it is started
// with --port 0 and the port is read from its first line of output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = process.env.LBOS_BIN || join(root, 'target', 'release', 'lbos');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let server, base, ctx, page, tmp;
const dialogs = [];

const FILE_PROGRAM = `# A file from the command line
s = Semaphore(0)

## Thread waiter x2
s.wait()

## Thread signaller
s.signal()
`;

before(async () => {
  assert.ok(existsSync(BIN), `no lbos binary at ${BIN} (build it or set LBOS_BIN)`);
  tmp = mkdtempSync(join(tmpdir(), 'lbos-browser-'));
  const file = join(tmp, 'wake.sync');
  writeFileSync(file, FILE_PROGRAM);
  server = spawn(BIN, ['serve', '--port', '0', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  base = await new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`the server did not start: ${out}`)), 15000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    server.on('exit', (code) => fail(new Error(`the server exited with ${code}: ${out}`)));
  });
  ctx = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 900 },
  });
  page = ctx.pages()[0] || await ctx.newPage();
  page.setDefaultTimeout(15000);
  // Leaving a page with unsaved edits asks (beforeunload): note it and leave.
  page.on('dialog', (d) => { dialogs.push(d.type()); d.accept().catch(() => {}); });
});

after(async () => {
  await ctx?.close();
  server?.kill();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// Opens a program by shareable URL (a fresh navigation each time).
async function openHash(hash) {
  await page.goto('about:blank');
  await page.goto(base + hash);
  await page.waitForSelector('#view-sim:not([hidden]) .chip.current');
}

const lineOf = (name) => page.$eval(`.row button.thread[data-thread="${name}"]`, (b) => Number(b.closest('.row').dataset.line));
const currentStep = () => page.$eval('.chip.current', (c) => Number(c.dataset.step));
const stepCount = () => page.$$eval('.chip', (c) => c.length - 1);
async function waitStep(n) {
  await page.waitForFunction((n) => document.querySelector('.chip.current')?.dataset.step === String(n), n);
}

test('the catalog lists every chapter and opens an entry', async () => {
  await page.goto(base);
  await page.waitForSelector('.entry');
  const chapters = await page.$$eval('.chapter h2', (h) => h.map((x) => x.textContent));
  assert.ok(chapters.includes('Chapter 3'), chapters.join(', '));
  assert.ok(chapters.includes('Files from the command line'));
  assert.ok((await page.$$('.entry')).length >= 10);
  await page.click('button.prog[data-id="rendezvous/rendezvous-deadlock"]');
  await page.waitForSelector('#view-sim:not([hidden]) .row button.thread[data-thread="A"]');
  assert.equal(await page.getAttribute('#tab-sim', 'aria-selected'), 'true');
  const cols = await page.$$eval('.column h2', (h) => h.map((x) => x.textContent));
  assert.ok(cols[0].startsWith('A') && cols[1].startsWith('B'), cols.join(' | '));
  // The initialization block shows values next to the variables.
  assert.equal(await page.textContent('.init [data-var="a1done"]'), 'False');
  assert.equal(await page.textContent('.obj[data-object="aArrived"] .obj-value'), '0');
});

test('clicking a thread steps it, Back undoes, Forward redoes', async () => {
  await openHash('#p=rendezvous/rendezvous-deadlock');
  const a0 = await lineOf('A');
  await page.click('.row button.thread[data-thread="A"]');
  await waitStep(1);
  const a1 = await lineOf('A');
  assert.ok(a1 > a0, `A moved from ${a0} to ${a1}`);
  await page.click('.row button.thread[data-thread="A"]');
  await waitStep(2);
  assert.equal(await page.textContent('.init [data-var="a1done"]'), 'True');
  await page.click('#back');
  await waitStep(1);
  assert.equal(await lineOf('A'), a1);
  assert.equal(await page.textContent('.init [data-var="a1done"]'), 'False');
  await page.click('#back');
  await waitStep(0);
  assert.equal(await lineOf('A'), a0);
  assert.equal(await stepCount(), 2, 'undone steps stay in the timeline until a new move');
  await page.click('#forward');
  await waitStep(1);
  assert.equal(await lineOf('A'), a1);
  // A new move after Back replaces the rest of the schedule.
  await page.click('.row button.thread[data-thread="B"]');
  await waitStep(2);
  assert.equal(await stepCount(), 2);
});

test('keyboard: letters and digits step threads, arrows move in the timeline, Shift+S steps all', async () => {
  await openHash('#p=rendezvous/rendezvous-deadlock');
  const a0 = await lineOf('A');
  const b0 = await lineOf('B');
  await page.keyboard.press('a');
  await waitStep(1);
  await page.keyboard.press('2'); // thread 2 is B
  await waitStep(2);
  assert.ok((await lineOf('A')) > a0);
  assert.ok((await lineOf('B')) > b0);
  await page.keyboard.press('ArrowLeft');
  await waitStep(1);
  assert.equal(await lineOf('B'), b0);
  await page.keyboard.press('ArrowRight');
  await waitStep(2);
  await page.keyboard.press('Home');
  await waitStep(0);
  await page.keyboard.press('End');
  await waitStep(2);
  await page.keyboard.press('Shift+S'); // one step of each runnable thread
  await waitStep(4);
  const steps = await page.$$eval('.chip b', (b) => b.map((x) => x.textContent));
  assert.deepEqual(steps.slice(2), ['A', 'B']);
  await page.keyboard.press('Shift+X'); // reset
  await waitStep(0);
  assert.equal(await stepCount(), 0);
});

test('the shareable URL restores program and schedule', async () => {
  await openHash('#p=rendezvous/rendezvous-deadlock');
  await page.keyboard.press('a');
  await waitStep(1);
  await page.keyboard.press('b');
  await waitStep(2);
  await page.keyboard.press('a');
  await waitStep(3);
  await page.keyboard.press('ArrowLeft');
  await waitStep(2);
  const url = page.url();
  assert.match(url, /#p=rendezvous%2Frendezvous-deadlock&m=0_1_0&at=2$/);
  const lines = [await lineOf('A'), await lineOf('B')];
  const other = await ctx.newPage();
  try {
    await other.goto(url);
    await other.waitForSelector('.chip.current[data-step="2"]');
    const got = await other.$$eval('.row button.thread', (bs) => bs.map((b) => Number(b.closest('.row').dataset.line)));
    assert.deepEqual(got, lines);
    assert.equal(await other.$$eval('.chip', (c) => c.length - 1), 3);
  } finally {
    await other.close();
  }
  // Edited code travels in the URL itself.
  const src = Buffer.from('x = 1\n\n## Thread\nx = 2\n').toString('base64url');
  await openHash(`#src=${src}&m=0`);
  await waitStep(1);
  assert.equal(await page.textContent('.init [data-var="x"]'), '2');
});

test('a check finds the deadlock and its trace replays to it, forward and back', async () => {
  await openHash('#p=barrier/barrier-deadlock');
  await page.click('#tab-check');
  await page.click('#run-check');
  await page.waitForSelector('#verdict[data-verdict="deadlock"]');
  const stats = await page.textContent('table.stats');
  assert.match(stats, /States\s*[\d,]+/);
  await page.click('#replay');
  await page.waitForSelector('#view-sim:not([hidden])');
  await waitStep(0);
  const n = await stepCount();
  assert.ok(n > 3, `trace of ${n} steps`);
  for (let i = 1; i <= n; i++) {
    await page.keyboard.press('ArrowRight');
    await waitStep(i);
    if (i < n) assert.equal(await page.$('.status.deadlock'), null, `deadlock announced early at ${i}`);
  }
  await page.waitForSelector('.status.deadlock');
  const said = await page.$eval('.status.deadlock', (e) => e.textContent);
  assert.match(said, /^Deadlock: no thread can move/, 'the kind is said once');
  const involved = await page.$$eval('button.thread.involved', (b) => [...new Set(b.map((x) => x.dataset.thread))]);
  assert.ok(involved.length >= 2, involved.join());
  const queue = await page.$$eval('.obj[data-object="barrier"] .queue button.thread', (b) => b.map((x) => x.dataset.thread));
  assert.ok(queue.length >= 2, 'the blocked threads sit in the queue of barrier');
  // Back in the timeline, then take over: the rest of the counterexample is replaced.
  await page.keyboard.press('ArrowLeft');
  await waitStep(n - 1);
  assert.equal(await page.$('.status.deadlock'), null);
  await page.keyboard.press('Home');
  await waitStep(0);
  await page.keyboard.press('c');
  await waitStep(1);
  assert.equal(await stepCount(), 1);
  // The trace diagram draws one lane per thread and the wake-up arrows.
  await openHash('#p=barrier/barrier-deadlock&m=' + '0_'.repeat(6) + '1_1_1_1_1_1_2_2_2_2_2_2');
  await waitStep(18);
  await page.click('#tab-trace');
  await page.waitForSelector('svg.diagram');
  assert.equal(await page.$$eval('svg.diagram .lane', (l) => l.length), 3);
  assert.ok((await page.$$('svg.diagram .wake')).length >= 1, 'a wake-up arrow');
  assert.ok((await page.$$('svg.diagram .lane-blocked')).length >= 1, 'a blocked stretch');
});

test('a starvation check shows the lasso; the timeline marks its cycle and goes round it again', async () => {
  await openHash('#p=no-starve-mutex/mutex-loop');
  await page.click('#tab-check');
  await page.check('#liveness');
  assert.equal(await page.isDisabled('#dfs'), true, 'the starvation search is breadth-first');
  await page.click('#run-check');
  await page.waitForSelector('#verdict[data-verdict="starvation"]');
  assert.match(await page.textContent('#starving'), /A \(Thread 1\) waits at line 7 mutex\.wait\(\) on mutex/);
  await page.click('#replay');
  await page.waitForSelector('#view-sim:not([hidden])');
  await waitStep(0);
  const n = await stepCount();
  const marked = await page.$$eval('.chip.cycle', (c) => c.map((x) => Number(x.dataset.step)));
  const start = marked[0] - 1;
  assert.ok(marked.length > 0 && marked.length < n, `cycle steps ${marked.join()}`);
  assert.deepEqual(marked, Array.from({ length: n - start }, (_, i) => start + 1 + i));
  assert.equal(await page.$$eval('.chip.cycle-start', (c) => c.length), 1);
  // Past the end, → goes round the cycle again: a second round is appended and marked.
  await page.keyboard.press('End');
  await waitStep(n);
  await page.keyboard.press('ArrowRight');
  await waitStep(n + 1);
  assert.equal(await stepCount(), n + (n - start));
  assert.equal(await page.$$eval('.chip.cycle-start', (c) => c.length), 2);
  assert.match(await page.textContent('#lasso'), /round 2/);
  // A blocks on mutex in the prefix and stays blocked all the way round.
  const queue = await page.$$eval('.obj[data-object="mutex"] .queue button.thread', (b) => b.map((x) => x.dataset.thread));
  assert.ok(queue.includes('A'), `mutex queue ${queue.join()}`);
  // Playing goes on by itself; a move of one's own leaves the lasso.
  await page.click('#play-cycle');
  await page.waitForFunction((m) => Number(document.querySelector('.chip.current')?.dataset.step) > m, n + 2);
  await page.click('#play-cycle');
  await page.keyboard.press('Home');
  await waitStep(0);
  await page.keyboard.press('b');
  await waitStep(1);
  assert.equal(await page.$('#lasso'), null);
});

test('a syntax error is reported at its line in the editor', async () => {
  await openHash('#p=rendezvous/rendezvous-deadlock');
  await page.click('#tab-edit');
  await page.waitForSelector('#code');
  const text = await page.inputValue('#code');
  const lines = text.split('\n');
  const k = lines.findIndex((l) => l.startsWith('## Thread B')); // insert after this header
  assert.ok(k > 0);
  const pos = lines.slice(0, k + 1).join('\n').length;
  await page.focus('#code');
  await page.evaluate((pos) => document.querySelector('#code').setSelectionRange(pos, pos), pos);
  await page.keyboard.type('\nb1done = (');
  const bad = k + 2; // 1-based line of the inserted row
  await page.waitForSelector(`.gutter .ln.err[data-line="${bad}"]`);
  await page.waitForSelector(`.diag[data-line="${bad}"]`);
  assert.match(await page.textContent('.diag'), new RegExp(`Line ${bad}, column \\d+`));
  assert.equal(await page.$$eval('.overlay .err-line', (l) => l.map((x) => x.dataset.line).join()), String(bad));
  await page.click('#tab-sim');
  await page.waitForSelector('.status.assertion');
  // Fixing it makes the program runnable again.
  await page.click('#tab-edit');
  await page.focus('#code');
  await page.keyboard.type('True)');
  await page.waitForSelector('.ok-line');
  await page.click('#tab-sim');
  await page.waitForSelector('.row button.thread[data-thread="A"]');
});

test('a signal with several waiters lets the user pick which one wakes', async () => {
  await page.goto(base);
  await page.waitForSelector('button.prog[data-file="0"]');
  await page.click('button.prog[data-file="0"]'); // the file from the command line
  await page.waitForSelector('.row button.thread[data-thread="C"]');
  await page.keyboard.press('a');
  await waitStep(1);
  await page.keyboard.press('b');
  await waitStep(2);
  const q = await page.$$eval('.obj[data-object="s"] .queue button.thread', (b) => b.map((x) => x.dataset.thread));
  assert.deepEqual(q, ['A', 'B']);
  await page.click('.row button.thread[data-thread="C"]');
  await page.waitForSelector('dialog#choice[open] button.alt');
  const alts = await page.$$eval('dialog#choice button.alt', (b) => b.map((x) => x.textContent));
  assert.ok(alts[0].includes('wake A') && alts[1].includes('wake B'), alts.join(' | '));
  await page.keyboard.press('2');
  await waitStep(3);
  const left = await page.$$eval('.obj[data-object="s"] .queue button.thread', (b) => b.map((x) => x.dataset.thread));
  assert.deepEqual(left, ['A'], 'B was woken, A still waits');
  // Create thread: a second signaller wakes the last waiter.
  await page.click('.column[data-column="1"] button.spawn');
  await waitStep(4);
  await page.waitForSelector('.row button.thread[data-thread="D"]');
  await page.keyboard.press('d');
  await waitStep(5);
  assert.equal((await page.$$('.obj[data-object="s"] .queue button.thread')).length, 0);
});

test('faults are announced: an invariant, an assertion; a lightswitch shows its sub-step', async () => {
  await openHash('#p=mutex/mutex-none&m=0_1');
  await page.waitForSelector('.status.invariant');
  assert.ok((await page.$$('.inv.bad')).length === 1);
  assert.equal(await page.$$eval('button.thread.involved', (b) => b.map((x) => x.dataset.thread).join()), 'B');
  await openHash('#p=barrier/barrier-none');
  await page.keyboard.press('a');
  await waitStep(1);
  let guard = 0;
  while (!(await page.$('.status.assertion')) && guard++ < 10) {
    await page.keyboard.press('a');
    await page.waitForTimeout(150);
  }
  await page.waitForSelector('.status.assertion');
  assert.ok((await page.$$('button.thread.involved[data-thread="A"]')).length >= 1);
  await openHash('#p=readers-writers/rw-lightswitch&m=2_2');
  await page.waitForSelector('.substep');
  assert.match(await page.textContent('.substep'), /sub-step 2 of 4/);
});

test('Run and Random run step until stopped; Random step steps once', async () => {
  await openHash('#p=mutex/mutex');
  await page.click('#random-step');
  await waitStep(1);
  await page.fill('#speed', '20').catch(() => {});
  await page.click('#run');
  await page.waitForFunction(() => Number(document.querySelector('.chip.current')?.dataset.step) >= 6);
  // At once (the board is redrawn at every step, so an actionability wait could outlast the run).
  await page.$eval('#stop', (b) => b.click());
  const n = await currentStep();
  await page.waitForTimeout(400);
  assert.equal(await currentStep(), n, 'stopped');
  await page.keyboard.press('Shift+Q');
  await page.waitForFunction((n) => Number(document.querySelector('.chip.current')?.dataset.step) >= n + 3, n);
  await page.keyboard.press('Escape');
});

test('a long check shows progress and can be cancelled', async () => {
  const src = Buffer.from('## Thread x3\nself.i = 0\nwhile True:\n    self.i = (self.i + 1) % 1000000\n').toString('base64url');
  await openHash(`#src=${src}`);
  await page.click('#tab-check');
  await page.click('#run-check');
  await page.waitForFunction(() => /[1-9][\d,]* states/.test(document.querySelector('#check-progress')?.textContent || ''));
  assert.match(await page.textContent('#check-progress'), /limits: [\d,]+ states/);
  await page.click('#cancel-check');
  await page.waitForSelector('#verdict[data-verdict="incomplete"]');
  assert.match(await page.textContent('#verdict'), /cancelled/);
  // The same by keyboard: Shift+C checks, Esc cancels.
  await page.focus('#tab-check');
  await page.keyboard.press('Shift+C');
  await page.waitForSelector('#check-progress');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#verdict[data-verdict="incomplete"]');
});

// ---- Layouts and classroom features, at a phone's size and a projector's. ----

const SIZES = { phone: { width: 390, height: 844 }, projector: { width: 1280, height: 800 } };
const DEFAULT_SIZE = { width: 1400, height: 900 };

const rect = (el) => { const r = el.getBoundingClientRect(); return { left: r.left, top: r.top, right: r.right, bottom: r.bottom }; };
const box = (sel) => page.$eval(sel, rect);
const boxes = (sel) => page.$$eval(sel, (els) => els.map((el) => { const r = el.getBoundingClientRect(); return { left: r.left, top: r.top, right: r.right, bottom: r.bottom }; }));
function assertInside(b, vp, what) {
  assert.ok(b.left >= -0.5 && b.top >= -0.5 && b.right <= vp.width + 0.5 && b.bottom <= vp.height + 0.5,
    `${what} ${JSON.stringify(b)} is not inside ${vp.width}×${vp.height}`);
}
async function assertNoHorizontalOverflow(what) {
  const [sw, w] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(sw <= w, `${what}: the page is ${sw} px wide in a ${w} px window`);
}
async function withSize(size, f) {
  await page.setViewportSize(size);
  try { await f(size); } finally { await page.setViewportSize(DEFAULT_SIZE); }
}
const chipThreads = () => page.$$eval('.chip b', (b) => b.map((x) => x.textContent));

for (const [name, size] of Object.entries(SIZES)) {
  test(`${name}: opening a program low in the catalog starts at the top, its threads on screen`, () => withSize(size, async (vp) => {
    await page.goto('about:blank');
    await page.goto(base);
    await page.waitForSelector('button.prog[data-id="santa-claus/santa"]');
    await page.$eval('button.prog[data-id="santa-claus/santa"]', (b) => b.scrollIntoView());
    assert.ok(await page.evaluate(() => window.scrollY) > 500, 'Santa is far down the catalog');
    await page.click('button.prog[data-id="santa-claus/santa"]');
    await page.waitForSelector('#view-sim:not([hidden]) .column[data-column="2"]');
    assert.equal(await page.evaluate(() => window.scrollY), 0);
    assertInside(await box('#step'), vp, 'the Step button');
    await assertNoHorizontalOverflow('Santa');
    const cols = await boxes('.column[data-column]');
    assert.equal(cols.length, 3);
    if (name === 'projector') {
      // Side by side, not stacked: equal tops, left to right, every one wholly on screen.
      for (const c of cols) assertInside(c, vp, 'a thread column');
      assert.ok(cols.every((c) => Math.abs(c.top - cols[0].top) < 1), `tops ${cols.map((c) => c.top)}`);
      assert.ok(cols[0].right <= cols[1].left && cols[1].right <= cols[2].left);
    } else {
      // Stacked, full width, the first one starting on screen; every thread circle within the width.
      assert.ok(cols[0].top < vp.height / 2, `the threads start at ${cols[0].top}`);
      assert.ok(cols.every((c) => c.left >= 0 && c.right <= vp.width));
      assert.ok(cols[0].bottom <= cols[1].top);
      for (const b of await boxes('.row button.thread')) assert.ok(b.left >= 0 && b.right <= vp.width, JSON.stringify(b));
    }
  }));

  test(`${name}: every view fits the width and every tab is on screen`, () => withSize(size, async (vp) => {
    await openHash('#p=santa-claus/santa');
    for (const tab of ['catalog', 'sim', 'edit', 'check', 'trace']) {
      await page.click(`#tab-${tab}`);
      await page.waitForSelector(`#view-${tab}:not([hidden])`);
      if (tab === 'catalog') await page.waitForSelector('.entry');
      await assertNoHorizontalOverflow(`the ${tab} view`);
      assert.equal(await page.evaluate(() => window.scrollY), 0, `${tab} opens at its top`);
      for (const b of await boxes('.tabs [role=tab]')) assertInside(b, vp, 'a tab');
      assertInside(await box('#exercise'), vp, 'the exercise-mode switch');
      for (const id of ['open-trace', 'save-trace', 'share', 'help-btn']) {
        assertInside(await box(`#${id}`), vp, `the ${id} button`);
      }
    }
  }));

  test(`${name}: thread-local values are on the board and the next mover is marked`, () => withSize(size, async (vp) => {
    // Both threads read count (0) into self.temp; A is next to write it back.
    await openHash('#p=concurrent-updates/updates-split&m=0_1_0_1&at=2');
    await waitStep(2);
    assert.equal(await page.textContent('.locals[data-locals="A"]'), 'A self.temp = 0');
    assert.equal(await page.textContent('.locals[data-locals="B"]'), 'B self.temp = 0');
    const l = await box('.locals[data-locals="B"]');
    assert.ok(l.left >= 0 && l.right <= vp.width, `B's values are on screen: ${JSON.stringify(l)}`);
    assert.deepEqual(await page.$$eval('button.thread.next', (b) => b.map((x) => x.dataset.thread)), ['A']);
    assert.equal(await page.textContent('.next-row .next-tag'), '▶ A moves next');
    assert.equal(await page.$eval('.next-row', (r) => r.querySelector('button.thread').dataset.thread), 'A');
    await page.keyboard.press('ArrowRight');
    await waitStep(3);
    assert.deepEqual(await page.$$eval('button.thread.next', (b) => b.map((x) => x.dataset.thread)), ['B']);
    // A wrote count = 0 + 1; its self.temp stays 0.
    assert.equal(await page.textContent('.init [data-var="count"]'), '1');
    assert.equal(await page.textContent('.locals[data-locals="A"]'), 'A self.temp = 0');
    await page.keyboard.press('End');
    await waitStep(4);
    assert.equal(await page.$('button.thread.next'), null, 'nothing is next at the end');
    assert.equal(await page.textContent('.init [data-var="count"]'), '1', 'the lost update');
  }));
}

test('projector: a replayed counterexample marks the thread that moves next at every step', () => withSize(SIZES.projector, async () => {
  await openHash('#p=barrier/barrier-deadlock');
  await page.click('#tab-check');
  await page.click('#run-check');
  await page.waitForSelector('#verdict[data-verdict="deadlock"]');
  // What was checked: the three threads of the one column, weak semaphores, the reductions.
  assert.match(await page.textContent('#checked'),
    /^Checked: 3 threads \(Thread 1 ×3\), weak semaphores \(a signal wakes any waiter\); safety, breadth-first, identical threads merged and partial-order reduction; limits [\d,]+ states, \d+ s, \d+ MiB\.$/);
  await page.click('#replay');
  await waitStep(0);
  // The timeline is drawn before the replayed schedule's view arrives: wait for its steps.
  await page.waitForFunction(() => document.querySelectorAll('.chip').length > 1);
  const order = await chipThreads();
  assert.ok(order.length > 3, `a counterexample of ${order.length} steps`);
  // The board is redrawn after the timeline's chip moves: wait for the mark, then compare.
  const marked = async (want) => {
    await page.waitForFunction((want) => [...document.querySelectorAll('button.thread.next')]
      .map((x) => x.dataset.thread).join() === want, want.join(), { timeout: 5000 }).catch(() => {});
    return page.$$eval('button.thread.next', (b) => b.map((x) => x.dataset.thread));
  };
  for (let i = 0; i < order.length; i++) {
    assert.deepEqual(await marked([order[i]]), [order[i]], `before step ${i + 1}`);
    await page.keyboard.press('ArrowRight');
    await waitStep(i + 1);
  }
  assert.deepEqual(await marked([]), [], 'nothing is marked after the last step');
}));

test('phone: a starvation verdict says it searched without reductions, under which semaphores', () => withSize(SIZES.phone, async (vp) => {
  await openHash('#p=no-starve-mutex/mutex-loop');
  await page.click('#tab-check');
  await page.check('#liveness');
  await page.click('#run-check');
  await page.waitForSelector('#verdict[data-verdict="starvation"]');
  const text = await page.textContent('#checked');
  assert.match(text, /^Checked: 3 threads \(Thread 1 ×3\), weak semaphores/);
  assert.match(text, /safety and starvation under a fair scheduler, breadth-first, no reductions;/);
  const v = await box('#verdict');
  assert.ok(v.left >= 0 && v.right <= vp.width);
  await assertNoHorizontalOverflow('the verdict');
}));

for (const [name, size] of Object.entries(SIZES)) {
  test(`${name}: exercise mode hides expected verdicts and notes; it is remembered and set by ?exercise=`, () => withSize(size, async (vp) => {
    await page.goto('about:blank');
    await page.goto(base);
    await page.waitForSelector('.entry');
    assert.ok((await page.$$('.entry .expect')).length > 50);
    assert.ok((await page.$$('.entry .kind')).length > 50);
    assertInside(await box('#exercise'), vp, 'the exercise-mode switch');
    await page.click('#exercise');
    await page.waitForSelector('#exercise-note');
    assert.equal((await page.$$('.entry .expect')).length, 0);
    assert.equal((await page.$$('.entry .kind')).length, 0);
    assert.equal(await page.$$eval('button.prog[title]:not([title=""])', (b) => b.length), 0, 'no notes as tooltips');
    await page.reload();
    await page.waitForSelector('.entry');
    assert.equal(await page.isChecked('#exercise'), true, 'remembered');
    assert.equal((await page.$$('.entry .expect')).length, 0);
    await page.click('button.prog[data-id="section-3.6-listing-d"]');
    await page.waitForSelector('.row button.thread');
    assert.equal(await page.$('.about'), null, 'no "About this program" with its verdict');
    await page.click('#tab-check');
    assert.match(await page.textContent('#known-survivors'), /explains 2 surviving mutants .*hidden in exercise mode/);
    await page.goto('about:blank');
    await page.goto(base + '?exercise=0');
    await page.waitForSelector('.entry .expect');
    assert.equal(await page.isChecked('#exercise'), false);
    await page.goto('about:blank');
    await page.goto(base + '?exercise=1#p=barrier/barrier');
    await page.waitForSelector('.row button.thread');
    assert.equal(await page.isChecked('#exercise'), true);
    assert.equal(await page.$('.about'), null);
    // A link with the real name opens the neutral form, and the address says so.
    assert.equal(await page.textContent('#prog-title'), 'Section 3.6, listing d');
    assert.match(await page.evaluate(() => location.hash), /^#p=section-3\.6-listing-d$/);
    await page.click('#exercise'); // off again for the other tests
    await page.waitForSelector('.about');
  }));
}

// Programs whose titles, header comments or file names give the answer away.
const SPOILERS = ['barrier/barrier-deadlock', 'concurrent-writes/writes-final-seven-claim',
  'dining-philosophers/philosophers-tanenbaum', 'hilzer-barbershop/hilzer-fixed', 'producer-consumer/pc-broken-consumer'];
const KIND_WORDS = /deadlock|wrong claim|non-solution|as printed|corrected|broken/i;

for (const [name, size] of Object.entries(SIZES)) {
  test(`${name}: exercise mode names programs by section and listing in the catalog, the title, the address, the editor and saved traces; off, the real names are back`, () => withSize(size, async () => {
    await page.goto('about:blank');
    // What the page itself fetches in exercise mode (a student can read it in the network tab).
    const fetched = [];
    const listen = (r) => { if (r.url().includes('/api/')) fetched.push(r); };
    page.on('response', listen);
    await page.goto(base + '?exercise=1');
    await page.waitForSelector('#exercise-note');
    page.off('response', listen);
    const catalog = await page.evaluate(() => fetch('/api/catalog').then((r) => r.json()));
    const programs = new Map(catalog.chapters.flatMap((c) => c.entries.flatMap((e) => e.programs)).map((p) => [p.id, p]));
    const sources = new Map();
    for (const id of SPOILERS) {
      sources.set(id, (await page.evaluate((id) => fetch(`/api/source?catalog=${id}`).then((r) => r.json()), id)).source);
    }
    const spoiled = (text, what) => {
      assert.doesNotMatch(text, KIND_WORDS, `${what} gives the answer away`);
      for (const id of SPOILERS) {
        assert.ok(!text.includes(programs.get(id).title), `${what} shows the title of ${id}`);
        assert.ok(!text.includes(sources.get(id).split('\n')[0]), `${what} shows the header comment of ${id}`);
        assert.ok(!text.includes(id.split('/')[1]), `${what} shows the file name of ${id}`);
      }
    };
    assert.ok(fetched.some((r) => r.url().endsWith('/api/catalog?exercise=1')), fetched.map((r) => r.url()).join(' '));
    for (const r of fetched) {
      const body = await r.text();
      assert.doesNotMatch(body, /"(expect|note|kind)":/, `${r.url()} sends verdicts or notes`);
      for (const id of SPOILERS) assert.ok(!body.includes(programs.get(id).title), `${r.url()} sends the title of ${id}`);
    }
    // The catalog list: every program by section and listing (or number), nothing else.
    const names = await page.$$eval('#view-catalog button.prog[data-id]', (b) => b.map((x) => x.textContent));
    assert.equal(names.length, programs.size);
    for (const n of names) assert.match(n, /^Section [\d.]+, (listing [a-z]+(, variant \d+)?|program \d+)$/);
    spoiled(await page.innerText('#view-catalog'), 'the catalog');
    spoiled(await page.evaluate(() => document.title), 'the tab title');

    for (const id of SPOILERS) {
      const p = programs.get(id);
      await page.click('#tab-catalog');
      await page.click(`button.prog[data-id="${p.exercise_id}"]`);
      await page.waitForSelector('#view-sim:not([hidden]) .row button.thread');
      assert.equal(await page.textContent('#prog-title'), p.exercise_title);
      spoiled(await page.innerText('header.top'), `the header of ${id}`);
      spoiled(await page.innerText('#view-sim'), `the board of ${id}`);
      spoiled(await page.evaluate(() => document.title + ' ' + location.href), `the tab title and address of ${id}`);
      // The address names the program (so its text is the original, not an unsaved edit).
      assert.equal(await page.evaluate(() => location.hash), `#p=${p.exercise_id}`);
      await page.click('#tab-edit');
      const text = await page.inputValue('#code');
      spoiled(text, `the editor of ${id}`);
      assert.equal(text.split('\n')[0], `# ${p.exercise_title}`);
      assert.deepEqual(text.split('\n').slice(1), sources.get(id).split('\n').slice(1), 'only the header changed');
    }
    assert.equal(await page.$('dialog#confirm[open]'), null, 'no unsaved edits to confirm');

    // Checked, the neutral text gives the catalog's verdict; a saved trace has a neutral name.
    const barrier = programs.get('barrier/barrier-deadlock');
    await page.click('#tab-catalog');
    await page.click(`button.prog[data-id="${barrier.exercise_id}"]`);
    await page.waitForSelector('#view-sim:not([hidden]) .row button.thread');
    await page.click('#tab-check');
    await page.click('#run-check');
    await page.waitForSelector('#verdict');
    assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'deadlock');
    const checkText = await page.innerText('#view-check');
    assert.ok(checkText.includes(`“${barrier.exercise_title}”`) && !checkText.includes(barrier.title), checkText);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-trace')]);
    assert.equal(download.suggestedFilename(), 'section-3.6-listing-c.trace.json');

    // Off: the real names, header and address are back, for the open program and the catalog.
    await page.click('#tab-edit');
    await page.click('#exercise');
    await page.waitForFunction((t) => document.querySelector('#prog-title').textContent === t, barrier.title);
    await page.waitForFunction((line) => document.querySelector('#code').value.startsWith(line), sources.get('barrier/barrier-deadlock').split('\n')[0]);
    assert.equal(await page.inputValue('#code'), sources.get('barrier/barrier-deadlock'));
    assert.equal(await page.evaluate(() => location.hash), '#p=barrier%2Fbarrier-deadlock&v=edit');
    // The check of the neutral form stands for the real one (only the header differs).
    await page.click('#tab-check');
    assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'deadlock');
    assert.doesNotMatch(await page.innerText('#verdict'), /changed since this check/);
    assert.equal(await page.isEnabled('#replay'), true, 'the counterexample replays');
    await page.click('#tab-catalog');
    await page.waitForSelector('.entry .expect');
    assert.equal(await page.textContent('button.prog[data-id="barrier/barrier-deadlock"]'), barrier.title);
    assert.equal(await page.$('dialog#confirm[open]'), null);
  }));
}

for (const [name, size] of Object.entries(SIZES)) {
  test(`${name}: Back walks the app's views; replacing unsaved edits asks first`, () => withSize(size, async () => {
    await page.goto('about:blank');
    await page.goto(base);
    await page.waitForSelector('button.prog[data-id="rendezvous/rendezvous"]');
    await page.click('button.prog[data-id="rendezvous/rendezvous"]');
    await page.waitForSelector('#view-sim:not([hidden]) .row button.thread');
    await page.click('#tab-check');
    await page.waitForSelector('#view-check:not([hidden])');
    assert.match(page.url(), /#p=rendezvous%2Frendezvous&v=check$/);
    await page.goBack();
    await page.waitForSelector('#view-sim:not([hidden]) .row button.thread');
    await page.goBack();
    await page.waitForSelector('#view-catalog:not([hidden]) .entry');
    assert.ok(page.url().startsWith(base), `still in the app: ${page.url()}`);
    await page.goForward();
    await page.waitForSelector('#view-sim:not([hidden]) .row button.thread');
    // Edit, then try to open another program: the page asks; keeping the edits keeps them.
    await page.click('#tab-edit');
    await page.focus('#code');
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n# my note\n');
    await page.waitForFunction(() => location.hash.includes('src='));
    await page.click('#tab-catalog');
    await page.click('button.prog[data-id="mutex/mutex"]');
    await page.waitForSelector('dialog#confirm[open]');
    await page.click('#confirm-keep');
    assert.equal(await page.textContent('#prog-title'), 'Both signal, then wait');
    await page.click('#tab-edit');
    assert.match(await page.inputValue('#code'), /# my note/);
    await page.click('#tab-catalog');
    await page.click('button.prog[data-id="mutex/mutex"]');
    await page.waitForSelector('dialog#confirm[open]');
    await page.click('#confirm-discard');
    await page.waitForSelector('#view-sim:not([hidden]) .row button.thread');
    assert.notEqual(await page.textContent('#prog-title'), 'Both signal, then wait');
    // Leaving the page with edits asks too (the browser's own question).
    await page.click('#tab-edit');
    await page.focus('#code');
    await page.keyboard.type('# another note\n');
    await page.waitForFunction(() => location.hash.includes('src='));
    const title = await page.textContent('#prog-title');
    // An address naming another program (typed, or Back to another opening) asks too.
    await page.evaluate(() => { location.hash = '#p=rendezvous%2Frendezvous'; });
    await page.waitForSelector('dialog#confirm[open]');
    await page.click('#confirm-keep');
    await page.waitForFunction(() => location.hash.includes('src='));
    assert.equal(await page.textContent('#prog-title'), title);
    assert.match(await page.inputValue('#code'), /# another note/);
    dialogs.length = 0;
    await page.goto('about:blank');
    assert.deepEqual(dialogs, ['beforeunload']);
  }));
}

test('assets come gzipped with an entity tag, revalidate with 304, and the page has a favicon', async () => {
  const res = await fetch(base + 'app/style.css', { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-encoding'), 'gzip');
  assert.match(await res.text(), /@media \(max-width: 700px\)/);
  const etag = res.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{16}"$/);
  const again = await fetch(base + 'app/style.css', { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  await page.goto(base);
  const icon = await page.$eval('link[rel=icon]', (l) => l.href);
  const svg = await fetch(icon);
  assert.equal(svg.status, 200);
  assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
  assert.equal((await fetch(base + 'favicon.ico')).status, 200);
});

test('the mutants panel lists the catalog\'s survivors and the analysis finds exactly those', async () => {
  await openHash('#p=barrier/barrier');
  await page.click('#tab-check');
  const known = await page.$$eval('#known-survivors li', (l) => l.map((x) => x.dataset.mutant));
  assert.deepEqual(known, ['swap L13-14', 'swap L16-17']);
  await page.click('#run-mutants');
  await page.waitForSelector('#mutants-result', { timeout: 60000 });
  const found = await page.$$eval('#survivors tr[data-mutant]', (r) => r.map((x) => x.dataset.mutant));
  assert.deepEqual(found, known);
  assert.equal(await page.$$eval('#survivors .bad', (b) => b.length), 0, 'each survivor is explained');
  assert.ok(Number(await page.getAttribute('#mutants-result', 'data-killed')) > 5);
});

test('walkthrough at 1920×1080: every catalog program shows all its threads without scrolling', () => withSize({ width: 1920, height: 1080 }, async (vp) => {
  const cat = await (await fetch(base + 'api/catalog')).json();
  const ids = cat.chapters.flatMap((c) => c.entries.flatMap((e) => e.programs.map((p) => p.id)));
  assert.ok(ids.length >= 80, `${ids.length} programs`);
  await page.goto('about:blank');
  await page.goto(base);
  await page.waitForSelector('.entry');
  for (const id of ids) {
    assert.equal(await page.evaluate((id) => window.lbosOpen('catalog', id), id), true);
    await page.waitForSelector('#view-sim:not([hidden]) .column[data-column]');
    const cols = await boxes('.column[data-column]');
    assert.ok(cols.length >= 1);
    for (const c of cols) assertInside(c, vp, `${id}: a thread column`);
    assert.ok(cols.every((c) => Math.abs(c.top - cols[0].top) < 1), `${id}: columns side by side`);
    await assertNoHorizontalOverflow(id);
  }
}));

test('a trace file written by lbos check opens as the check result and replays to its counterexample, on a phone and a projector', async () => {
  // The program is the book's Deadlock #1, written to a file and checked on the command line.
  const program = join(tmp, 'deadlock-1.sync');
  writeFileSync(program, `# Rendezvous, deadlock: both wait before they signal
aArrived = Semaphore(0)
bArrived = Semaphore(0)

## Thread A
bArrived.wait()
aArrived.signal()

## Thread B
aArrived.wait()
bArrived.signal()
`);
  const trace = join(tmp, 'deadlock-1.trace.json');
  const checked = spawnSync(BIN, ['check', program, '--trace-out', trace]);
  assert.equal(checked.status, 1, String(checked.stdout));
  for (const [width, height] of [[390, 844], [1280, 800]]) {
    await page.setViewportSize({ width, height });
    await page.goto('about:blank');
    await page.goto(base);
    await page.waitForSelector('#open-trace');
    await page.setInputFiles('#trace-file-input', trace);
    // The Check view shows the result as if the page had run the check.
    await page.waitForSelector('#view-check:not([hidden]) #verdict[data-verdict="deadlock"]');
    assert.match(await page.textContent('#verdict'), /A on bArrived, B on aArrived/);
    assert.match(await page.textContent('#notice'), /deadlock-1\.trace\.json/);
    assert.match(await page.textContent('table.stats'), /States\s*[1-9]/);
    await page.click('#replay');
    await page.waitForSelector('#view-sim:not([hidden])');
    await waitStep(0);
    assert.equal(await stepCount(), 2);
    await page.keyboard.press('End');
    await waitStep(2);
    await page.waitForSelector('.status.deadlock');
    // The URL carries the path as the vm's text form writes it (both threads' waits).
    assert.match(await page.evaluate(() => location.hash), /[#&]m=0_1(&|$)/);
    // A file that is not a trace is refused with the reason, and the program stays.
    const junk = join(tmp, 'junk.json');
    writeFileSync(junk, '{"hello": 1}');
    await page.setInputFiles('#trace-file-input', junk);
    await page.waitForFunction(() => /Cannot open junk\.json: .*lbos trace/.test(document.querySelector('#notice')?.textContent || ''));
    assert.match(await page.textContent('#prog-title'), /deadlock-1/);
  }
  // The schedule shown saves as a trace file that `lbos run --replay` steps through.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-trace')]);
  const saved = join(tmp, 'saved.trace.json');
  await download.saveAs(saved);
  assert.equal(download.suggestedFilename(), 'deadlock-1.trace.json');
  const replayed = spawnSync(BIN, ['run', program, '--replay', saved, '--json']);
  assert.equal(replayed.status, 1, String(replayed.stderr));
  const lines = String(replayed.stdout).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.filter((l) => l.type === 'step').map((l) => l.move), [{ t: 0 }, { t: 1 }]);
  assert.equal(lines.at(-1).result, 'deadlock');
  // Dropping the file anywhere on the page opens it too.
  await page.goto('about:blank');
  await page.goto(base);
  await page.waitForSelector('.entry');
  const drop = await page.evaluateHandle((text) => {
    const d = new DataTransfer();
    d.items.add(new File([text], 'dropped.json', { type: 'application/json' }));
    return d;
  }, readFileSync(trace, 'utf8'));
  await page.dispatchEvent('main', 'drop', { dataTransfer: drop });
  await page.waitForSelector('#view-check:not([hidden]) #verdict[data-verdict="deadlock"]');
  assert.match(await page.textContent('#notice'), /Opened dropped\.json/);
  await page.setViewportSize({ width: 1400, height: 900 });
});
