// Wires the views together: tabs, the notice line, the share button, start-up from the URL,
// the browser's history (each opened program and each view is an entry, so Back walks the
// app), and the guard on unsaved edits.
import { $ } from './dom.js';
import { app, onChange, openCatalog, openFile, openProgram, notify, unsaved, catalogProgram, showCatalogForm } from './state.js';
import * as url from './url.js';
import { renderCatalog } from './catalog.js';
import { initEditor, renderEditor } from './editor.js';
import { renderBoard, fitBoard } from './board.js';
import { renderDiagram } from './diagram.js';
import { initCheck, renderCheck, checkFollows } from './check.js';
import { initKeys, showHelp } from './keys.js';
import { initTraceFile } from './tracefile.js';
import { confirmDiscard } from './choice.js';
import { initExercise, onExercise, set as setExercise, exercise } from './prefs.js';

export let currentTab = 'catalog';

// Shows a view. A new view is a new history entry unless `push` is false (start-up, popstate).
export function showTab(name, push = true) {
  const changed = name !== currentTab;
  currentTab = name;
  app.tab = name;
  for (const b of document.querySelectorAll('.tabs [role=tab]')) {
    const on = b.dataset.tab === name;
    b.setAttribute('aria-selected', on ? 'true' : 'false');
    b.tabIndex = on ? 0 : -1;
  }
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${name}`;
  const entry = { opening: app.opening };
  if (push && changed) history.pushState(entry, '', url.encode(app) || location.pathname + location.search);
  else history.replaceState(entry, '', url.encode(app) || location.pathname + location.search);
  // A view opens at its top: the toolbar and the threads, not where the last one was scrolled.
  if (changed) window.scrollTo(0, 0);
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
  if (currentTab === 'sim') { renderBoard($('#view-sim')); fitBoard(); }
  if (currentTab === 'edit') renderEditor($('#view-edit'));
  if (currentTab === 'check') renderCheck($('#view-check'));
  if (currentTab === 'trace') renderDiagram($('#view-trace'));
}
onChange(render);

// Opens a program from the catalog, a command-line file or a text; asks first when that
// would replace unsaved edits. Returns false when the user kept them.
export async function open(kind, id) {
  if (unsaved() && !(await confirmDiscard('Opening another program'))) return false;
  if (kind === 'catalog') await openCatalog(id);
  else if (kind === 'file') await openFile(id);
  else await openProgram({ id: null, name: 'new.sync', title: 'New program', source: id });
  // The entry we opened from now belongs to this opening (Back to it shows the same view,
  // with this program); the program's view is a new entry.
  history.replaceState({ opening: app.opening }, '', url.encode(app));
  showTab(app.error ? 'edit' : 'sim');
  window.scrollTo(0, 0);
  return true;
}
window.lbosOpen = open;

// Loads the program a URL names (catalog id or text), with its schedule; false if it names none.
async function openFromUrl(hash) {
  const fromUrl = url.decode(hash);
  if (!fromUrl) return false;
  let p = null;
  if (fromUrl.id) p = await catalogProgram(fromUrl.id);
  if (fromUrl.source !== null) {
    p = { id: null, name: 'shared.sync', title: 'Shared program', source: fromUrl.source, original: null };
  }
  if (!p) {
    notify('The link names a program this server does not have.');
    return false;
  }
  await openProgram({ ...p, threads: fromUrl.threads, semaphores: fromUrl.semaphores }, fromUrl.moves, fromUrl.at);
  return true;
}

// Back and Forward: an entry of the same opening only changes the view (edits are kept);
// one of another opening loads its program, after asking if edits would be lost.
async function onPopState(e) {
  const view = url.viewOf(location.hash);
  const sameOpening = e.state && e.state.opening === app.opening && app.program;
  if (!sameOpening && url.decode(location.hash)) {
    if (unsaved() && !(await confirmDiscard('Going back'))) {
      // Stay: put the current program back in the address bar as a new entry.
      history.pushState({ opening: app.opening }, '', url.encode(app));
      return;
    }
    currentTab = view;
    app.tab = view;
    if (!(await openFromUrl(location.hash))) { showTab('catalog', false); return; }
    if (app.error && view === 'sim') { showTab('edit', false); return; }
  }
  showTab(app.program || view === 'catalog' ? view : 'catalog', false);
}

async function start() {
  initExercise();
  const box = $('#exercise');
  box.checked = exercise();
  box.addEventListener('change', () => setExercise(box.checked));
  onExercise(async () => {
    const before = app.program?.source;
    await showCatalogForm();
    checkFollows(before, app.program?.source);
    render();
  });
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
  window.addEventListener('popstate', onPopState);
  window.addEventListener('beforeunload', (e) => {
    if (!unsaved()) return;
    e.preventDefault();
    e.returnValue = ''; // older browsers need it set
  });
  window.addEventListener('resize', () => { if (currentTab === 'sim') fitBoard(); });
  initEditor();
  initCheck();
  initTraceFile();
  initKeys({ showTab, share, currentTab: () => currentTab });
  if (url.decode(location.hash)) {
    const view = url.viewOf(location.hash);
    app.tab = view; // the replay keeps the address's view while it loads
    if (await openFromUrl(location.hash)) {
      showTab(app.error && view === 'sim' ? 'edit' : view, false);
      return;
    }
  }
  showTab('catalog', false);
}

export async function share() {
  const query = exercise() ? '?exercise=1' : '';
  const link = location.origin + location.pathname + query + url.encode(app);
  history.replaceState(history.state, '', url.encode(app));
  try {
    await navigator.clipboard.writeText(link);
    notify('Link copied: ' + link);
  } catch {
    notify('Link: ' + link);
  }
}

start();
