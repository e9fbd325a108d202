// The program shown as Sync shows it: the initialization block with each variable's value,
// one column per thread kind with the threads on their rows, the blocked threads in their
// semaphore's queue; the controls; the status; the timeline.
import { h, clear, threadColour } from './dom.js';
import { app, stepThread, stepRound, randomStep, run, stop, back, forward, reset, spawn } from './state.js';
import { renderTimeline } from './timeline.js';
import { chooseWaiter } from './choice.js';
import { exercise } from './prefs.js';

// The thread whose move comes next in the schedule (after Back, or in a loaded
// counterexample), or the column a new thread is created in next; null at the end.
function nextMove() {
  const m = app.at < app.moves.length ? app.moves[app.at] : null;
  if (!m) return null;
  return 'spawn' in m ? { spawn: m.spawn } : { thread: m.t };
}

// `self.x = v` of a thread, shown on the board beside the row it stands on.
const localsText = (th) => th.attrs.map((a) => `self.${a.name} = ${a.value}`).join(', ');

export function threadButton(th, opts = {}) {
  const v = app.view;
  const involved = v.status.threads.includes(th.id);
  const can = v.status.kind === 'running' && th.status === 'runnable';
  const next = nextMove()?.thread === th.id;
  const cls = ['thread', th.status, involved ? 'involved' : '', opts.small ? 'small' : '', next ? 'next' : ''].filter(Boolean).join(' ');
  const attrs = th.attrs.length ? ` — ${th.attrs.map((a) => `self.${a.name} = ${a.value}`).join(', ')}` : '';
  const calls = th.calls.length ? ` — in ${th.calls.join(' → ')}` : '';
  const label = `${th.name}${th.status === 'runnable' ? '' : ` (${th.status}${th.blocked_on_name ? ' on ' + th.blocked_on_name : ''})`}${attrs}${calls}`;
  return h('button', {
    class: cls,
    style: { '--c': threadColour(th.id) },
    'data-thread': th.name,
    title: (can ? `Step ${th.name} (key ${th.name.toLowerCase()})${attrs}${calls}` : label) + (next ? ' — moves next' : ''),
    'aria-label': (can ? `Step thread ${th.name}` : `Thread ${label}`) + (next ? ', moves next' : ''),
    'aria-disabled': can ? 'false' : 'true',
    onclick: () => { if (can) stepThread(th.id, chooseWaiter); },
  }, th.name);
}

function toolbar() {
  const running = !!app.running;
  const live = app.view?.status.kind === 'running';
  const btn = (id, text, key, action, disabled) =>
    h(`button#${id}`, { onclick: action, disabled: disabled || undefined, title: key ? `${text} (${key})` : text },
      text, key ? h('kbd', key) : null);
  const speed = h('input#speed', { type: 'range', min: 1, max: 20, value: app.speed, 'aria-label': 'Run speed (steps per second)' });
  speed.addEventListener('input', () => { app.speed = Number(speed.value); speedOut.textContent = `${app.speed}/s`; });
  const speedOut = h('output', `${app.speed}/s`);
  const pick = h('select#pick', { 'aria-label': 'Who picks the waiter a signal wakes' },
    h('option', { value: 'ask' }, 'ask me'), h('option', { value: 'chance' }, 'chance'));
  pick.value = app.pick;
  pick.addEventListener('change', () => { app.pick = pick.value; });
  return h('div.toolbar', { role: 'toolbar', 'aria-label': 'Stepping' },
    btn('step', 'Step', 'Shift+S', stepRound, !live || running),
    btn('random-step', 'Random step', 'Shift+R', randomStep, !live || running),
    btn('run', 'Run', 'Shift+P', () => run('round'), !live || running),
    btn('random-run', 'Random run', 'Shift+Q', () => run('random'), !live || running),
    h('label.speed', 'Speed ', speed, speedOut),
    btn('stop', 'Stop', 'Esc', stop, !running),
    h('span.sep'),
    btn('back', 'Back', '←', back, app.at === 0),
    btn('forward', 'Forward', '→', forward, app.at >= app.moves.length),
    btn('reset', 'Reset', 'Shift+X', reset, app.moves.length === 0),
    h('span.sep'),
    h('label.pick', 'Weak signal wakes: ', pick));
}

function statusBanner(v) {
  const s = v.status;
  const n = app.at;
  if (s.kind === 'running') {
    return h('div.status.running', { role: 'status' },
      n === 0 ? 'Initial state. ' : `After step ${n} of ${app.moves.length}. `,
      'Click a thread (or press its letter) to step it.');
  }
  const title = { deadlock: 'Deadlock', assertion: 'Assertion failed', invariant: 'Invariant violated',
    error: 'Runtime error', done: 'Finished' }[s.kind] || s.kind;
  // The vm's ending words start with the kind ("deadlock: no thread can move ..."): the title says it.
  const message = (s.message || '').replace(new RegExp(`^${s.kind}: `), '');
  return h(`div.status.${s.kind}`, { role: 'alert' },
    h('strong', title), s.kind === 'done' ? ': every thread has finished.' : ': ', s.kind === 'done' ? null : message,
    s.line ? ` (line ${s.line})` : null);
}

