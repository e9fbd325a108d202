// The trace diagram: one lane per thread, steps in order left to right; a blocked stretch is
// drawn dashed, and each wake-up is an arrow from the signalling thread to the woken one.
import { h, clear, threadColour } from './dom.js';
import { app, goTo } from './state.js';
import { explain } from './timeline.js';

const NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...kids) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined) el.setAttribute(k, v);
  for (const c of kids) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

export function renderDiagram(root) {
  clear(root);
  const v = app.view;
  if (!v) { root.append(h('p.empty', 'Open a program first.')); return; }
  const steps = v.steps;
  const threads = v.state.threads; // threads of the shown state (spawned ones appear when created)
  const nThreads = Math.max(threads.length, ...steps.map((x) => x.thread + 1), 0);
  const names = [];
  for (let t = 0; t < nThreads; t++) names[t] = threads[t]?.name ?? steps.find((x) => x.thread === t)?.name ?? `#${t}`;
  const DX = 52, DY = 64, X0 = 70, Y0 = 70;
  const width = X0 + (steps.length + 1) * DX + 150;
  const height = Y0 + nThreads * DY;
  const svg = s('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Trace diagram', class: 'diagram' });
  const defs = s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
    s('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#333' })),
    s('marker', { id: 'warrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' },
      s('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#c62828' })));
  svg.append(defs);
  const y = (t) => Y0 + t * DY;
  const x = (i) => X0 + i * DX; // after step i
  // Lanes: solid while the thread exists and runs, dashed while blocked.
  const blockedFrom = new Map();
  const segs = [];
  const born = new Map();
  for (let t = 0; t < nThreads; t++) born.set(t, 0);
  for (const st of steps) if (st.kind === 'spawn') born.set(st.thread, st.index + 1);
  for (const st of steps) {
    for (const a of st.arrows) {
      if (a.kind === 'blocked') blockedFrom.set(a.thread, st.index + 1);
      if (a.kind === 'woke' && blockedFrom.has(a.thread)) {
        segs.push([a.thread, blockedFrom.get(a.thread), st.index + 1]);
        blockedFrom.delete(a.thread);
      }
    }
  }
  for (const [t, from] of blockedFrom) segs.push([t, from, steps.length + 0.5]);
  for (let t = 0; t < nThreads; t++) {
    svg.append(s('text', { x: 14, y: y(t) + 6, class: 'lane-name', fill: threadColour(t) }, names[t]));
    svg.append(s('line', { x1: x(born.get(t)), x2: x(steps.length) + 20, y1: y(t), y2: y(t), class: 'lane' }));
  }
  for (const [t, a, b] of segs) {
    svg.append(s('line', { x1: x(a), x2: x(b), y1: y(t), y2: y(t), class: 'lane-blocked' }));
  }
  // Cursor.
  svg.append(s('line', { x1: x(app.at), x2: x(app.at), y1: 30, y2: height - 10, class: 'cursor' }));
  for (const st of steps) {
    const i = st.index + 1;
    const g = s('g', { class: `dstep${i > app.at ? ' future' : ''}`, 'data-step': i, tabindex: -1 });
    g.addEventListener('click', () => goTo(i));
    for (const a of st.arrows) {
      if (a.kind === 'woke' && a.thread !== st.thread) {
        const down = a.thread > st.thread;
        svg.append(s('line', { x1: x(i), y1: y(st.thread) + (down ? 11 : -11), x2: x(i), y2: y(a.thread) + (down ? -12 : 12), class: 'wake', 'marker-end': 'url(#arrow)' },
          s('title', {}, `${st.name} signals ${a.object}: wakes ${names[a.thread]}`)));
        svg.append(s('text', { x: x(i) - 5, y: (y(st.thread) + y(a.thread)) / 2 + (down ? -8 : 8), class: 'wlabel' }, a.object));
      }
    }
    const blocked = st.arrows.some((a) => a.kind === 'blocked' && a.thread === st.thread);
    g.append(s('title', {}, `${i}. ${st.name}: ${st.source} ${st.events.join(', ')}`));
    if (st.kind === 'spawn') {
      g.append(s('rect', { x: x(i) - 9, y: y(st.thread) - 9, width: 18, height: 18, fill: '#fff', stroke: threadColour(st.thread), 'stroke-width': 2 }));
    } else {
      g.append(s('circle', { cx: x(i), cy: y(st.thread), r: 11, fill: st.fault ? '#c00' : threadColour(st.thread), stroke: blocked ? '#c00' : 'none', 'stroke-width': 3 }));
      g.append(s('text', { x: x(i), y: y(st.thread) + 4, class: 'dline' }, st.line ?? ''));
    }
    const on = st.arrows.find((a) => a.kind === 'blocked' && a.thread === st.thread);
    if (on) {
      // A wait: an arrow from the step into its blocked stretch, labelled with the semaphore.
      g.append(s('path', { d: `M ${x(i) + 8} ${y(st.thread) - 9} q 14 -16 ${DX - 12} -9`, class: 'wait', 'marker-end': 'url(#warrow)' }));
      g.append(s('text', { x: x(i) + 6, y: y(st.thread) - 24, class: 'dlabel' }, `waits on ${on.object}`));
    }
    svg.append(g);
  }
  for (let i = 1; i <= steps.length; i++) svg.append(s('text', { x: x(i), y: 22, class: 'stepno' }, i));
  const last = app.at > 0 ? steps[app.at - 1] : null;
  root.append(
    h('div.diagram-head', h('h2', 'Trace diagram'),
      h('p.muted', 'One lane per thread; each dot is a step (the number is its line). Red arrow and dashed red lane: the thread waits on a semaphore. Black arrow: a signal wakes a waiting thread. Click a step or use ←/→.')),
    h('div.diagram-scroll', svg),
    h('div.explain', last ? explain(last) : 'The initial state.'));
}
