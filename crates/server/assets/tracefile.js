// Trace files: opening one (`lbos check --trace-out`) by a button in the header or by dropping
// it anywhere on the page, and saving the schedule shown as one. The server reads the file, replays its path and answers with the
// program and the check result the path stands for; the page then shows it in the Check view,
// as if it had run that check itself, ready to replay.
import { h } from './dom.js';
import { app, openProgram, notify } from './state.js';
import { showReport } from './check.js';
import * as api from './api.js';

// The most a file may be before it is sent: the server refuses larger bodies anyway.
const MAX_BYTES = 512 * 1024;

export async function openTraceText(text, name = 'the trace file') {
  const res = await api.openTrace(text);
  if (!res.ok) { notify(`Cannot open ${name}: ${res.message}`); return false; }
  const p = res.program;
  await openProgram({ id: null, name: p.name, title: p.title, source: p.source, original: null,
    threads: p.threads, semaphores: p.semaphores });
  await showReport(res.report, p.source);
  window.lbosShowTab('check');
  notify(`Opened ${name}: ${p.name}, ${res.report.verdict}, ${res.report.path?.length ?? 0} steps.`);
  return true;
}

async function openFile(file) {
  if (!file) return;
  if (file.size > MAX_BYTES) { notify(`Cannot open ${file.name}: it is larger than ${MAX_BYTES >> 10} KiB.`); return; }
  await openTraceText(await file.text(), file.name);
}

export function initTraceFile() {
  const input = h('input#trace-file-input', { type: 'file', accept: '.json,application/json', hidden: true,
    onchange: async (e) => { await openFile(e.target.files[0]); e.target.value = ''; } });
  const button = h('button#open-trace', { title: 'Open a trace file written by lbos check --trace-out (or drop it on the page)',
    onclick: () => input.click() }, 'Open trace');
  const save = h('button#save-trace', { title: 'Save this schedule as a trace file for lbos run --replay', onclick: saveTrace }, 'Save trace');
  const anchor = document.getElementById('share');
  if (anchor) anchor.before(button, save, input);
  else document.body.append(button, save, input);
  // Dropping a file anywhere opens it; dropped text (into the editor) is left alone.
  const isFile = (e) => [...(e.dataTransfer?.types || [])].includes('Files');
  window.addEventListener('dragover', (e) => { if (isFile(e)) e.preventDefault(); });
  window.addEventListener('drop', (e) => {
    if (!isFile(e)) return;
    e.preventDefault();
    openFile(e.dataTransfer.files[0]);
  });
}

// Saves the schedule shown (all its moves) as a trace file that `lbos run --replay` steps through
// and this page opens again.
export async function saveTrace() {
  if (!app.program) { notify('Open a program first.'); return; }
  const res = await api.saveTrace(app.program, app.moves);
  if (!res.ok) { notify(`Cannot save the trace: ${res.message}`); return; }
  const base = (app.program.name || 'program').split('/').pop().replace(/\.(sync|py)$/, '');
  const link = h('a', { href: URL.createObjectURL(new Blob([res.text], { type: 'application/json' })), download: `${base}.trace.json` });
  document.body.append(link);
  link.click();
  link.remove();
  notify(`Saved ${app.moves.length} moves as ${base}.trace.json: replay it with lbos run --replay, or open it here.`);
}
