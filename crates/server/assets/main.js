// Wires the views together: tabs, the notice line, the share button, start-up from the URL.
import { $, h, clear } from './dom.js';
import { app, onChange, openCatalog, openFile, openProgram, notify } from './state.js';
import * as url from './url.js';
import * as api from './api.js';
import { renderCatalog } from './catalog.js';
import { initEditor, renderEditor } from './editor.js';
import { renderBoard } from './board.js';
import { renderDiagram } from './diagram.js';
import { initCheck, renderCheck } from './check.js';
import { initKeys, showHelp } from './keys.js';
import { initTraceFile } from './tracefile.js';

export let currentTab = 'catalog';

export function showTab(name) {
  currentTab = name;
  for (const b of document.querySelectorAll('.tabs [role=tab]')) {
    const on = b.dataset.tab === name;
    b.setAttribute('aria-selected', on ? 'true' : 'false');
    b.tabIndex = on ? 0 : -1;
  }
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${name}`;
  render();
}
window.lbosShowTab = showTab;

function render() {
  const p = app.program;
  $('#prog-title').textContent = p ? (p.title || p.name || 'New program') : '';
  const n = $('#notice');
  n.textContent = app.notice || '';
  n.hidden = !app.notice;
  if (currentTab === 'catalog') renderCatalog($('#view-catalog'));
  if (currentTab === 'sim') renderBoard($('#view-sim'));
  if (currentTab === 'edit') renderEditor($('#view-edit'));
  if (currentTab === 'check') renderCheck($('#view-check'));
  if (currentTab === 'trace') renderDiagram($('#view-trace'));
}
onChange(render);

export async function open(kind, id) {
  if (kind === 'catalog') await openCatalog(id);
  else if (kind === 'file') await openFile(id);
  else await openProgram({ id: null, name: 'new.sync', title: 'New program', source: id });
  showTab(app.error ? 'edit' : 'sim');
}
window.lbosOpen = open;

async function start() {
  for (const b of document.querySelectorAll('.tabs [role=tab]')) {
    b.addEventListener('click', () => showTab(b.dataset.tab));
  }
  $('.tabs').addEventListener('keydown', (e) => {
    const tabs = [...document.querySelectorAll('.tabs [role=tab]')];
    const i = tabs.indexOf(document.activeElement);
    if (i < 0 || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight')) return;
    e.preventDefault();
    e.stopPropagation();
    const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
    next.focus();
    showTab(next.dataset.tab);
  });
  $('#share').addEventListener('click', share);
  $('#help-btn').addEventListener('click', showHelp);
  initEditor();
  initCheck();
  initTraceFile();
  initKeys({ showTab, share, currentTab: () => currentTab });
  const fromUrl = url.decode(location.hash);
  if (fromUrl) {
    let p = null;
    if (fromUrl.id) {
      const res = await api.source(`catalog=${encodeURIComponent(fromUrl.id)}`);
      if (res.ok) p = { id: res.id, name: res.name, title: res.title, source: res.source, note: res.note, expect: res.expect };
    }
    if (fromUrl.source !== null) {
      p = { id: null, name: 'shared.sync', title: 'Shared program', source: fromUrl.source, original: null };
    }
    if (p) {
      await openProgram({ ...p, threads: fromUrl.threads, semaphores: fromUrl.semaphores }, fromUrl.moves, fromUrl.at);
      showTab(app.error ? 'edit' : 'sim');
      return;
    }
    notify('The link names a program this server does not have.');
  }
  showTab('catalog');
}

export async function share() {
  const link = location.origin + location.pathname + url.encode(app);
  history.replaceState(null, '', url.encode(app));
  try {
    await navigator.clipboard.writeText(link);
    notify('Link copied: ' + link);
  } catch {
    notify('Link: ' + link);
  }
}

start();
