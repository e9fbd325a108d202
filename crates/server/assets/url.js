// Shareable URLs: the program (catalog id or the text itself), its configuration, the schedule.
// #p=ENTRY/FILE | #src=BASE64URL, &m=MOVES (0_1c1_s0: thread 0, thread 1 with choice 1, a new
// thread in column 0: the path's text form, as lbos_vm::present::path_text writes it), &at=N,
// &t=THREADS (comma separated), &sem=fifo, &v=VIEW (a tab other than Simulate). The catalog
// with no program open is #v=catalog.

export function encodeMoves(moves) {
  return moves.map((m) => ('spawn' in m ? `s${m.spawn}` : [m.t, ...(m.c || [])].join('c'))).join('_');
}

export function decodeMoves(text) {
  if (!text) return [];
  return text.split('_').filter(Boolean).map((part) => {
    if (part[0] === 's') return { spawn: Number(part.slice(1)) };
    const [t, ...c] = part.split('c').map(Number);
    return c.length ? { t, c } : { t };
  });
}

function toBase64Url(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s) {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

export function encode(app) {
  const p = app.program;
  if (!p) return app.tab && app.tab !== 'catalog' ? '' : '#v=catalog';
  const q = new URLSearchParams();
  if (p.id && p.source === p.original && !p.id.startsWith('file:')) q.set('p', p.id);
  else q.set('src', toBase64Url(p.source));
  if (p.threads && p.threads.length) q.set('t', p.threads.join(','));
  if (p.semaphores && p.semaphores !== 'weak') q.set('sem', p.semaphores);
  if (app.moves.length) q.set('m', encodeMoves(app.moves));
  if (app.at !== app.moves.length) q.set('at', String(app.at));
  if (app.tab && app.tab !== 'sim') q.set('v', app.tab);
  return '#' + q.toString();
}

const VIEWS = ['catalog', 'sim', 'edit', 'check', 'trace'];

// The view a URL names: its v=, else Simulate when it names a program, else the catalog.
export function viewOf(hash) {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const v = q.get('v');
  if (VIEWS.includes(v)) return v;
  return q.has('p') || q.has('src') ? 'sim' : 'catalog';
}

export function decode(hash) {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  if (!q.has('p') && !q.has('src')) return null;
  let source = null;
  try { source = q.has('src') ? fromBase64Url(q.get('src')) : null; } catch { source = null; }
  const moves = decodeMoves(q.get('m'));
  return {
    id: q.get('p'),
    source,
    threads: q.get('t') ? q.get('t').split(',') : [],
    semaphores: q.get('sem') || 'weak',
    moves,
    at: q.has('at') ? Number(q.get('at')) : moves.length,
  };
}
