// The dialog that asks which waiter a signal wakes (or lets chance pick).
import { h, clear, $ } from './dom.js';

export function chooseWaiter(thread, alternatives) {
  const dlg = $('#choice');
  clear(dlg);
  return new Promise((resolve) => {
    let done = false;
    const finish = (v) => { if (done) return; done = true; dlg.close(); resolve(v); };
    dlg.append(
      h('h2#choice-title', `${thread.name}'s step can go several ways`),
      h('p', 'Which waiter should it wake? (number keys pick, 0 lets chance pick, Esc cancels)'),
      h('div.alts', alternatives.map((a, i) =>
        h('button.alt', { 'data-choice': i, onclick: () => finish(i) },
          h('kbd', String(i + 1)), ' ',
          a.woke.length ? `wake ${a.woke.join(' and ')}` : (a.events.join(', ') || `alternative ${i + 1}`)))),
      h('div.alt-foot',
        h('button#alt-random', { onclick: () => finish(null) }, h('kbd', '0'), ' let chance pick'),
        h('button', { onclick: () => finish(undefined) }, 'Cancel')));
    dlg.onkeydown = (e) => {
      if (/^[1-9]$/.test(e.key) && Number(e.key) <= alternatives.length) { e.preventDefault(); finish(Number(e.key) - 1); }
      else if (e.key === '0') { e.preventDefault(); finish(null); }
      e.stopPropagation();
    };
    dlg.oncancel = () => finish(undefined);
    dlg.showModal();
    dlg.querySelector('button.alt')?.focus();
  });
}

// Asks before something replaces edits not yet saved anywhere (true: go ahead).
export function confirmDiscard(what) {
  const dlg = $('#confirm');
  clear(dlg);
  return new Promise((resolve) => {
    let done = false;
    const finish = (v) => { if (done) return; done = true; dlg.close(); resolve(v); };
    dlg.append(
      h('h2#confirm-title', 'Discard your edits?'),
      h('p', `The program in the editor has changes that are not saved anywhere. ${what} replaces them.`),
      h('p.muted', 'To keep them, cancel and use Copy link (the link holds the edited text).'),
      h('div.alt-foot',
        h('button#confirm-discard', { onclick: () => finish(true) }, 'Discard edits'),
        h('button.primary#confirm-keep', { onclick: () => finish(false) }, 'Keep editing')));
    dlg.oncancel = () => finish(false);
    dlg.onkeydown = (e) => e.stopPropagation();
    dlg.showModal();
    dlg.querySelector('#confirm-keep').focus();
  });
}
