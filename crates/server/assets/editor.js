// The editor: a plain textarea with line numbers; compile errors are marked at their line and
// column (an overlay behind the text) and listed below. Edits are compiled as you type.
import { h, clear, $ } from './dom.js';
import { app, setSource, setConfig } from './state.js';

let built = false;
let timer = null;
let els = {};

export function initEditor() {}

function build(root) {
  clear(root);
  els.gutter = h('pre.gutter', { 'aria-hidden': 'true' });
  els.overlay = h('pre.overlay', { 'aria-hidden': 'true' });
  els.text = h('textarea#code', {
    spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off', wrap: 'off',
    'aria-label': 'Program text', 'aria-describedby': 'diagnostics',
  });
  els.diags = h('div#diagnostics', { 'aria-live': 'polite' });
  els.threads = h('input#threads', { type: 'text', placeholder: 'from the headers, e.g. 3 or reader=2', 'aria-label': 'Threads per column' });
  els.sem = h('select#semaphores', { 'aria-label': 'Semaphore model' },
    h('option', { value: 'weak' }, 'weak (Semaphore) / FIFO (FifoSemaphore)'),
    h('option', { value: 'fifo' }, 'every semaphore FIFO'),
    h('option', { value: 'strong' }, 'strong: weak, and fair wake-ups for the starvation check'));
  const apply = () => setConfig(els.threads.value.split(',').map((s) => s.trim()).filter(Boolean), els.sem.value);
  els.threads.addEventListener('change', apply);
  els.sem.addEventListener('change', apply);
  els.text.addEventListener('input', () => {
    syncGutter();
    clearTimeout(timer);
    timer = setTimeout(() => setSource(els.text.value), 350);
  });
  els.text.addEventListener('scroll', () => {
    els.overlay.scrollTop = els.text.scrollTop;
    els.overlay.scrollLeft = els.text.scrollLeft;
    els.gutter.scrollTop = els.text.scrollTop;
  });
  els.text.addEventListener('keydown', (e) => {
    if (e.key === 'Tab' && !e.shiftKey && !e.ctrlKey) {
      // Tab indents; Escape then Tab leaves the editor.
      if (els.escaped) { els.escaped = false; return; }
      e.preventDefault();
      document.execCommand('insertText', false, '    ');
    } else if (e.key === 'Escape') {
      els.escaped = true;
    } else {
      els.escaped = false;
    }
  });
  root.append(
    h('div.edit-head',
      h('label', 'Threads ', els.threads),
      h('label', 'Semaphores ', els.sem),
      h('span.muted', 'Changes are compiled as you type. Tab indents; Esc then Tab leaves the editor.')),
    h('div.editor', els.gutter, h('div.code-area', els.overlay, els.text)),
    els.diags);
  built = true;
}

function syncGutter() {
  const n = els.text.value.split('\n').length;
  const bad = errorLines();
  clear(els.gutter);
  for (let i = 1; i <= n; i++) {
    els.gutter.append(h(bad.has(i) ? 'span.ln.err' : 'span.ln', { 'data-line': i }, String(i)), '\n');
  }
}

function errorLines() {
  const e = app.error;
  const lines = new Set();
  if (!e) return lines;
  if (e.error === 'compile') for (const d of e.diagnostics) lines.add(d.line);
  if (e.error === 'setup' && e.line) lines.add(e.line);
  return lines;
}

function paintOverlay() {
  const lines = els.text.value.split('\n');
  const e = app.error;
  const marks = new Map();
  if (e?.error === 'compile') for (const d of e.diagnostics) if (!marks.has(d.line)) marks.set(d.line, d);
  if (e?.error === 'setup' && e.line) marks.set(e.line, { line: e.line, column: 1, len: 0 });
  clear(els.overlay);
  lines.forEach((text, i) => {
    const d = marks.get(i + 1);
    if (!d) { els.overlay.append(h('span.ol', text || ' '), '\n'); return; }
    const c = Math.max(0, d.column - 1);
    const len = d.len || Math.max(1, text.length - c);
    els.overlay.append(h('span.ol.err-line', { 'data-line': i + 1 },
      text.slice(0, c), h('span.err-mark', text.slice(c, c + len) || ' '), text.slice(c + len) || ' '), '\n');
  });
}

export function renderEditor(root) {
  if (!built || !root.contains(els.text)) build(root);
  const p = app.program;
  if (!p) {
    els.text.value = '';
  } else if (els.text.value !== p.source && document.activeElement !== els.text) {
    els.text.value = p.source;
  }
  if (p && document.activeElement !== els.threads) els.threads.value = (p.threads || []).join(', ');
  if (p) els.sem.value = p.semaphores || 'weak';
  syncGutter();
  paintOverlay();
  clear(els.diags);
  const e = app.error;
  if (!e) {
    els.diags.append(h('p.ok-line', p ? '✓ The program compiles.' : 'Open a program from the catalog or start a new one.'));
  } else if (e.error === 'compile') {
    els.diags.append(h('ul.diag-list', e.diagnostics.map((d) =>
      h('li.diag', { 'data-line': d.line },
        h('button.linkish', { onclick: () => goToLine(d.line, d.column) }, `Line ${d.line}, column ${d.column}`),
        ': ', h('strong', d.message), d.hint ? h('span.hint', ' — ', d.hint) : null))));
  } else {
    els.diags.append(h('ul.diag-list', h('li.diag', { 'data-line': e.line ?? '' },
      e.line ? h('button.linkish', { onclick: () => goToLine(e.line, 1) }, `Line ${e.line}`) : 'Setup',
      ': ', h('strong', e.message))));
  }
}

function goToLine(line, column) {
  const lines = els.text.value.split('\n');
  let pos = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) pos += lines[i].length + 1;
  pos += Math.max(0, column - 1);
  els.text.focus();
  els.text.setSelectionRange(pos, pos);
}
