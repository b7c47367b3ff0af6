'use strict';
// Counsellor console: waiting queue, live chats, wrap-up. Talks only to the same-origin JSON API.
// Message text comes from children and is untrusted: it reaches the page through textContent only.

const $ = (selector) => document.querySelector(selector);
const QUEUE_EVERY_MS = 3000, RETRY_MS = 2000, MAX_TEXT = 2000;
const ATTRIBUTES = ['caller', 'perpetrator', 'platform', 'time_since_event', 'told_anyone'];
const FROM_LABEL = { child: 'Child', bot: 'Bot', counsellor: 'Counsellor', system: 'System' };
const URGENT_LABEL = { urgent_risk: 'URGENT: possible risk to life', danger_now: 'URGENT: in danger now' };
const RISK_LABEL = { urgent: 'URGENT', high: 'High risk', normal: 'Normal' };
const STATUS_LABEL = { waiting: 'Waiting', live: 'Live', child_left: 'Child left', ended: 'Ended' };
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
// Every handler runs through this, so an unexpected error is shown in #status rather than thrown.
const safe = (fn) => (...args) => Promise.resolve().then(() => fn(...args))
  .catch((err) => showStatus(`Something went wrong: ${(err && err.message) || err}`, true));
function showStatus(text, isError = false) {
  $('#status').textContent = text;
  $('#status').classList.toggle('error', isError);
  clearTimeout(showStatus.timer); // notes fade after a while; errors stay until replaced
  if (!isError) showStatus.timer = setTimeout(() => { $('#status').textContent = ''; }, 8000);
}
// All API calls go through here and never throw. 401 = signed out (go to sign-in); 403 is explained here.
async function api(method, path, body) {
  const write = method !== 'GET', csrf = state.me ? state.me.csrf_token : '';
  const headers = write ? { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf } : {};
  let res, data = {};
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: write ? JSON.stringify(body || {}) : undefined });
  } catch (err) { return { ok: false, status: 0, data }; }
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
  if (!ctx || ctx.state !== 'running') return;
  try { // two 0.3 s beeps at 880 Hz
    for (const t of [ctx.currentTime, ctx.currentTime + 0.45]) {
      const osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.3, t);
      gain.gain.setTargetAtTime(0, t + 0.27, 0.01); // fade out, so the tone ends without a click
      osc.connect(gain).connect(ctx.destination);
      osc.start(t);
      osc.stop(t + 0.32);
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
  $('#availability').textContent = state.me.available ? 'Set me away' : "I'm available";
  $('#availability').classList.toggle('is-available', Boolean(state.me.available));
  $('#availability-state').textContent = state.me.available ? 'You are available for new chats.' : 'You are away.';
  $('#max-chats').value = state.me.max_chats || 1;
}

