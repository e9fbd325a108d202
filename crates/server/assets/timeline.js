// The timeline: every move of the schedule; the current position is marked, moves after it
// (undone, or the rest of a counterexample) are dimmed. Click a step or use ←/→ to move.
import { h, threadColour } from './dom.js';
import { app, goTo, cycleStarts, playCycle, stop } from './state.js';

export function renderTimeline() {
  const v = app.view;
  const steps = v.steps;
  const cur = app.at;
  // A starvation lasso: its cycle's steps are marked, and each round starts with ↻.
  const rounds = cycleStarts();
  const inCycle = (i) => rounds.length > 0 && i > rounds[0];
  const chip = (i) => {
    const s = i === 0 ? null : steps[i - 1];
    const cls = ['chip', i === cur ? 'current' : '', i > cur ? 'future' : '', s?.fault ? 'fault' : '',
      inCycle(i) ? 'cycle' : '', rounds.includes(i - 1) ? 'cycle-start' : ''].filter(Boolean).join(' ');
    return h('button', {
      class: cls, 'data-step': i, 'aria-current': i === cur ? 'step' : undefined,
      title: s ? `${i}. ${s.name}: ${s.source}${s.events.length ? ' — ' + s.events.join(', ') : ''}` : 'the initial state',
      onclick: () => goTo(i),
      style: s ? { '--c': threadColour(s.thread) } : undefined,
    }, i === 0 ? 'start' : h('span', h('b', s.name), s.kind === 'spawn' ? ' new' : (s.line ? ` ${s.line}` : '')));
  };
  const chips = [];
  for (let i = 0; i <= steps.length; i++) chips.push(chip(i));
  const last = cur > 0 ? steps[cur - 1] : null;
  const strip = h('div.timeline-strip', { role: 'group', 'aria-label': 'Timeline' }, chips);
  requestAnimationFrame(() => {
    const c = strip.querySelector('.current');
    if (c) strip.scrollLeft = c.offsetLeft - strip.clientWidth / 2;
  });
  const playing = app.running?.mode === 'cycle';
  const lasso = rounds.length ? h('span.lasso#lasso',
    ` ↻ cycle of ${app.cycle.moves.length} steps from step ${app.cycle.start + 1}, repeating forever (round ${Math.max(1, Math.ceil((cur - app.cycle.start) / app.cycle.moves.length))}) `,
    h('button#play-cycle', { onclick: () => (playing ? stop() : playCycle()) }, playing ? 'Pause' : 'Play the lasso')) : null;
  return h('section.timeline', { 'aria-label': 'Timeline' },
    h('h2', 'Timeline ', h('span.muted', `step ${cur} of ${steps.length} — ←/→ move, Home/End jump`), lasso),
    strip,
    h('div.explain#explain', last ? explain(last) : 'The initial state: every thread at its first row.'));
}

export function explain(s) {
  if (s.kind === 'spawn') return s.events.join(', ');
  const parts = [...s.changes.map((c) => `${c.what} ${c.before}→${c.after}`), ...s.events];
  return h('span',
    h('b', `${s.name}`), ` ran line ${s.line ?? '?'}`, s.substep ? ` (sub-step ${s.substep})` : '', ': ',
    h('code', s.source), parts.length ? ` — ${parts.join(', ')}` : '',
    s.fault ? h('strong.bad', ` — ${s.fault.message}`) : '');
}
