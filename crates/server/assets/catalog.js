// The catalog: every entry by chapter, each with its programs; then the command-line files.
import { h, clear } from './dom.js';
import * as api from './api.js';
import { exercise } from './prefs.js';

// The catalog as each mode fetches it: exercise mode's list has neutral names only, so that
// not even the network traffic gives the answers away.
const data = {};
const loading = {};

export function renderCatalog(root) {
  // Rendered once per mode: exercise mode leaves out what gives the answers away.
  const mode = exercise() ? 'exercise' : 'all';
  if (!data[mode]) {
    if (!loading[mode]) {
      loading[mode] = api.catalog(mode === 'exercise').then((d) => {
        data[mode] = d;
        renderCatalog(root);
      });
    }
    if (root.dataset.done !== 'loading') {
      clear(root);
      root.dataset.done = 'loading';
      root.append(h('p.muted', 'Loading the catalog…'));
    }
    return;
  }
  if (root.dataset.done === mode) return;
  root.dataset.done = mode;
  const spoil = mode === 'all';
  clear(root);
  const open = (kind, id) => window.lbosOpen(kind, id);
  root.append(
    h('div.catalog-intro',
      h('p', 'Pick a program to simulate and check, or write your own.',
        spoil ? null : h('span.muted#exercise-note', ' Exercise mode: programs are named by section and listing; verdicts and notes are hidden.')),
      h('button.primary#new-program', { onclick: () => open('new', NEW_PROGRAM) }, 'New program')),
  );
  const { files, chapters } = data[mode];
  if (files.length) {
    root.append(h('section.chapter',
      h('h2', 'Files from the command line'),
      h('ul.programs', files.map((f) =>
        h('li', h('button.prog', { onclick: () => open('file', f.id), 'data-file': f.id }, f.name))))));
  }
  for (const ch of chapters) {
    root.append(h('section.chapter',
      h('h2', `Chapter ${ch.chapter}`),
      h('div.entries', ch.entries.map((e) =>
        h('article.entry', { 'data-entry': e.name },
          h('h3', h('span.section', e.section), ' ', e.title),
          h('p.statement', firstSentence(e.statement)),
          h('ul.programs', e.programs.map((p) => {
            // Exercise mode names a program only by the book's section and listing.
            const [id, title] = spoil ? [p.id, p.title] : [p.exercise_id, p.exercise_title];
            return h('li',
              h('button.prog', { onclick: () => open('catalog', id), 'data-id': id, title: spoil ? p.note || '' : '' },
                title),
              spoil ? [' ', h(`span.kind.${p.kind}`, p.kind), ' ', h(`span.expect.v-${p.expect}`, p.expect)] : null);
          })))))));
  }
}

function firstSentence(s) {
  const t = s.replace(/\s+/g, ' ').trim();
  const i = t.indexOf('. ');
  return i > 0 && i < 220 ? t.slice(0, i + 1) : t.slice(0, 220) + (t.length > 220 ? '…' : '');
}

const NEW_PROGRAM = `# A new program: the initialization block, then one column per thread kind
mutex = Semaphore(1)
count = 0

## Thread x2
mutex.wait()
count += 1
mutex.signal()
`;
