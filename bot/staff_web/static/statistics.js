'use strict';
// Helpline statistics for supervisors and data officers: a period and filters (kept in the URL so a view
// can be bookmarked), then every figure of GET /staff/api/statistics as a chart (Chart.js, vendored) and
// a table. The table is the accessible form of each chart and carries every number; the chart is a picture
// of it. Text from the server reaches the page through textContent only (no HTML is ever parsed).

const $ = (selector) => document.querySelector(selector);
const FILTERS = ['channel', 'language', 'country', 'age_band', 'category', 'risk', 'coded_by'];
const PARAMS = ['period', 'from', 'to', ...FILTERS];
const NUMERIC = ['count', 'share', 'minutes'];
const ROLE_LABEL = { supervisor: 'supervisor', data_officer: 'data officer' };
const CHART_WORD = { line: 'Line chart', bar: 'Bar chart', stacked: 'Stacked bar chart' };
// Dark enough for 3:1 against white (WCAG 1.4.11) and different in lightness too, so the stacked
// segments stay apart in greyscale print; a white border separates neighbouring segments as well.
const COLOURS = ['#1d5e75', '#c96500', '#7b52ab', '#8a8f98', '#2e7d32', '#a32020'];
const INK = '#1c2530', GRID = '#d5dbe2';
const COUNT = new Intl.NumberFormat('en');
const PERCENT = new Intl.NumberFormat('en', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const DECIMAL = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const state = { charts: [], seq: 0, controller: null, role: null, sessionProblem: '', query: new URLSearchParams() };

// ---- small helpers ----
function el(tag, { attrs = {}, ...props } = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children.filter((c) => c !== null && c !== undefined)); // strings become text nodes
  return node;
}
const plural = (n, word) => `${COUNT.format(n)} ${word}${n === 1 ? '' : 's'}`;
function setStatus(parts, isError = false) {
  const status = $('#status');
  status.replaceChildren(...parts);
  status.classList.toggle('error', isError);
}
const fail = (err) => setStatus([`Something went wrong on this page: ${(err && err.message) || err}`], true);
// Handlers run through this: synchronously (so preventDefault still works), errors shown, never thrown.
const safe = (fn) => (...args) => { try { return Promise.resolve(fn(...args)).catch(fail); } catch (err) { return fail(err); } };
function signedOut() {
  $('#who').textContent = 'no one';
  setStatus(['Signed out: ', el('a', { href: '/staff/sign-in' }, 'sign in again')], true);
}
async function getJson(url, signal) {
  const res = await fetch(url, { credentials: 'same-origin', cache: 'no-store', signal,
    headers: { Accept: 'application/json' } });
  let data = null;
  try { data = await res.json(); } catch (err) { if (err.name === 'AbortError') throw err; /* not JSON */ }
  return { status: res.status, ok: res.ok, data: data && typeof data === 'object' ? data : null };
}

// ---- who is signed in ----
async function loadSession() {
  let res;
  const problem = (text) => { // kept, so the statistics' own status line does not hide it
    state.sessionProblem = `Could not check who is signed in (${text}): reload the page to sign out.`;
    $('#who').textContent = 'not known';
    setStatus([state.sessionProblem], true);
  };
  try { res = await getJson('/staff/api/session'); } catch (err) { problem(err.message); return; }
  if (res.status === 401) { signedOut(); return; }
  if (!res.ok || !res.data) { problem(`error ${res.status}`); return; }
  const me = res.data;
  state.role = me.role;
  $('#who').textContent = `${me.username || '?'} (${ROLE_LABEL[me.role] || me.role || 'no role'})`;
  $('#csrf').value = me.csrf || '';
  // The record exports exist in the page only for data officers (the server refuses them to anyone else).
  const records = $('#record-exports'), officer = me.role === 'data_officer';
  records.replaceChildren(...(officer ? ['csv', 'json'].map((format) => el('li', {},
    el('a', { id: `export-records-${format}`, download: '' }, `Download records (${format.toUpperCase()})`))) : []));
  records.hidden = !officer;
  updateExports(state.query);
}

