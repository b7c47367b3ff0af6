'use strict';
// Counsellor console: waiting queue, live chats, wrap-up. Talks only to the same-origin JSON API.
// Message text comes from children and is untrusted: it reaches the page through textContent only.

const $ = (selector) => document.querySelector(selector);
const QUEUE_EVERY_MS = 3000, RETRY_MS = 2000, MAX_TEXT = 2000;
const ATTRIBUTES = ['caller', 'perpetrator', 'platform', 'time_since_event', 'told_anyone'];
const FROM_LABEL = { child: 'Child', bot: 'Bot', counsellor: 'Counsellor', system: 'System' };
const URGENT_LABEL = { urgent_risk: 'URGENT: possible risk to life', danger_now: 'URGENT: in danger now' };
const RISK_LABEL = { urgent: 'URGENT', high: 'High risk', normal: 'Normal' };
const STAGES = ['waiting', 'live', 'child_left', 'ended']; // statuses only move forward, so when the queue and
const laterStatus = (a, b) => STAGES[Math.max(STAGES.indexOf(a), STAGES.indexOf(b))]; // the long poll differ, keep the later
const state = { me: null, options: null, chats: new Map(), currentId: null, items: new Map(), live: [],
  seenUrgent: new Set(), polledAt: Date.now(), audio: null, queueTimer: null, queueGen: 0, queueFailing: false };
