// Check: runs `lbos check` on the server with limits, shows progress with a cancel button,
// then the verdict, statistics, dead rows, and the counterexample to replay.
import { h, clear } from './dom.js';
import { app, loadTrace, onChange } from './state.js';
import * as api from './api.js';
import { renderMutants } from './mutants.js';

const check = { job: null, error: null, polling: null, source: null, maxStates: null, timeout: null, dfs: false, liveness: false };

export function initCheck() {}

export async function startCheck() {
  if (!app.program || (check.job && check.job.phase !== 'done')) return;
  check.error = null;
  check.source = app.program.source;
  const opts = check.liveness ? { liveness: true } : { dfs: check.dfs };
  if (check.maxStates) opts.max_states = check.maxStates;
  if (check.timeout) opts.timeout_secs = check.timeout;
  const res = await api.startCheck(app.program, opts);
  if (!res.ok) {
    check.error = res.error === 'compile'
      ? `The program does not compile (line ${res.diagnostics[0].line}: ${res.diagnostics[0].message}).`
      : res.message;
    check.job = null;
    rerender();
    return;
  }
  check.job = { id: res.id, phase: 'queued' };
  rerender();
  poll();
}

async function poll() {
  clearTimeout(check.polling);
  if (!check.job) return;
  const res = await api.pollCheck(check.job.id);
  if (res.ok) check.job = res.job;
  rerender();
  if (res.ok && res.job.phase !== 'done') check.polling = setTimeout(poll, 250);
  if (res.ok && res.job.phase === 'done' && res.job.report) {
    app.deadRows = { source: check.source, lines: res.job.report.dead_rows };
    const r = res.job.report;
    if (r.path && !r.fault && !r.starvation && check.source === app.program.source) {
      // Say where the counterexample ends (e.g. which threads are blocked on what).
      const end = await api.view(app.program, r.path);
      if (end.ok) { r.ending = end.status.message; rerender(); }
    }
  }
}

// Shows a finished check's report (one a trace file stands for) as if this page had run it.
export async function showReport(report, source) {
  clearTimeout(check.polling);
  check.error = null;
  check.source = source;
  check.liveness = report.liveness;
  check.job = { id: null, phase: 'done', report, limits: null };
  app.deadRows = { source, lines: report.dead_rows };
  if (report.path && !report.fault && !report.starvation) {
    const end = await api.view(app.program, report.path);
    if (end.ok) report.ending = end.status.message;
  }
  rerender();
}

// The checked program took its other form (exercise mode switched): only the leading
// comment differs, so the result still stands for it.
export function checkFollows(from, to) {
  if (from != null && to != null && check.source === from) check.source = to;
}

export function cancelCheck() {
  if (check.job && check.job.phase !== 'done') api.cancelCheck(check.job.id).then(poll);
}

let root = null;
function rerender() { if (root && !root.hidden) renderCheck(root); }

const SEMAPHORES = { weak: 'weak semaphores (a signal wakes any waiter)', fifo: 'FIFO semaphores (a signal wakes the longest waiter)',
  strong: 'strong semaphores (fair wake-ups)' };

// What a verdict covers: the threads of each column, the semaphore model, the search and its
// limits ("no violation" is a claim about exactly this).
export function checkedText(c, limits) {
  const total = c.columns.reduce((n, col) => n + col.threads, 0);
  const cols = c.columns.map((col) => `${col.label} ×${col.threads}`).join(', ');
  const reductions = [c.symmetry ? 'identical threads merged' : null, c.por ? 'partial-order reduction' : null].filter(Boolean);
  return `Checked: ${total} thread${total === 1 ? '' : 's'} (${cols}), ${SEMAPHORES[c.semaphores] || c.semaphores}; ` +
    `${c.liveness ? 'safety and starvation under a fair scheduler' : 'safety'}, ${c.dfs ? 'depth-first' : 'breadth-first'}` +
    `${reductions.length ? ', ' + reductions.join(' and ') : ', no reductions'}; ` +
    `limits ${fmt(limits.max_states)} states, ${limits.timeout_secs} s, ${mib(limits.max_memory_bytes)}.`;
}

const fmt = (n) => (n === undefined || n === null ? '–' : Number(n).toLocaleString('en-US'));
const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;

export function renderCheck(el) {
  root = el;
  clear(el);
  renderCheckPart(el);
  if (app.program) el.append(renderMutants(rerender));
}