// ---- the form and the URL ----
const form = () => $('#filters');
function setSelect(select, value) {
  if (![...select.options].some((o) => o.value === value)) select.append(new Option(value, value));
  select.value = value;
}
// The query the page starts with: the URL's own parameters, as they are. A value the form cannot show
// (a date that is not a date, say) still goes to the server, which explains what is wrong with it.
function urlQuery() {
  const url = new URLSearchParams(window.location.search), query = new URLSearchParams();
  for (const name of PARAMS) {
    const value = (url.get(name) || '').trim();
    if (value) query.set(name, value);
  }
  return query;
}
function showQueryInForm(query) {
  const f = form().elements;
  setSelect(f.period, query.get('period') || 'month');
  f.from.value = query.get('from') || '';
  f.to.value = query.get('to') || '';
  for (const name of FILTERS) setSelect(f[name], query.get(name) || '');
  periodChanged();
}
function formQuery() {
  const f = form().elements, query = new URLSearchParams();
  query.set('period', f.period.value);
  if (f.from.value) query.set('from', f.from.value);
  if (f.period.value === 'custom' && f.to.value) query.set('to', f.to.value);
  for (const name of FILTERS) if (f[name].value) query.set(name, f[name].value);
  return query;
}
// "To" is only for custom dates; "From" means the first day there, and any day of the period otherwise.
function periodChanged() {
  const f = form().elements, custom = f.period.value === 'custom';
  $('#to-field').hidden = !custom;
  f.to.disabled = !custom;
  $('#f-from-label').textContent = custom ? 'From (first day)' : 'From (any day in the period)';
  $('#f-from-hint').textContent = custom ? 'Empty: today. The days in between are included.' : 'Empty: today.';
}
function updateExports(query) {
  state.query = query;
  const link = (id, path, format) => {
    const q = new URLSearchParams(query);
    q.set('format', format);
    if ($(id)) $(id).href = `${path}?${q}`;
  };
  link('#export-csv', '/staff/api/export', 'csv');
  link('#export-json', '/staff/api/export', 'json');
  link('#export-records-csv', '/staff/api/export/records', 'csv');
  link('#export-records-json', '/staff/api/export/records', 'json');
}
// The selects offer what the server says each filter can be; the current choice is kept.
function fillOptions(options) {
  if (!options || typeof options !== 'object') return;
  for (const name of FILTERS) {
    const select = form().elements[name], list = options[name];
    if (!Array.isArray(list)) continue;
    const current = select.value;
    const items = list.filter((o) => o && o.value !== undefined && o.value !== null && o.value !== '');
    select.replaceChildren(new Option('All', ''), ...items.map((o) => new Option(String(o.label ?? o.value), String(o.value))));
    setSelect(select, current);
  }
}

// ---- loading ----
async function load(query) {
  const seq = ++state.seq;
  if (state.controller) state.controller.abort();
  const controller = state.controller = new AbortController();
  updateExports(query);
  setStatus(['Loading…']);
  $('#figures').setAttribute('aria-busy', 'true');
  let res;
  try {
    res = await getJson(`/staff/api/statistics?${query}`, controller.signal);
  } catch (err) {
    if (err.name === 'AbortError' || seq !== state.seq) return; // a newer request took over
    showProblem(`Could not reach the server (${err.message}). Check the connection and try again.`);
    return;
  }
  if (seq !== state.seq) return;
  $('#figures').removeAttribute('aria-busy');
  const error = res.data && typeof res.data.error === 'string' ? res.data.error : '';
  if (res.status === 401) { clearFigures(); signedOut(); return; }
  if (res.status === 400) { showProblem(error || 'The period or a filter cannot be used.'); return; }
  if (res.status === 403) { showProblem(error || 'Your role cannot see the statistics.'); return; }
  if (!res.ok) { showProblem(`${error || 'The statistics could not be loaded.'} (error ${res.status})`); return; }
  const data = res.data;
  if (!data || !Array.isArray(data.figures) || !data.period) {
    showProblem('The server sent an answer this page cannot read.');
    return;
  }
  fillOptions(data.options);
  const total = Number(data.total) || 0, { from, to } = data.period;
  document.title = `Helpline statistics, ${from} to ${to}`;
  renderFigures(data);
  const missing = window.Chart ? '' : ' (The charts could not be loaded; the tables show every figure.)';
  const date = (d) => el('span', { className: 'nowrap' }, String(d));
  const summary = [`${plural(total, 'contact')} from `, date(from), ' to ', date(to), missing];
  setStatus(state.sessionProblem ? [...summary, el('br'), state.sessionProblem] : summary, Boolean(state.sessionProblem));
}
function showProblem(text) {
  clearFigures();
  $('#figures').removeAttribute('aria-busy');
  setStatus([text], true);
}