const cols3 = () => h('colgroup', h('col.c-ln'), h('col.c-code'), h('col.c-val'));

// How many circles the busiest row of a block may hold (its threads), to size the slot column.
function slotCount(st, block, i, prog) {
  const lines = new Set(prog.rows.filter((r) => r.block === block && r.index === i).map((r) => r.line));
  const n = block === 'column' ? st.threads.filter((t) => t.column === i).length
    : st.threads.filter((t) => lines.has(t.line)).length;
  return String(Math.max(1, Math.min(n, 6)));
}

export function renderBoard(root) {
  clear(root);
  const v = app.view;
  if (!app.program) {
    root.append(h('p.empty', 'Open a program from the Catalog tab.'));
    return;
  }
  if (app.error) {
    root.append(h('div.status.assertion', { role: 'alert' },
      h('strong', app.error.error === 'compile' ? 'The program does not compile. ' : 'The program cannot start. '),
      app.error.error === 'compile'
        ? `${app.error.diagnostics.length} error(s), first at line ${app.error.diagnostics[0].line}: ${app.error.diagnostics[0].message}. `
        : app.error.message + ' ',
      h('button.linkish', { onclick: () => window.lbosShowTab('edit') }, 'Open the editor')));
    return;
  }
  if (!v) { root.append(h('p.muted', 'Loading…')); return; }
  const st = v.state;
  const prog = v.program;
  const s = v.status;
  const faultLine = s.line || null;
  const deadRows = new Set(app.deadRows?.source === app.program.source ? app.deadRows.lines : []);
  const lastStep = app.at > 0 ? v.steps[app.at - 1] : null;
  const next = nextMove();

  root.append(toolbar(), statusBanner(v));
  if (!exercise() && (app.program.note || app.program.expect)) {
    root.append(h('details.about', h('summary', 'About this program',
      app.program.expect ? h(`span.expect.v-${app.program.expect}`, ` check: ${app.program.expect}`) : null),
    h('p', app.program.note || '')));
  }

  // Initialization block with each variable's current value.
  const globals = new Map(st.globals.map((g) => [g.name, g.value]));
  const shown = new Set();
  const initRows = prog.rows.filter((r) => r.block === 'init');
  const init = h('section.init', { 'aria-label': 'Initialization' },
    h('h2', 'Initialization'),
    h('table.init-table', cols3(), initRows.map((r) => {
      if (r.assigns) shown.add(r.assigns);
      const val = r.assigns ? globals.get(r.assigns) : null;
      const changed = lastStep && lastStep.changes.some((c) => c.what === r.assigns);
      return h('tr', { 'data-line': r.line },
        h('td.ln', r.line), h(r.text.trim().startsWith('#') ? 'td.code.comment' : 'td.code', r.text.trim()),
        h('td.val', val !== null && val !== undefined ? h(changed ? 'span.value.changed' : 'span.value', { 'data-var': r.assigns }, val) : ''));
    })),
    (() => {
      const rest = st.globals.filter((g) => !shown.has(g.name));
      return rest.length ? h('table.init-table.extra', cols3(), rest.map((g) =>
        h('tr', h('td.ln', ''), h('td.code', g.name), h('td.val', h('span.value', { 'data-var': g.name }, g.value))))) : null;
    })(),
    prog.invariants.length ? h('div.invariants', h('h3', 'Invariants'),
      prog.invariants.map((i) => h(`div.inv${s.kind === 'invariant' && s.line === i.line ? '.bad' : ''}`, { 'data-line': i.line }, i.text))) : null);

  // Objects: semaphores with value and queue, lightswitches, barriers.
  const objects = h('section.objects', { 'aria-label': 'Semaphores' },
    h('h2', 'Semaphores'),
    st.objects.length === 0 ? h('p.muted', 'none') : null,
    st.objects.map((o) => h('div.obj', { 'data-object': o.name },
      h('div.obj-head', h('span.obj-name', o.name), h('span.obj-kind', o.kind)),
      h('div.obj-body',
        h(`span.obj-value${o.value < 0 ? '.neg' : ''}`, { title: o.kind === 'Lightswitch' ? 'counter' : 'value' },
          o.kind === 'Barrier' ? o.summary.split(' ')[0] : String(o.value)),
        h('span.queue', { 'aria-label': `queue of ${o.name}` },
          o.queue.length ? o.queue.map((t) => threadButton(st.threads[t], { small: true })) :
            (o.kind === 'Lightswitch' ? h('span.muted', 'counter') : h('span.muted', 'queue empty')))))));

  // Thread columns and procedures.
  const byRow = new Map();
  const done = new Map();
  for (const th of st.threads) {
    if (th.status === 'done') {
      if (!done.has(th.column)) done.set(th.column, []);
      done.get(th.column).push(th);
    } else if (th.line) {
      const k = th.line;
      if (!byRow.has(k)) byRow.set(k, []);
      byRow.get(k).push(th);
    }
  }
  const rowEl = (r) => {
    const here = byRow.get(r.line) || [];
    const on = here.filter((t) => t.status === 'runnable');
    const waiting = here.filter((t) => t.status === 'blocked');
    const sub = on.find((t) => t.substep);
    const mover = here.find((t) => t.id === next?.thread);
    const cls = ['row', r.is_step ? 'step' : 'plain', faultLine === r.line && s.kind !== 'running' ? 'fault' : '',
      deadRows.has(r.line) ? 'dead' : '', lastStep && lastStep.line === r.line ? 'last' : '',
      mover ? 'next-row' : ''].filter(Boolean).join(' ');
    const locals = here.filter((t) => t.attrs.length);
    return h('div', { class: cls, 'data-line': r.line },
      h('span.slot', on.map((t) => threadButton(t)),
        waiting.map((t) => h('span.ghost', { style: { '--c': threadColour(t.id) }, title: `${t.name} waits on ${t.blocked_on_name}` }, t.name))),
      h('span.ln', r.line),
      h('span.text', h('code', r.text),
        mover ? h('span.next-tag', { title: 'The schedule steps this thread next (→)' }, `▶ ${mover.name} moves next`) : null,
        sub ? h('span.substep', { title: 'This row runs in several steps' }, `next: sub-step ${sub.substep} of 4`) : null,
        deadRows.has(r.line) ? h('span.dead-tag', 'never reached') : null,
        locals.map((t) => h('span.locals', { style: { '--c': threadColour(t.id) }, 'data-locals': t.name },
          h('b', t.name), ' ', localsText(t)))));
  };
  const cols = h('div.columns',
    prog.columns.map((c, i) => h('section.column', { 'data-column': i, 'aria-label': `Column ${c.label}`, style: { '--slots': slotCount(st, 'column', i, prog) } },
      h('h2', c.label, h('span.count', ` ×${st.threads.filter((t) => t.column === i).length}`),
        h(next?.spawn === i ? 'button.spawn.next' : 'button.spawn', { onclick: () => spawn(i), title: `Create a thread in ${c.label} (Shift+${i + 1})`, 'aria-label': `Create thread in ${c.label}` }, '+ thread')),
      prog.rows.filter((r) => r.block === 'column' && r.index === i).map(rowEl),
      h('div.done-tray', (done.get(i) || []).length ? [h('span.muted', 'finished: '), (done.get(i) || []).map((t) => threadButton(t, { small: true }))] : null),
      locals(st.threads.filter((t) => t.column === i && t.status === 'done' && t.attrs.length)))),
    prog.procs.map((p, i) => prog.rows.filter((r) => r.block === 'proc' && r.index === i).length < 2 ? null : h('section.column.proc', { 'data-proc': i, style: { '--slots': slotCount(st, 'proc', i, prog) } },
      h('h2', `def ${p.name}`),
      prog.rows.filter((r) => r.block === 'proc' && r.index === i).map(rowEl))));

  root.append(h('div.board', h('div.left', init, objects), cols));
  root.append(renderTimeline());
}

// The threads that finished keep their values: listed under their column.
function locals(threads) {
  return threads.length ? h('div.done-locals', threads.map((t) =>
    h('span.locals', { style: { '--c': threadColour(t.id) }, 'data-locals': t.name }, h('b', t.name), ' ', localsText(t)))) : null;
}

// On a screen wide enough for the columns side by side, shrinks them (CSS zoom) until every
// thread column fits below the toolbar: a projector shows all threads without scrolling.
// Narrow screens stack the columns and scroll instead.
export function fitBoard() {
  const cols = document.querySelector('#view-sim:not([hidden]) .columns');
  if (!cols) return;
  cols.style.zoom = '';
  if (!window.matchMedia('(min-width: 701px)').matches) return;
  for (let i = 0; i < 4; i++) {
    const r = cols.getBoundingClientRect();
    const avail = window.innerHeight - (r.top + window.scrollY) - 8;
    if (r.height <= avail + 0.5 || avail <= 0) break;
    const z = Number(cols.style.zoom || 1);
    cols.style.zoom = String(Math.max(0.35, (z * avail) / r.height));
  }
}