// ---- small helpers ----
function el(tag, { dataset = {}, ...props } = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, dataset);
  node.append(...children); // strings become text nodes, never HTML
  return node;
}
const pad = (n) => String(n).padStart(2, '0');
const show = (v) => (v === null || v === undefined || v === '' ? '—' : String(v));
const list = (v) => (Array.isArray(v) ? v : []);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const mmss = (sec) => { const s = Math.max(0, Math.floor(Number(sec) || 0)); return `${Math.floor(s / 60)}:${pad(s % 60)}`; };
const hhmm = (iso) => { const d = new Date(iso); return isNaN(d) ? '' : `${pad(d.getHours())}:${pad(d.getMinutes())}`; };
const categoriesText = (cats) => Object.entries(cats || {}).map(([c, s]) => (s ? `${c} (${s})` : c)).join(', ') || '—';
const currentChat = () => state.chats.get(state.currentId) || null;
const fail = (err) => showStatus(`Something went wrong: ${(err && err.message) || err}`, true);
// Every handler runs through this: synchronously (so preventDefault still works), errors shown, never thrown.
const safe = (fn) => (...args) => { try { return Promise.resolve(fn(...args)).catch(fail); } catch (err) { return fail(err); } };
function showStatus(text, isError = false) {
  Object.assign($('#status'), { textContent: text, className: isError ? 'status error' : 'status' });
  clearTimeout(showStatus.timer); // notes fade after a while; errors stay until replaced
  if (!isError) showStatus.timer = setTimeout(() => { $('#status').textContent = ''; }, 8000);
}
// All API calls go through here and never throw. 401 = signed out (go to sign-in); 403 is explained here.
async function api(method, path, body) {
  const write = method !== 'GET', csrf = state.me ? state.me.csrf_token : '';
  const init = { method, credentials: 'same-origin', body: write ? JSON.stringify(body || {}) : undefined,
    headers: write ? { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf } : {} };
  let res, data = {};
  try { res = await fetch(path, init); } catch (err) { return { ok: false, status: 0, data }; }
  try { data = (await res.json()) || {}; } catch (err) { /* empty or non-JSON body */ }
  if (res.status === 401) window.location.assign('/staff/sign-in');
  else if (res.status === 403) showStatus('This is not allowed for your role.', true);
  return { ok: res.ok, status: res.status, data };
}
// Reports a failed call that api() has not already handled (it handles 401 and 403).
function reportFailure(res, what) {
  if (res.status === 401 || res.status === 403) return;
  showStatus(res.status ? res.data.error || `${what} (error ${res.status}).` : `${what}: no connection; please retry.`, true);
}
// ---- urgent alert: banner + beep ----
// Browsers allow audio only after a user gesture, so the AudioContext is created/resumed on clicks and keys.
function unlockAudio() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  try { if (Ctx && !state.audio) state.audio = new Ctx(); } catch (err) { return; } // no audio: the banner still shows
  if (state.audio && state.audio.state === 'suspended') state.audio.resume().catch(() => {});
}
function raiseAlert(text) {
  $('#alert-text').textContent = text;
  $('#alert').hidden = false;
  const ctx = state.audio;
  if (!ctx || ctx.state !== 'running') return; // not unlocked yet: the banner alone must do
  try { // two 0.3 s beeps at 880 Hz
    for (const t of [ctx.currentTime, ctx.currentTime + 0.45]) {
      const osc = new OscillatorNode(ctx, { frequency: 880 }), gain = new GainNode(ctx, { gain: 0.3 });
      gain.gain.setTargetAtTime(0, t + 0.27, 0.01); // fade out, so the tone ends without a click
      osc.connect(gain).connect(ctx.destination);
      osc.start(t); osc.stop(t + 0.32);
    }
  } catch (err) { /* the banner is the main signal */ }
}
// ---- availability ----
// Sends a change (when given), then shows what the server settled on.
async function setAvailability(available, maxChats) {
  if (available !== undefined) {
    const res = await api('POST', '/console/api/availability', maxChats ? { available, max_chats: maxChats } : { available });
    if (!res.ok) reportFailure(res, 'Could not change your availability');
    else Object.assign(state.me, { available: Boolean(res.data.available), max_chats: res.data.max_chats || state.me.max_chats });
  }
  Object.assign($('#availability'), { textContent: state.me.available ? 'Set me away' : "I'm available",
    className: state.me.available ? 'is-available' : '' });
  $('#availability-state').textContent = state.me.available ? 'You are available for new chats.' : 'You are away.';
  $('#max-chats').value = state.me.max_chats || 1;
}
// ---- queue and live list ----
// Rebuilds a list only when its content changed (the wait ticks on its own); keeps focus on the same item.
function renderList(container, items, build, extra = '') {
  const signature = JSON.stringify(items.map(({ waiting_seconds: _, ...rest }) => rest)) + extra;
  if (container.dataset.signature === signature) return;
  container.dataset.signature = signature;
  const focused = container.contains(document.activeElement) ? document.activeElement.dataset.id : null;
  container.replaceChildren(...items.map(build));
  if (focused) container.querySelector(`button[data-id="${CSS.escape(focused)}"]`)?.focus();
}
function buildQueueItem(item) {
  const risk = RISK_LABEL[item.risk] ? item.risk : 'normal';
  const take = el('button', { type: 'button', className: 'take', textContent: 'Take', dataset: { id: item.id },
    ariaLabel: `Take conversation ${item.id}` });
  take.addEventListener('click', safe(() => takeConversation(item.id, take)));
  const fields = [['Language', item.language], ['Channel', item.channel], ['Country', item.country],
    ['Age band', item.age_band], ['Categories', categoriesText(item.categories)], ['Platform', item.platform],
    ['Perpetrator', item.perpetrator], ['Told anyone', item.told_anyone], ['Since the event', item.time_since_event],
    ['Bot covered', (item.topics_covered || []).join(', ').replace(/_/g, ' ')]];
  return el('li', { className: `queue-item ${risk}`, dataset: { id: item.id } }, el('div', { className: 'q-head' },
    el('span', { className: 'risk', textContent: RISK_LABEL[risk] + (item.flagged ? ' · Flagged' : '') }),
    el('span', { className: 'waited' }), take), el('dl', { className: 'q-fields' }, ...fields.map(([name, value]) =>
    el('div', {}, el('dt', { textContent: name }), el('dd', { textContent: show(value) })))));
}
function tickWaited() { // between polls the wait ticks on locally from the last poll's figure
  const elapsed = (Date.now() - state.polledAt) / 1000;
  for (const li of document.querySelectorAll('.queue-item')) {
    const item = state.items.get(Number(li.dataset.id));
    if (item) li.querySelector('.waited').textContent = `Waited ${mmss(Number(item.waiting_seconds) + elapsed)}`;
  }
}
function buildLiveItem(item) {
  const status = state.chats.has(item.id) ? state.chats.get(item.id).status : item.status;
  const bits = [item.risk === 'urgent' && 'URGENT', `Chat #${item.id}`, item.language, item.channel, item.country,
    !item.mine && `with ${show(item.counsellor)}`, status === 'child_left' && 'CHILD LEFT'].filter(Boolean);
  const button = el('button', { type: 'button', className: `live-item ${item.risk} ${status}`, dataset: { id: item.id },
    ariaCurrent: item.id === state.currentId ? 'true' : null, textContent: bits.join(' · ') });
  button.addEventListener('click', safe(() => openChat(item.id)));
  return el('li', {}, button);
}
function renderLive() {
  renderList($('#live-list'), state.live, buildLiveItem, `current:${state.currentId}`);
  $('#live-empty').hidden = state.live.length > 0;
}
function applyQueue(data) {
  const waiting = list(data.waiting);
  state.live = list(data.live);
  state.polledAt = Date.now();
  state.items = new Map([...waiting, ...state.live].map((item) => [item.id, item]));
  $('#waiting-count').textContent = waiting.length;
  $('#queue-empty').hidden = waiting.length > 0;
  $('#counsellors-available').textContent = `Counsellors available: ${show(data.counsellors_available)}`;
  renderList($('#queue-list'), waiting, buildQueueItem);
  tickWaited();
  // Alert once per conversation that is, or becomes, urgent: waiting ones, and my live ones not on screen.
  const fresh = [...waiting, ...state.live.filter((i) => i.mine && i.id !== state.currentId)]
    .filter((item) => item.risk === 'urgent' && !state.seenUrgent.has(item.id));
  fresh.forEach((item) => state.seenUrgent.add(item.id));
  if (fresh.length) raiseAlert(`URGENT: a child at urgent risk (${fresh.map((i) => `chat #${i.id}`).join(', ')}).`);
  for (const item of state.live) { // the queue may be first to learn that a child left
    const chat = state.chats.get(item.id);
    if (chat) Object.assign(chat, { item, status: laterStatus(item.status, chat.status) });
  }
  if (currentChat()) renderChatState(currentChat());
  renderLive();
}
async function pollQueue() {
  clearTimeout(state.queueTimer);
  const gen = ++state.queueGen;
  const res = await api('GET', '/console/api/queue');
  if (gen !== state.queueGen || res.status === 401 || res.status === 403) return; // superseded, signed out, or no queue
  state.queueTimer = setTimeout(safe(pollQueue), QUEUE_EVERY_MS); // first, so a display error cannot stop polling
  // Speak up only when the connection changes (lost / back), not every 3 s.
  if (res.ok === state.queueFailing) showStatus(res.ok ? 'Queue back.' : 'Cannot refresh the queue; retrying…', !res.ok);
  state.queueFailing = !res.ok;
  if (res.ok) safe(applyQueue)(res.data); // a display error is reported, never left unhandled
}
async function takeConversation(id, button) {
  button.disabled = true;
  const res = await api('POST', `/console/api/conversations/${id}/take`, {});
  button.disabled = false;
  if (res.status === 409) showStatus('Another counsellor took this conversation', true);
  else if (!res.ok) reportFailure(res, 'Could not take the conversation');
  else { showStatus(`You took chat #${id}.`); await openChat(id); $('#compose').focus(); }
  pollQueue();
}
// ---- chats: per-chat state lives in state.chats, so switching chats keeps each one's messages ----
// Long-polls the open chat only (one long poll at a time); on switching back it resumes from the last seq.
async function chatLoop(chat) {
  if (chat.running) return;
  chat.running = true;
  while (chat.id === state.currentId && state.chats.get(chat.id) === chat && chat.status !== 'ended') {
    const started = Date.now();
    const res = await api('GET', `/console/api/conversations/${chat.id}/messages?after=${chat.lastSeq}&wait=25`);
    if ([401, 403, 404].includes(res.status)) break;
    if (!res.ok) { await sleep(RETRY_MS); continue; }
    let fresh = 0;
    try { fresh = receive(chat, res.data); } catch (err) { showStatus(`Could not show messages: ${err.message}`, true); }
    if (!fresh && Date.now() - started < 1000) await sleep(1000); // the server did not hold the poll
  }
  chat.running = false;
}
function receive(chat, data) {
  const isOpen = chat.id === state.currentId, log = $('#chat-log');
  const fresh = list(data.messages).filter((m) => Number(m.seq) > chat.lastSeq).sort((a, b) => a.seq - b.seq);
  if (data.counsellor !== undefined) chat.counsellor = data.counsellor;
  for (const m of fresh) {
    chat.lastSeq = Math.max(chat.lastSeq, Number(m.seq));
    chat.messages.push(m);
    if (isOpen) log.append(renderMessage(m, chat));
    if (m.urgent) raiseAlert(`${URGENT_LABEL[m.urgent] || 'URGENT'} (chat #${chat.id}).`);
  }
  if (fresh.length && isOpen) log.scrollTop = log.scrollHeight;
  chat.status = laterStatus(data.status, chat.status);
  if (isOpen) renderChatState(chat);
  renderLive();
  return fresh.length;
}
function renderMessage(m, chat) {
  const from = FROM_LABEL[m.from] ? m.from : 'system';
  const who = from === 'counsellor' && chat.counsellor === state.me.username ? 'You' : FROM_LABEL[from];
  const label = m.urgent ? [el('p', { className: 'urgent-label', textContent: URGENT_LABEL[m.urgent] || 'URGENT' })] : [];
  return el('div', { className: `msg from-${from}${m.urgent ? ' urgent' : ''}` }, ...label,
    el('p', { className: 'meta' }, el('span', { className: 'who', textContent: who }), ' ',
      el('time', { textContent: hhmm(m.at), dateTime: String(m.at || '') })),
    el('p', { className: 'text', textContent: String(m.text ?? '') }));
}
function renderChatState(chat) {
  const live = chat.status === 'live';
  $('#child-left').hidden = chat.status !== 'child_left';
  $('#chat-ended').hidden = chat.status !== 'ended';
  for (const id of ['#compose', '#send', '#canned', '#insert-numbers', '#transfer-to', '#transfer']) $(id).disabled = !live;
  $('#end-chat').disabled = chat.status === 'ended';
  updateCount();
}
async function openChat(id) {
  if (currentChat() && state.currentId !== id) currentChat().draft = $('#compose').value;
  if (!state.chats.has(id)) state.chats.set(id, { id, messages: [], lastSeq: 0, status: 'live', draft: '' });
  const chat = state.chats.get(id), item = (chat.item = state.items.get(id) || chat.item || {});
  state.currentId = id;
  closeWrapUp();
  $('#chat-pane').hidden = false;
  $('#chat-title').textContent = `Chat #${id}${item.risk === 'urgent' ? ' — URGENT' : ''}`;
  $('#chat-summary').textContent = [item.language, item.channel, item.country, `age ${show(item.age_band)}`]
    .map(show).concat(categoriesText(item.categories)).join(' · ');
  $('#chat-log').replaceChildren(...chat.messages.map((m) => renderMessage(m, chat)));
  $('#chat-log').scrollTop = $('#chat-log').scrollHeight;
  $('#compose').value = chat.draft;
  renderChatState(chat);
  renderLive();
  chatLoop(chat);
  await Promise.all([loadHelpers(chat), loadCounsellors()]);
}
function closePane(forget) {
  if (forget) state.chats.delete(state.currentId); // it was ended or handed over: drop its state too
  state.currentId = null;
  closeWrapUp();
  $('#chat-pane').hidden = true;
  renderLive();
  $('#queue-heading').focus(); // focus was inside the pane that just disappeared
}
// ---- compose, helpers, transfer ----
const updateCount = () => { $('#compose-count').textContent = `${$('#compose').value.length} / ${MAX_TEXT}`; };
function insertText(text) { // at the cursor; nothing is sent until the counsellor presses Send
  const box = $('#compose'), start = box.selectionStart ?? box.value.length;
  if (box.disabled || !text) return;
  box.setRangeText(String(text), start, box.selectionEnd ?? start, 'end');
  box.focus();
  updateCount();
}
async function sendMessage() {
  const chat = currentChat(), box = $('#compose'), text = box.value.trim();
  if (!chat || box.disabled || chat.sending || !text) return;
  if (text.length > MAX_TEXT) { showStatus(`A message can be at most ${MAX_TEXT} characters.`, true); return; }
  chat.sending = true; // guards against a double send while the request is out
  const res = await api('POST', `/console/api/conversations/${chat.id}/messages`, { text });
  chat.sending = false;
  if (res.status === 409) showStatus('This chat is not live any more; the message was not sent.', true);
  else if (!res.ok) reportFailure(res, 'The message was not sent');
  else if (chat.id !== state.currentId) chat.draft = ''; // the message itself arrives through the long poll
  else if (box.value.trim() === text) { box.value = ''; updateCount(); }
}
async function loadHelpers(chat) { // canned texts and the country's numbers: fetched once per chat
  if (!chat.helpers) {
    const res = await api('GET', `/console/api/conversations/${chat.id}/helpers`);
    if (!res.ok) { reportFailure(res, 'Could not load canned responses'); return; }
    chat.helpers = { canned: list(res.data.canned), signposting: res.data.signposting || '' };
  }
  if (chat.id !== state.currentId) return;
  fillSelect($('#canned'), chat.helpers.canned.map((c, i) => ({ value: i, label: c.title })), 'Choose a canned response…');
}
function insertCanned() {
  const chat = currentChat(), choice = chat && chat.helpers && chat.helpers.canned[$('#canned').value];
  if (choice) insertText(choice.text);
  $('#canned').value = ''; // back to the prompt, ready for the next pick
}
async function insertNumbers() {
  const chat = currentChat();
  if (chat && !chat.helpers) await loadHelpers(chat);
  if (chat && chat.helpers && chat.helpers.signposting) insertText(chat.helpers.signposting);
  else if (chat && chat.helpers) showStatus("No numbers are available for this child's country.", true);
}
async function loadCounsellors() {
  const res = await api('GET', '/console/api/counsellors');
  if (!res.ok) { reportFailure(res, 'Could not load the list of colleagues'); return; }
  const others = list(res.data.counsellors).filter((c) => c.username !== state.me.username);
  const label = (c) => `${c.display_name || c.username} (${show(c.role)}, ${c.available ? 'available' : 'away'})`;
  fillSelect($('#transfer-to'), others.map((c) => ({ value: c.username, label: label(c) })), 'Choose a colleague…');
}
async function transferChat() {
  const chat = currentChat(), to = $('#transfer-to').value;
  if (!chat || !to) { showStatus('Choose who to transfer the chat to.', true); return; }
  const res = await api('POST', `/console/api/conversations/${chat.id}/transfer`, { to });
  if (!res.ok) { reportFailure(res, 'Could not transfer the chat'); return; }
  showStatus(`Chat #${chat.id} transferred to ${to}.`);
  closePane(true);
  pollQueue();
}
// ---- wrap-up ----
function fillSelect(select, options, placeholder) {
  select.replaceChildren(el('option', { value: '', textContent: placeholder }),
    ...list(options).map((o) => el('option', { value: String(o.value), textContent: show(o.label ?? o.value) })));
}
// Selects value only if it is one of the options (the bot's triage may hold values the form lacks).
function setIfOption(select, value, fallback = '') {
  const found = value !== null && value !== undefined && [...select.options].some((o) => o.value === String(value));
  select.value = found ? String(value) : fallback;
}
function buildWrapUp() {
  const settings = list(state.options.settings).length ? state.options.settings : ['online', 'offline', 'both'];
  $('#wrap-categories').replaceChildren(...list(state.options.categories).map((c, i) => {
    const box = el('input', { type: 'checkbox', name: 'category', value: c.code, id: `wu-cat-${i}` });
    const select = el('select', { name: `setting-${c.code}`, id: `wu-setting-${i}` },
      ...settings.map((s) => el('option', { value: s, textContent: s })));
    return el('div', { className: 'category' }, box, el('label', { htmlFor: box.id, textContent: show(c.label || c.code) }),
      el('label', { htmlFor: select.id, className: 'visually-hidden', textContent: `Setting for ${c.label || c.code}` }), select);
  }));
  const form = $('#wrap-up'), attrs = state.options.attributes || {};
  for (const name of [...ATTRIBUTES, 'gender']) fillSelect(form.elements.namedItem(name), attrs[name], 'Not recorded');
  fillSelect(form.elements.namedItem('outcome'), state.options.outcomes, 'Choose an outcome…');
}
async function loadOptions() {
  const res = await api('GET', '/console/api/options');
  if (res.ok) { state.options = res.data; buildWrapUp(); } else reportFailure(res, 'Could not load the wrap-up options');
}
// Opens the form pre-filled with what the bot gathered (the queue item); the counsellor corrects it.
async function openWrapUp() {
  const chat = currentChat();
  if (chat && !state.options) await loadOptions();
  if (!chat || !state.options) return;
  const form = $('#wrap-up'), field = (name) => form.elements.namedItem(name), cats = chat.item.categories || {};
  for (const box of form.querySelectorAll('input[name="category"]')) {
    box.checked = Object.prototype.hasOwnProperty.call(cats, box.value);
    setIfOption(field(`setting-${box.value}`), box.checked ? cats[box.value] : null, 'online');
  }
  for (const name of ATTRIBUTES) setIfOption(field(name), chat.item[name]);
  setIfOption(field('gender'), 'unknown');
  field('outcome').value = '';
  form.dataset.chat = chat.id;
  form.hidden = false;
  $('#end-chat').setAttribute('aria-expanded', 'true');
  $('#wrap-up-title').focus();
}
const closeWrapUp = () => { $('#wrap-up').hidden = true; $('#end-chat').setAttribute('aria-expanded', 'false'); };
async function submitWrapUp() {
  const form = $('#wrap-up'), id = Number(form.dataset.chat), field = (name) => form.elements.namedItem(name);
  const categories = {}, attributes = {}, outcome = field('outcome').value;
  const checked = form.querySelectorAll('input[name="category"]:checked');
  for (const box of checked) categories[box.value] = field(`setting-${box.value}`).value;
  for (const name of [...ATTRIBUTES, 'gender']) if (field(name).value) attributes[name] = field(name).value; // blank: left out
  if (!outcome) { showStatus('Choose an outcome before saving.', true); field('outcome').focus(); return; }
  $('#save-wrap-up').disabled = true;
  const res = await api('POST', `/console/api/conversations/${id}/end`, { categories, attributes, outcome });
  $('#save-wrap-up').disabled = false;
  if (!res.ok) { reportFailure(res, 'The wrap-up was not saved'); return; }
  if (state.currentId === id) closePane(true); else state.chats.delete(id);
  showStatus('Saved');
  pollQueue();
}
// ---- start ----
function wireEvents() {
  const on = (selector, type, fn) => $(selector).addEventListener(type, safe(fn));
  for (const type of ['click', 'keydown']) document.addEventListener(type, unlockAudio);
  on('#alert-dismiss', 'click', () => { $('#alert').hidden = true; });
  on('#availability', 'click', () => setAvailability(!state.me.available));
  on('#max-chats', 'change', () => setAvailability(Boolean(state.me.available), // clamped to the allowed 1-10
    Math.min(10, Math.max(1, Math.round(Number($('#max-chats').value)) || 1))));
  on('#sign-out', 'click', async () => { await api('DELETE', '/console/api/session'); window.location.assign('/staff/sign-in'); });
  on('#compose-form', 'submit', (e) => { e.preventDefault(); return sendMessage(); });
  on('#compose', 'input', updateCount);
  on('#compose', 'keydown', (e) => { // Enter sends; Shift+Enter (or an IME still composing) adds a newline
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); return sendMessage(); } });
  on('#canned', 'change', insertCanned);
  on('#insert-numbers', 'click', insertNumbers);
  on('#transfer', 'click', transferChat);
  on('#end-chat', 'click', openWrapUp);
  on('#cancel-wrap-up', 'click', () => { closeWrapUp(); $('#end-chat').focus(); });
  on('#close-chat', 'click', () => closePane(true));
  on('#wrap-up', 'submit', (e) => { e.preventDefault(); return submitWrapUp(); });
}
async function init() {
  wireEvents();
  const res = await api('GET', '/console/api/session');
  if (!res.ok) { reportFailure(res, 'Could not load your session; reload the page'); return; }
  state.me = res.data;
  $('#who').textContent = `${state.me.display_name || state.me.username} (${show(state.me.role)})`;
  setAvailability();
  setInterval(tickWaited, 1000);
  await Promise.all([loadOptions(), pollQueue()]);
}
safe(init)();
