// The page's state and its actions. A schedule is a list of moves; the view shown is the
// server's replay of the first `at` of them. Back/forward move `at`; a new move made while
// `at` is before the end replaces the rest (that is how one takes over a counterexample).
import * as api from './api.js';
import * as url from './url.js';
import { exercise } from './prefs.js';

export const app = {
  program: null, // {id, name, title, source, original, threads, semaphores}
  moves: [],
  at: 0,
  view: null, // last successful /api/view answer
  error: null, // compile or setup error for the current source
  running: null, // {mode, timer}
  speed: 4, // steps (or rounds) per second
  pick: 'ask', // 'ask' or 'chance': who picks the waiter a weak semaphore wakes
  notice: null,
  tab: 'catalog', // the view shown (main.js)
  // Counts program openings: a history entry remembers the one it belongs to, so Back to a
  // view of the same opening keeps its edits (see main.js).
  opening: 0,
  // A starvation lasso being replayed: {start, moves}: moves[start..] is its cycle, which
  // `forward` past the end plays again. Any move of one's own ends it.
  cycle: null,
  listeners: new Set(),
};

export function onChange(f) { app.listeners.add(f); }
function emit() { for (const f of app.listeners) f(app); }

export function notify(text) {
  app.notice = text;
  emit();
}

let seq = 0;
const seed = () => Math.floor(Math.random() * 2 ** 31);

// Replays (and optionally extends) the schedule on the server.
export async function refresh(extend) {
  if (!app.program) return null;
  const mine = ++seq;
  const res = await api.view(app.program, app.moves, app.at, extend);
  if (mine !== seq) return null; // a newer request superseded this one
  if (res.ok) {
    app.view = res;
    app.error = null;
    app.moves = res.moves;
    app.at = res.at;
    if (res.warning) app.notice = res.warning;
  } else {
    app.error = res;
    stop();
  }
  history.replaceState(history.state, '', url.encode(app) || location.pathname + location.search);
  emit();
  return res;
}

export async function openProgram(p, moves = [], at) {
  stop();
  app.opening += 1;
  app.program = { threads: [], semaphores: 'weak', ...p, original: p.original ?? p.source };
  app.moves = moves;
  app.at = at ?? moves.length;
  app.view = null;
  app.notice = null;
  app.cycle = null;
  return refresh();
}

// A catalog program by either of its ids, in the form the mode shows: in exercise mode the
// server's neutral form (its id, file name, title and leading comment name it only by the
// book's section and listing; no verdict or note). Null (and a notice) if there is none.
export async function catalogProgram(id) {
  const res = await api.source(`catalog=${encodeURIComponent(id)}${exercise() ? '&exercise=1' : ''}`);
  if (!res.ok) { notify(res.message); return null; }
  return { id: res.id, name: res.name, title: res.title, source: res.source,
    threads: res.threads || [], semaphores: res.semaphores || 'weak', note: res.note, expect: res.expect,
    survivors: res.survivors || {}, undecided: res.undecided || {} };
}

export async function openCatalog(id) {
  const p = await catalogProgram(id);
  if (p) return openProgram(p);
}

// Exercise mode switched: the catalog program shown takes the other form. Its lines are the
// same, so the schedule and the settings stay; edits stay too (and stay unsaved).
export async function showCatalogForm() {
  const old = app.program;
  if (!old?.id || old.id.startsWith('file:')) return;
  const p = await catalogProgram(old.id);
  if (!p || app.program !== old) return;
  const edited = old.source !== old.original;
  app.program = { ...old, ...p, threads: old.threads, semaphores: old.semaphores,
    original: p.source, source: edited ? old.source : p.source };
  return refresh();
}

export async function openFile(i) {
  const res = await api.source(`file=${i}`);
  if (!res.ok) { notify(res.message); return; }
  return openProgram({ id: res.id, name: res.name, title: res.title, source: res.source });
}

// The editor holds changes that exist nowhere else (neither in the catalog nor in a file).
export function unsaved() {
  return !!app.program && app.program.source !== app.program.original;
}

// A move of one's own replaces the rest of the schedule and leaves the replayed lasso.
function truncate() { app.moves = app.moves.slice(0, app.at); app.cycle = null; }

function status() { return app.view?.status?.kind; }

