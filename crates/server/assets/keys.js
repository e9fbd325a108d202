// Keyboard: letters step the thread of that name, digits the n-th thread; Shift+letter runs the
// controls; arrows move in the timeline. Keys typed into the editor or a field are left alone.
import { h, clear, $ } from './dom.js';
import { app, stepThread, stepRound, randomStep, run, stop, back, forward, reset, spawn, goTo } from './state.js';
import { chooseWaiter } from './choice.js';
import { startCheck, cancelCheck } from './check.js';

const HELP = [
  ['a … z', 'step the thread of that name'],
  ['1 … 9', 'step thread 1 … 9 (A … I)'],
  ['Shift+S', 'Step: each runnable thread once'],
  ['Shift+R', 'Random step'],
  ['Shift+P / Shift+Q', 'Run / Random run'],
  ['Esc', 'Stop a run, cancel a check'],
  ['← / Backspace', 'Back (undo one step)'],
  ['→', 'Forward (redo, or the next step of a counterexample)'],
  ['Home / End', 'first / last step of the timeline'],
  ['Shift+X', 'Reset'],
  ['Shift+1 … 9', 'create a thread in column 1 … 9'],
  ['Shift+C', 'Check'],
  ['Shift+L', 'copy a link to this program and schedule'],
  ['Alt+1 … 5', 'Catalog, Simulate, Edit, Check, Trace diagram'],
  ['?', 'this help'],
];

export function showHelp() {
  const dlg = $('#help');
  clear(dlg);
  dlg.append(h('h2#help-title', 'Keyboard'),
    h('table', HELP.map(([k, t]) => h('tr', h('td', h('kbd', k)), h('td', t)))),
    h('p', h('button', { onclick: () => dlg.close() }, 'Close')));
  dlg.showModal();
}

export function initKeys({ showTab, share }) {
  const tabs = ['catalog', 'sim', 'edit', 'check', 'trace'];
  document.addEventListener('keydown', (e) => {
    if (document.querySelector('dialog[open]')) return;
    const t = e.target;
    if (t && (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT' || t.tagName === 'SELECT')) return;
    if (e.ctrlKey || e.metaKey) return;
    if (e.altKey) {
      const m = /^Digit([1-5])$/.exec(e.code);
      if (m) { e.preventDefault(); showTab(tabs[Number(m[1]) - 1]); }
      return;
    }
    const key = e.key;
    const done = () => e.preventDefault();
    if (e.shiftKey) {
      const d = /^Digit([1-9])$/.exec(e.code);
      if (d) { done(); spawn(Number(d[1]) - 1); return; }
      switch (key.toUpperCase()) {
        case 'S': done(); stepRound(); return;
        case 'R': done(); randomStep(); return;
        case 'P': done(); run('round'); return;
        case 'Q': done(); run('random'); return;
        case 'X': done(); reset(); return;
        case 'C': done(); showTab('check'); startCheck(); return;
        case 'L': done(); share(); return;
      }
    }
    if (key === '?') { done(); showHelp(); return; }
    if (key === 'Escape') { stop(); cancelCheck(); return; }
    if (key === 'ArrowLeft' || key === 'Backspace') { done(); back(); return; }
    if (key === 'ArrowRight') { done(); forward(); return; }
    if (key === 'Home') { done(); goTo(0); return; }
    if (key === 'End') { done(); goTo(app.moves.length); return; }
    if (!app.view || e.shiftKey) return;
    if (/^[a-z]$/.test(key)) {
      const th = app.view.state.threads.find((x) => x.name === key.toUpperCase());
      if (th) { done(); stepThread(th.id, chooseWaiter); }
      return;
    }
    if (/^[1-9]$/.test(key)) {
      const th = app.view.state.threads[Number(key) - 1];
      if (th) { done(); stepThread(th.id, chooseWaiter); }
    }
  });
}