// ---- queue and live list ----
// Rebuilds a list only when its content changed (the wait ticks on its own), then puts keyboard focus
// back on the same item's button, so the 3 s refresh never steals focus.
function renderList(container, items, build, extra = '') {
  const signature = JSON.stringify(items.map(({ waiting_seconds: _, ...rest }) => rest)) + extra;
  if (container.dataset.signature === signature) return;
  container.dataset.signature = signature;
  const focused = container.contains(document.activeElement) ? document.activeElement.dataset.id : null;
  container.replaceChildren(...items.map(build));
  const again = focused && [...container.querySelectorAll('button')].find((b) => b.dataset.id === focused);
  if (again) again.focus();
}
function buildQueueItem(item) {
  const risk = RISK_LABEL[item.risk] ? item.risk : 'normal';
  const take = el('button', { type: 'button', className: 'take', textContent: 'Take', dataset: { id: item.id } });
  take.setAttribute('aria-label', `Take conversation ${item.id}`);
  take.addEventListener('click', safe(() => takeConversation(item.id, take)));
  const fields = [['Language', item.language], ['Channel', item.channel], ['Country', item.country],
    ['Age band', item.age_band], ['Categories', categoriesText(item.categories)], ['Platform', item.platform],
    ['Perpetrator', item.perpetrator], ['Told anyone', item.told_anyone], ['Since the event', item.time_since_event]];
  return el('li', { className: `queue-item ${risk}`, dataset: { id: item.id } }, el('div', { className: 'q-head' },
    el('span', { className: 'risk', textContent: RISK_LABEL[risk] + (item.flagged ? ' · Flagged' : '') }),
    el('span', { className: 'waited' }), take), el('dl', { className: 'q-fields' }, ...fields.map(([name, value]) =>
    el('div', {}, el('dt', { textContent: name }), el('dd', { textContent: show(value) })))));
}
// The wait ticks locally between polls, counted on from the last poll's figure.
function tickWaited() {
  const elapsed = (Date.now() - state.polledAt) / 1000;
  for (const li of document.querySelectorAll('.queue-item')) {
    const item = state.items.get(Number(li.dataset.id));
    if (item) li.querySelector('.waited').textContent = `Waited ${mmss(Number(item.waiting_seconds) + elapsed)}`;
  }
}
function buildLiveItem(item) {
  const status = state.chats.has(item.id) ? state.chats.get(item.id).status : item.status;
  const urgent = item.risk === 'urgent' ? 'URGENT · ' : '', left = status === 'child_left' ? ' · CHILD LEFT' : '';
  const text = [`Chat #${item.id}`, item.language, item.channel, item.country].map(show).join(' · ');
  const button = el('button', { type: 'button', className: `live-item ${item.risk} ${status}`, dataset: { id: item.id },
    textContent: urgent + text + (item.mine ? '' : ` · with ${show(item.counsellor)}`) + left });
  if (item.id === state.currentId) button.setAttribute('aria-current', 'true');
  button.addEventListener('click', safe(() => openChat(item.id)));
  return el('li', {}, button);
}
function renderLive() {
  const statuses = state.live.map((item) => (state.chats.get(item.id) || {}).status);
  renderList($('#live-list'), state.live, buildLiveItem, JSON.stringify([state.currentId, statuses]));
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
  if (fresh.length) raiseAlert(`URGENT: a child at urgent risk (${fresh.map((i) => `chat #${i.id}, ${i.status}`).join('; ')}).`);
  for (const item of state.live) if (state.chats.has(item.id)) state.chats.get(item.id).item = item;
  renderLive();
}
async function pollQueue() {
  clearTimeout(state.queueTimer);
  const gen = ++state.queueGen;
  const res = await api('GET', '/console/api/queue');
  if (gen !== state.queueGen || res.status === 401 || res.status === 403) return; // superseded, signed out, or no queue
  state.queueTimer = setTimeout(safe(pollQueue), QUEUE_EVERY_MS); // first, so a display error cannot stop polling
  if (res.ok && state.queueFailing) showStatus('Queue connection restored.');
  else if (!res.ok && !state.queueFailing) showStatus('Cannot refresh the queue; retrying…', true); // once, not every 3 s
  state.queueFailing = !res.ok;
  if (res.ok) applyQueue(res.data);
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
function ensureChat(id) {
  if (!state.chats.has(id)) state.chats.set(id, { id, messages: [], lastSeq: 0, status: 'live', draft: '' });
  const chat = state.chats.get(id);
  chat.item = state.items.get(id) || chat.item || {};
  return chat;
}
// Long-polls the open chat. When the counsellor switches away the loop stops (messages stay in the
// chat's state) and resumes from the last seq on return, so only one long poll is open at a time.
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
  if (data.status === 'child_left' && chat.status !== 'child_left') showStatus(`Chat #${chat.id}: the child has left.`);
  chat.status = data.status || chat.status;
  if (isOpen) renderChatState(chat);
  renderLive();
  return fresh.length;
}
function renderMessage(m, chat) {
  const from = FROM_LABEL[m.from] ? m.from : 'system';
  const who = from === 'counsellor' && chat.counsellor === state.me.username ? 'You' : FROM_LABEL[from];
  const node = el('div', { className: `msg from-${from}${m.urgent ? ' urgent' : ''}` });
  if (m.urgent) node.append(el('p', { className: 'urgent-label', textContent: URGENT_LABEL[m.urgent] || 'URGENT' }));
  node.append(el('p', { className: 'meta' }, el('span', { className: 'who', textContent: who }), ' ',
    el('time', { textContent: hhmm(m.at), dateTime: String(m.at || '') })),
  el('p', { className: 'text', textContent: String(m.text ?? '') }));
  return node;
}
function renderChatState(chat) {
  const live = chat.status === 'live';
  $('#chat-status').textContent = STATUS_LABEL[chat.status] || show(chat.status);
  $('#child-left').hidden = chat.status !== 'child_left';
  $('#chat-ended').hidden = chat.status !== 'ended';
  for (const id of ['#compose', '#canned', '#insert-numbers', '#transfer-to', '#transfer']) $(id).disabled = !live;
  $('#send').disabled = !live || Boolean(chat.sending);
  $('#end-chat').disabled = chat.status === 'ended';
  updateCount();
}
async function openChat(id) {
  if (currentChat() && state.currentId !== id) currentChat().draft = $('#compose').value;
  const chat = ensureChat(id), item = chat.item;
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
// Hides the pane; forget=true also drops the chat's state (it was ended or handed over).
function closePane(forget) {
  if (forget) state.chats.delete(state.currentId);
  state.currentId = null;
  closeWrapUp();
  $('#chat-pane').hidden = true;
  renderLive();
  $('#queue-heading').focus(); // focus was inside the pane that just disappeared
}

// ---- compose, helpers, transfer ----
const updateCount = () => { $('#compose-count').textContent = `${$('#compose').value.length} / ${MAX_TEXT}`; };
// Inserts at the cursor; nothing is sent until the counsellor presses Send.
function insertText(text) {
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
// Canned responses and the country's numbers are fetched once per chat, then kept with it.
async function loadHelpers(chat) {
  const option = (value, textContent) => el('option', { value, textContent });
  if (!chat.helpers) {
    $('#canned').replaceChildren(option('', 'Loading…'));
    const res = await api('GET', `/console/api/conversations/${chat.id}/helpers`);
    if (!res.ok) { reportFailure(res, 'Could not load canned responses'); return; }
    chat.helpers = { canned: list(res.data.canned), signposting: res.data.signposting || '' };
  }
  if (chat.id !== state.currentId) return;
  $('#canned').replaceChildren(option('', 'Choose a canned response…'), ...chat.helpers.canned.map((c, i) => option(i, show(c.title))));
}
function insertCanned() {
  const chat = currentChat(), value = $('#canned').value;
  const choice = value !== '' && chat && chat.helpers && chat.helpers.canned[Number(value)];
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
  fillSelect($('#transfer-to'), others.map((c) => ({ value: c.username,
    label: `${c.display_name || c.username} (${show(c.role)}, ${c.available ? 'available' : 'away'})` })),
  others.length ? 'Choose a colleague…' : 'No colleagues found');
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
    return el('div', { className: 'category' },
      el('span', { className: 'check' }, box, el('label', { htmlFor: box.id, textContent: show(c.label || c.code) })),
      el('span', { className: 'setting' }, el('label', { htmlFor: select.id }, 'Setting',
        el('span', { className: 'visually-hidden', textContent: ` for ${c.label || c.code}` })), select));
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
  for (const box of form.querySelectorAll('input[name="category"]:checked')) categories[box.value] = field(`setting-${box.value}`).value;
  for (const name of [...ATTRIBUTES, 'gender']) if (field(name).value) attributes[name] = field(name).value; // "Not recorded": omitted
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
  on('#max-chats', 'change', () => ($('#max-chats').checkValidity() && $('#max-chats').value
    ? setAvailability(Boolean(state.me.available), Number($('#max-chats').value))
    : showStatus('Max chats must be a whole number from 1 to 10.', true)));
  on('#sign-out', 'click', async () => { await api('DELETE', '/console/api/session'); window.location.assign('/staff/sign-in'); });
  on('#compose-form', 'submit', (e) => { e.preventDefault(); return sendMessage(); });
  on('#compose', 'input', updateCount);
  on('#compose', 'keydown', (e) => { // Enter sends; Shift+Enter (or an IME still composing) adds a newline
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); return sendMessage(); }
  });
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
  if (state.me.role === 'supervisor') $('#live-heading').textContent = 'Live chats';
  setAvailability();
  setInterval(tickWaited, 1000);
  loadOptions();
  pollQueue();
}

safe(init)();