export function canStep(t) {
  return !!app.view && status() === 'running' && app.view.state.threads[t]?.status === 'runnable';
}

// Steps thread t; asks which waiter to wake when the step has a choice (unless chance picks).
export async function stepThread(t, choose) {
  if (!canStep(t)) return;
  const th = app.view.state.threads[t];
  let c = [];
  if (th.arities.length) {
    if (app.pick === 'chance' || !choose) {
      c = null;
    } else {
      const prefix = app.moves.slice(0, app.at);
      for (;;) {
        const alt = await api.alternatives(app.program, prefix, t, c);
        if (!alt.ok) { notify(alt.message); return; }
        if (alt.alternatives.length === 0 || c.length >= alt.arities.length) break;
        const picked = await choose(th, alt.alternatives);
        if (picked === undefined) return; // cancelled
        c.push(picked === null ? Math.floor(Math.random() * alt.alternatives.length) : picked);
        if (c.length >= alt.arities.length) break;
      }
    }
  }
  truncate();
  if (c === null) {
    // Chance picks: the server draws the choices of this thread's step.
    return refresh({ kind: 'random', seed: seed(), count: 1, thread: t });
  }
  app.moves.push(c.length ? { t, c } : { t });
  app.at = app.moves.length;
  return refresh();
}

export async function stepRound() {
  if (status() !== 'running') return;
  return refresh({ kind: 'round', seed: seed() });
}

export async function randomStep() {
  if (status() !== 'running') return;
  return refresh({ kind: 'random', seed: seed(), count: 1 });
}

export async function spawn(column) {
  if (!app.view) return;
  truncate();
  app.moves.push({ spawn: column });
  app.at = app.moves.length;
  return refresh();
}

export function back() {
  if (app.at === 0) return;
  stop();
  app.at -= 1;
  return refresh();
}

export function forward() {
  if (app.at >= app.moves.length) {
    // At the end of a lasso: its cycle led back to where it started, so go round again.
    if (!app.cycle || app.cycle.moves.length === 0) return;
    app.moves = [...app.moves, ...app.cycle.moves];
  }
  app.at += 1;
  return refresh();
}

// Plays the replayed lasso step by step, round its cycle until stopped.
export function playCycle() {
  stop();
  if (!app.cycle) return;
  app.running = { mode: 'cycle', timer: null };
  const tick = async () => {
    if (!app.running) return;
    const res = await forward();
    if (!app.running) return;
    if (!res || !res.ok) { stop(); emit(); return; }
    app.running.timer = setTimeout(tick, 1000 / app.speed);
  };
  emit();
  tick();
}

// Where the rounds of the replayed lasso's cycle start in the schedule (step numbers).
export function cycleStarts() {
  if (!app.cycle || app.cycle.moves.length === 0) return [];
  const out = [];
  for (let i = app.cycle.start; i < app.moves.length; i += app.cycle.moves.length) out.push(i);
  return out;
}

export function goTo(i) {
  stop();
  app.at = Math.max(0, Math.min(i, app.moves.length));
  return refresh();
}

export function reset() {
  stop();
  app.cycle = null;
  app.moves = [];
  app.at = 0;
  app.notice = null;
  return refresh();
}

export function loadTrace(moves, label, cycle = null) {
  stop();
  app.cycle = cycle;
  app.moves = moves;
  app.at = 0;
  app.notice = label;
  return refresh();
}

export function run(mode) {
  stop();
  app.running = { mode, timer: null };
  const tick = async () => {
    if (!app.running) return;
    const res = mode === 'round' ? await stepRound() : await randomStep();
    if (!app.running) return;
    if (!res || !res.ok || res.status.kind !== 'running') { stop(); emit(); return; }
    app.running.timer = setTimeout(tick, 1000 / app.speed);
  };
  emit();
  tick();
}

export function stop() {
  if (app.running) {
    clearTimeout(app.running.timer);
    app.running = null;
    emit();
  }
}

export async function setSource(source) {
  stop();
  app.program = { ...app.program, source };
  app.cycle = null;
  app.moves = [];
  app.at = 0;
  app.notice = null;
  return refresh();
}

export async function setConfig(threads, semaphores) {
  stop();
  app.program = { ...app.program, threads, semaphores };
  app.cycle = null;
  app.moves = [];
  app.at = 0;
  return refresh();
}