// ---- figures ----
function clearFigures() {
  for (const chart of state.charts) chart.destroy();
  state.charts = [];
  $('#figures').replaceChildren();
}
function renderFigures(data) {
  clearFigures();
  const drawn = data.figures.map((fig) => renderFigure(fig, data.period));
  $('#figures').append(...drawn.map((d) => d.section));
  for (const { draw } of drawn) if (draw) draw(); // once the canvases are in the page and have a size
}
// Which columns the chart draws: the figure's `plot` when given; else, for line and bar, the first
// count column, and for stacked every count column.
function plotColumns(fig, columns) {
  const numeric = (i) => columns[i] && NUMERIC.includes(columns[i].type);
  if (Array.isArray(fig.plot)) return fig.plot.filter((i) => Number.isInteger(i) && i > 0 && numeric(i));
  const counts = columns.map((c, i) => i).filter((i) => i > 0 && columns[i].type === 'count');
  return fig.chart === 'stacked' ? counts : counts.slice(0, 1);
}
function formatCell(value, type) {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value !== 'number') return String(value); // already formatted (or suppressed, like "<10")
  if (type === 'count') return COUNT.format(value);
  if (type === 'share') return PERCENT.format(value);
  if (type === 'minutes') return DECIMAL.format(value);
  return String(value);
}
function renderFigure(fig, period) {
  const id = String(fig.id || 'figure');
  const columns = Array.isArray(fig.columns) ? fig.columns : [];
  const rows = Array.isArray(fig.rows) ? fig.rows.filter(Array.isArray) : [];
  const countCols = columns.map((c, i) => i).filter((i) => i > 0 && columns[i].type === 'count');
  const empty = rows.length === 0 || (countCols.length > 0 && rows.every((r) => countCols.every((i) => !Number(r[i]))));
  const plot = plotColumns(fig, columns);
  const charted = !empty && CHART_WORD[fig.chart] !== undefined && plot.length > 0 && window.Chart
    && rows.some((r) => plot.some((i) => Number(r[i])));
  const title = String(fig.title || id);

  const captionId = `figure-${id}-caption`;
  const table = el('table', {},
    el('caption', { id: captionId }, `${title}, ${period.from} to ${period.to}`),
    el('thead', {}, el('tr', {}, ...columns.map((c, i) =>
      el('th', { scope: 'col', className: i ? 'num' : '' }, String(c.label ?? ''))))),
    el('tbody', {}, ...(empty
      ? [el('tr', {}, el('td', { colSpan: Math.max(columns.length, 1), className: 'empty' }, 'No contacts in this period'))]
      : rows.map((row) => el('tr', {}, ...columns.map((c, i) => (i === 0
        ? el('th', { scope: 'row' }, formatCell(row[0], 'label'))
        : el('td', { className: 'num' }, formatCell(row[i], c.type)))))))));
  const tableWrap = el('div', { className: 'table-wrap', tabIndex: 0,
    attrs: { role: 'region', 'aria-labelledby': captionId } }, table);

  const body = el('div', { className: charted ? 'figure-body' : 'figure-body no-chart' });
  let draw = null;
  if (charted) {
    const canvas = el('canvas', { attrs: { role: 'img',
      'aria-label': `${CHART_WORD[fig.chart]}: ${title}. See the table for the figures.` } },
    el('p', {}, 'See the table for the figures.'));
    const box = el('div', { className: `chart-box chart-${fig.chart}` }, canvas);
    body.append(box);
    draw = () => state.charts.push(makeChart(canvas, box, fig, columns, rows, plot));
  }
  body.append(tableWrap);
  return { section: el('section', { id: `figure-${id}`, className: 'figure', attrs: { 'aria-labelledby': `figure-${id}-title` } },
    el('h2', { id: `figure-${id}-title` }, title),
    fig.note ? el('p', { className: 'note' }, String(fig.note)) : null,
    body), draw };
}

