// The server's API. Every state comes from the server: the page never steps a program itself.
async function call(method, url, body) {
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    return { ok: false, error: 'request', message: `the server cannot be reached (${e.message})` };
  }
  let data;
  try { data = await res.json(); } catch { data = { ok: false, error: 'request', message: `${res.status} ${res.statusText}` }; }
  data.httpStatus = res.status;
  return data;
}

const programBody = (p) => ({ name: p.name, source: p.source, threads: p.threads || [], semaphores: p.semaphores || 'weak' });

export const catalog = (exercise) => call('GET', `/api/catalog${exercise ? '?exercise=1' : ''}`);
export const source = (query) => call('GET', `/api/source?${query}`);
export const view = (p, moves, at, extend) =>
  call('POST', '/api/view', { ...programBody(p), moves, at, extend });
export const alternatives = (p, moves, thread, prefix) =>
  call('POST', '/api/alternatives', { ...programBody(p), moves, thread, prefix });
export const startCheck = (p, opts) => call('POST', '/api/check', { ...programBody(p), ...opts });
export const pollCheck = (id) => call('GET', `/api/check/${id}`);
export const cancelCheck = (id) => call('POST', `/api/check/${id}/cancel`);
// The trace file's text as the server writes it.
export async function saveTrace(p, moves) {
  try {
    const res = await fetch('/api/trace/save', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...programBody(p), moves }) });
    const text = await res.text();
    if (res.ok) return { ok: true, text };
    try { return JSON.parse(text); } catch { return { ok: false, message: `${res.status} ${res.statusText}` }; }
  } catch (e) {
    return { ok: false, error: 'request', message: `the server cannot be reached (${e.message})` };
  }
}
export async function openTrace(text) {
  try {
    const res = await fetch('/api/trace', { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
    const data = await res.json();
    data.httpStatus = res.status;
    return data;
  } catch (e) {
    return { ok: false, error: 'request', message: `the server cannot be reached (${e.message})` };
  }
}
export const startMutants = (p, opts = {}) =>
  call('POST', '/api/mutants', { ...programBody(p), catalog: p.id && !p.id.startsWith('file:') ? p.id : undefined, ...opts });