function renderCheckPart(el) {
  if (!app.program) { el.append(h('p.empty', 'Open a program first.')); return; }
  const job = check.job;
  const busy = job && job.phase !== 'done';
  const lim = h('div.check-form',
    h('label', 'Max states ', h('input#max-states', { type: 'number', min: 1, step: 1000, value: check.maxStates ?? '', placeholder: 'server limit',
      onchange: (e) => { check.maxStates = e.target.value ? Number(e.target.value) : null; } })),
    h('label', 'Time limit (s) ', h('input#time-limit', { type: 'number', min: 1, value: check.timeout ?? '', placeholder: 'server limit',
      onchange: (e) => { check.timeout = e.target.value ? Number(e.target.value) : null; } })),
    h('label', h('input#dfs', { type: 'checkbox', checked: check.dfs || undefined, disabled: check.liveness || undefined,
      onchange: (e) => { check.dfs = e.target.checked; } }), ' depth-first (less memory, longer traces)'),
    h('label', h('input#liveness', { type: 'checkbox', checked: check.liveness || undefined,
      onchange: (e) => { check.liveness = e.target.checked; rerender(); } }), ' starvation too (fair scheduler; semaphores as set in Edit)'),
    h('button.primary#run-check', { onclick: startCheck, disabled: busy || undefined, title: 'Check (Shift+C)' }, 'Check', h('kbd', 'Shift+C')),
    h('button#cancel-check', { onclick: cancelCheck, disabled: !busy || undefined }, 'Cancel'));
  el.append(h('h2', 'Check every interleaving'),
    h('p.muted', `Explores every reachable state of “${app.program.title || app.program.name}” with the current thread settings: deadlocks, assertions, invariants, runtime errors, rows never reached.`),
    lim);
  if (check.error) el.append(h('div.status.assertion', { role: 'alert' }, check.error));
  if (!job) return;
  const p = job.progress || job.report?.stats || {};
  if (busy) {
    const frac = job.limits ? Math.min(1, (p.seconds || job.elapsed || 0) / job.limits.timeout_secs) : 0;
    el.append(h('div.progress#check-progress', { role: 'status' },
      h('strong', job.phase === 'queued' ? 'Waiting for a free checker…' : 'Checking…'), ' ',
      `${fmt(p.states)} states, ${fmt(p.transitions)} transitions, depth ${fmt(p.max_depth)}, ${(p.seconds || 0).toFixed(1)} s`,
      h('progress', { max: 1, value: frac, 'aria-label': 'time used of the limit' }),
      job.limits ? h('span.muted', ` limits: ${fmt(job.limits.max_states)} states, ${job.limits.timeout_secs} s, ${mib(job.limits.max_memory_bytes)}`) : null));
    return;
  }
  const r = job.report;
  if (!r) return;
  const stale = check.source !== app.program.source;
  const words = { ok: 'No violation: every interleaving is fine.', deadlock: 'Deadlock found.', assertion: 'An assertion fails.',
    invariant: 'An invariant is violated.', error: 'A runtime error.', incomplete: 'Incomplete.',
    starvation: 'A thread can starve: on a fair run that loops forever it never gets anywhere.' };
  if (r.verdict === 'ok' && check.liveness) words.ok = 'No violation, and no thread starves.';
  const sv = r.starvation;
  const starving = sv ? h('div#starving',
    h('b', sv.thread.thread), ` (${sv.thread.column}) waits`,
    sv.thread.line ? [' at line ', sv.thread.line, ' ', h('code', sv.thread.source)] : '',
    sv.thread.blocked_on ? ` on ${sv.thread.blocked_on}` : '',
    ` while the cycle of ${r.path.length - sv.cycle_start} steps repeats forever.`,
    sv.threads.length > 1 ? ` Threads that can starve: ${sv.threads.join(', ')}.` : '') : null;
  el.append(h(`div.verdict.v-${r.verdict}#verdict`, { role: 'status', 'data-verdict': r.verdict },
    h('span.badge', r.verdict), ' ', words[r.verdict] || r.verdict,
    r.cancelled ? ' (cancelled)' : '', r.incomplete_reason ? ` ${r.incomplete_reason}` : '',
    r.fault ? h('div', r.fault.message, r.fault.line ? ` (line ${r.fault.line})` : '') : null,
    r.ending ? h('div.ending', r.ending) : null,
    starving,
    job.checked ? h('div.checked#checked', checkedText(job.checked, job.limits))
      : r.checked ? h('div.checked#checked', `Checked: ${r.checked}.`) : null,
    stale ? h('div.muted', 'The program has changed since this check.') : null));
  const st = r.stats;
  el.append(h('table.stats',
    h('tr', h('th', 'States'), h('td', fmt(st.states))),
    h('tr', h('th', 'Transitions'), h('td', fmt(st.transitions))),
    h('tr', h('th', 'Greatest depth'), h('td', fmt(st.max_depth))),
    h('tr', h('th', 'Time'), h('td', `${st.seconds.toFixed(2)} s (${fmt(Math.round(st.states_per_second))} states/s)`)),
    h('tr', h('th', 'Peak memory'), h('td', st.peak_memory_bytes ? mib(st.peak_memory_bytes) : '–'))));
  if (r.dead_rows.length) {
    el.append(h('div.warning#dead-rows', { role: 'note' }, h('strong', 'Never reached: '),
      `line${r.dead_rows.length > 1 ? 's' : ''} ${r.dead_rows.join(', ')} (marked in the Simulate view).`));
  }
  if (r.path_note) {
    el.append(h('div.warning#trace-note', { role: 'note' }, r.path_note));
  }
  for (const w of r.warnings.filter((w) => !w.startsWith('dead rows'))) {
    el.append(h('div.warning.trace-warning', { role: 'note' }, w));
  }
  if (r.path) {
    el.append(h('p', h('button.primary#replay', {
      disabled: stale || undefined,
      onclick: async () => {
        const start = r.starvation?.cycle_start;
        const cycle = start == null ? null : { start, moves: r.path.slice(start) };
        await loadTrace(r.path, cycle
          ? `Starvation lasso loaded: ${start} steps, then a cycle of ${cycle.moves.length} that repeats forever (marked ↻). Step with → past the end to go round again, or play it.`
          : `Counterexample loaded (${r.path.length} steps, ${r.verdict}). Step through it with → and ←; make any move to take over.`, cycle);
        window.lbosShowTab('sim');
      },
    }, `Replay the counterexample (${r.path.length} steps)`)));
  }
}

onChange(() => {});