// ---- charts ----
// A long label becomes at most two lines of about `width` characters, the rest cut with "…"
// (the table has it in full).
function wrapLabel(text, width) {
  const words = String(text).split(/\s+/), lines = [''];
  for (const word of words) {
    const line = lines[lines.length - 1];
    if (!line || (line + ' ' + word).length <= width) lines[lines.length - 1] = line ? `${line} ${word}` : word;
    else lines.push(word);
  }
  const kept = lines.slice(0, 2).map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
  if (lines.length > 2) kept[1] = `${kept[1].slice(0, width - 1).replace(/[\s,;:]+$/, '')}…`;
  return kept.length === 1 ? kept[0] : kept;
}
// The words every label starts with ("2026-03-03 " for hours, "Week of "), left off the line chart's axis.
function sharedStart(labels) {
  if (labels.length < 2) return 0;
  let end = 0;
  for (let i = 0; i < labels[0].length && labels.every((l) => l[i] === labels[0][i]); i += 1) {
    if (labels[0][i] === ' ') end = i + 1;
  }
  return end;
}
function makeChart(canvas, box, fig, columns, rows, plot) {
  const kind = fig.chart, stacked = kind === 'stacked';
  const labels = rows.map((r) => String(r[0] ?? ''));
  const cut = kind === 'line' ? sharedStart(labels) : 0;
  const horizontal = stacked || (kind === 'bar' && (rows.length > 6 || labels.some((l) => l.length > 16)));
  const shares = plot.every((i) => columns[i].type === 'share'); // drawn as 0-100 %
  const value = (v) => (typeof v === 'number' ? (shares ? Math.round(v * 1000) / 10 : v) : null);
  const show = (v) => (shares ? `${DECIMAL.format(v)}%` : COUNT.format(v));
  if (horizontal) { // room for every bar and its (possibly two-line) label
    const long = labels.some((l) => l.length > 18);
    box.style.height = `${Math.max(170, rows.length * (long ? 38 : 28) + (stacked ? 96 : 56))}px`;
  }
  const datasets = plot.map((i, n) => ({
    label: String(columns[i].label ?? ''),
    data: rows.map((r) => value(r[i])),
    backgroundColor: COLOURS[n % COLOURS.length],
    borderColor: kind === 'line' ? COLOURS[0] : '#ffffff',
    borderWidth: kind === 'line' ? 2 : stacked ? 1 : 0,
    pointRadius: rows.length > 62 ? 0 : 3,
    pointHoverRadius: 5,
    maxBarThickness: 36,
  }));
  const shared = labels[0] ? labels[0].slice(0, cut).trim() : '';
  const category = {
    stacked,
    grid: { display: false },
    title: { display: kind === 'line', color: INK,
      text: `${columns[0] ? columns[0].label : ''}${/\d/.test(shared) ? `, ${shared}` : ''}` },
    ticks: kind === 'line'
      ? { color: INK, autoSkip: true, maxRotation: 0, callback(v) { return this.getLabelForValue(v).slice(cut); } }
      : { color: INK, autoSkip: !horizontal,
        callback(v) { return wrapLabel(this.getLabelForValue(v), Math.max(12, Math.min(32, Math.floor(this.chart.width / 20)))); } },
  };
  const amount = {
    stacked,
    beginAtZero: true,
    max: shares ? 100 : undefined,
    grid: { color: GRID },
    ticks: { color: INK, precision: shares ? undefined : 0, callback: (v) => show(v) },
  };
  return new window.Chart(canvas, {
    type: kind === 'line' ? 'line' : 'bar',
    data: { labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      devicePixelRatio: Math.max(2, window.devicePixelRatio || 1), // sharp when printed
      indexAxis: horizontal ? 'y' : 'x',
      layout: { padding: { right: 8 } },
      scales: horizontal ? { y: category, x: amount } : { x: category, y: amount },
      plugins: {
        legend: { display: stacked, position: 'top', labels: { color: INK, boxWidth: 14 } },
        tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${show(ctx.parsed[horizontal ? 'x' : 'y'])}` } },
      },
    },
  });
}
const resizeCharts = () => { for (const chart of state.charts) chart.resize(); };

// ---- start ----
function start() {
  if (window.Chart) {
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.color = INK;
    window.Chart.defaults.font.size = 13;
  }
  const f = form();
  f.addEventListener('submit', safe((event) => {
    event.preventDefault();
    const custom = f.elements.period.value === 'custom';
    if (custom && (!f.elements.from.value || !f.elements.to.value)) {
      setStatus(['For custom dates, choose both the first and the last day.'], true);
      (f.elements.from.value ? f.elements.to : f.elements.from).focus();
      return;
    }
    const query = formQuery();
    window.history.replaceState(null, '', `${window.location.pathname}?${query}`);
    return load(query);
  }));
  f.elements.period.addEventListener('change', safe(periodChanged));
  const filtersChanged = safe(() => updateExports(formQuery())); // the export links follow the form
  f.addEventListener('change', filtersChanged);
  f.addEventListener('input', filtersChanged);
  $('#sign-out').addEventListener('submit', safe((event) => {
    if (!$('#csrf').value) {
      event.preventDefault();
      setStatus(['Cannot sign out yet: the page has not loaded your session. Reload the page.'], true);
    }
  }));
  window.addEventListener('beforeprint', resizeCharts);
  window.addEventListener('afterprint', resizeCharts);
  const query = urlQuery();
  showQueryInForm(query);
  return Promise.all([loadSession(), load(query)]);
}
safe(start)();
