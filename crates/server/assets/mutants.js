// The mutants panel (in the Check view): the catalog's surviving (and undecided) mutants of this
// program with why each survives (or why no size decides it), and on request the mutation
// analysis of the program as it stands in the editor (the server checks every mutant with the
// check limits; cancel stops it).
import { h } from './dom.js';
import { app } from './state.js';
import * as api from './api.js';
import { exercise } from './prefs.js';

const run = { job: null, source: null, error: null, timer: null };

async function start(rerender) {
  if (!app.program || (run.job && run.job.phase !== 'done')) return;
  run.error = null;
  run.source = app.program.source;
  const res = await api.startMutants(app.program);
  if (!res.ok) {
    run.error = res.error === 'compile' ? 'The program does not compile.' : res.message;
    run.job = null;
    rerender();
    return;
  }
  run.job = { id: res.id, phase: 'queued' };
  rerender();
  poll(rerender);
}

async function poll(rerender) {
  clearTimeout(run.timer);
  if (!run.job) return;
  const res = await api.pollCheck(run.job.id);
  if (res.ok) run.job = res.job;
  rerender();
  if (res.ok && res.job.phase !== 'done') run.timer = setTimeout(() => poll(rerender), 300);
}

function cancel(rerender) {
  if (run.job && run.job.phase !== 'done') api.cancelCheck(run.job.id).then(() => poll(rerender));
}

export function renderMutants(rerender) {
  const p = app.program;
  const known = Object.entries(p.survivors || {});
  const open = Object.entries(p.undecided || {});
  const edited = p.source !== p.original;
  const hide = exercise();
  const busy = run.job && run.job.phase !== 'done';
  const out = h('section.mutants#mutants', { 'aria-labelledby': 'mutants-title' },
    h('h2#mutants-title', 'Mutants'),
    h('p.muted', 'A mutant is this program with one change: a statement deleted, two swapped, a condition made ',
      h('code', 'True'), ' or ', h('code', 'False'), ' (', h('code', 'lbos mutate'), '). The checker should notice each change; ',
      'a mutant that passes every interleaving survives, and a survivor of a correct solution needs a reason.'));
  if (known.length && !edited) {
    out.append(hide
      ? h('p#known-survivors', `The catalog explains ${known.length} surviving mutant${known.length > 1 ? 's' : ''} of this program (hidden in exercise mode).`)
      : h('div#known-survivors',
        h('h3', 'Survivors the catalog explains'),
        h('ul.survivors', known.map(([id, why]) => h('li', { 'data-mutant': id }, h('code', id), ' — ', why)))));
  } else if (p.id && !p.id.startsWith('file:') && !edited) {
    out.append(h('p#known-survivors', 'The catalog lists no surviving mutant of this program.'));
  }
  if (open.length && !edited && !hide) {
    out.append(h('div#known-undecided',
      h('h3', 'Undecided mutants the catalog explains'),
      h('ul.survivors', open.map(([id, why]) => h('li', { 'data-mutant': id }, h('code', id), ' — ', why)))));
  }
  out.append(h('div.check-form',
    h('button.primary#run-mutants', { onclick: () => start(rerender), disabled: busy || undefined },
      edited ? 'Analyse the edited program' : 'Run the mutation analysis'),
    h('button#cancel-mutants', { onclick: () => cancel(rerender), disabled: !busy || undefined }, 'Cancel')));
  if (run.error) out.append(h('div.status.assertion', { role: 'alert' }, run.error));
  const job = run.job;
  if (!job) return out;
  if (busy) {
    out.append(h('div.progress#mutants-progress', { role: 'status' },
      h('strong', job.phase === 'queued' ? 'Waiting for a free checker…' : 'Checking every mutant…'),
      ` ${(job.elapsed || 0).toFixed(1)} s of at most ${job.limits?.timeout_secs ?? '–'} s`));
    return out;
  }
  const m = job.mutants;
  if (!m) {
    out.append(h('div.status.assertion', { role: 'alert' }, job.report?.incomplete_reason || 'The analysis stopped.'));
    return out;
  }
  const unchecked = m.total - m.results.length;
  const same = run.source === p.original;
  const why = same ? p.survivors || {} : {};
  const undecidedWhy = same ? p.undecided || {} : {};
  out.append(h('div.verdict#mutants-result', { role: 'status', 'data-killed': m.killed, 'data-survived': m.survived },
    `${m.total} mutant${m.total === 1 ? '' : 's'}: ${m.killed} killed, ${m.survived} survived`,
    m.unknown ? `, ${m.unknown} undecided (a limit)` : '',
    unchecked > 0 ? `, ${unchecked} not checked (${m.cancelled ? 'cancelled' : 'time limit'})` : '', '.',
    run.source !== p.source ? h('div.muted', 'The program has changed since this analysis.') : null));
  const survivors = m.results.filter((r) => r.fate === 'survived');
  if (survivors.length) {
    out.append(h('table.stats.mutant-table#survivors',
      h('tr', h('th', 'Survivor'), h('th', 'Line'), h('th', 'Change'), hide ? null : h('th', 'Why it survives')),
      survivors.map((r) => h('tr', { 'data-mutant': r.id },
        h('td', h('code', r.id)), h('td', r.line), h('td', r.description),
        hide ? null : h('td', why[r.id] || h('span.bad', 'not explained by the catalog'))))));
  }
  const killed = m.results.filter((r) => r.fate !== 'survived');
  if (killed.length) {
    out.append(h('details', h('summary', `Killed or undecided (${killed.length})`),
      h('table.stats.mutant-table', killed.map((r) => h('tr', { 'data-mutant': r.id },
        h('td', h('code', r.id)), h('td', r.fate), h('td', r.description),
        h('td', r.fate === 'unknown' && undecidedWhy[r.id] && !hide ? `${r.detail}: ${undecidedWhy[r.id]}` : r.detail))))));
  }
  return out;
}
