// Exercise mode: hides what gives an exercise away (the catalog's expected verdicts, the kind
// of each program, its notes and the explanations of surviving mutants), and names catalog
// programs neutrally, by the book's section and listing: title, id in links, file name and
// the program's leading comment (the server makes that form: lbos_catalog::Neutral). Remembered in
// localStorage; `?exercise=1` (or `=0`) in the address sets it, so a teacher can hand out a
// link that opens the page in exercise mode.
const KEY = 'lbos.exercise';
const listeners = new Set();

function stored() {
  try { return localStorage.getItem(KEY) === '1'; } catch { return false; }
}

let on = stored();

export function initExercise() {
  const q = new URLSearchParams(location.search);
  if (q.has('exercise')) set(q.get('exercise') !== '0');
  else apply();
}

export const exercise = () => on;

export function set(value) {
  on = !!value;
  try { localStorage.setItem(KEY, on ? '1' : '0'); } catch { /* private mode: this page only */ }
  apply();
  for (const f of listeners) f(on);
}

export function onExercise(f) { listeners.add(f); }

function apply() {
  document.documentElement.classList.toggle('exercise', on);
  const box = document.querySelector('#exercise');
  if (box) box.checked = on;
}
