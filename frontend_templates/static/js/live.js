// Ortak live screen: one socket, one state, the regions drawn from it (CONTRACT.md §3).
// The page works without this file: every control is a plain form.
const $ = (id) => document.getElementById(id);
const json = (id) => JSON.parse($(id).textContent);
const live = $('live');
const S = json('live-strings');
const names = json('live-names');
let state = json('live-state');
let seq = state.seq;
const CMD = live.dataset.commandUrl;
const AGENDA = live.dataset.agendaUrl;
const NEXT = location.pathname + location.search;
const fmt = (t, v) => t.replace(/%\((\w+)\)s/g, (_, k) => v[k]);
const pad = (n) => String(n).padStart(2, '0');
const mmss = (s) => ((s = Math.max(0, Math.floor(s))), pad(Math.floor(s / 60)) + ':' + pad(s % 60));
const csrf = () => document.querySelector('input[name=csrfmiddlewaretoken]')?.value || '';
const dirty = new WeakSet(); // text typed and not sent yet: never overwritten from the state

// --- DOM: build fresh, then patch the page in place -------------------------------------

const PROPOSALS = JSON.parse(document.getElementById('agenda-proposals')?.textContent || '[]');
const REVIEWS = JSON.parse(document.getElementById('agenda-reviews')?.textContent || '{"followups":[],"records":[]}');

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const k in attrs) if (attrs[k] != null && attrs[k] !== false) el.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
  el.append(...kids.flat(9).filter((k) => k != null && k !== false && k !== ''));
  return el;
}
const hid = (name, value) => h('input', { type: 'hidden', name, value });
const sr = (t) => t && h('span', { class: 'visually-hidden' }, ': ' + t);
// What the server allows this screen's reader (their role) to do to a thing now.
const can = (actions, command) => !!actions?.[state.you.role]?.includes(command);
const btn = (label, cls, attrs) => h('button', { type: 'submit', class: 'button' + (cls ? ' ' + cls : ''), ...attrs }, label);
const form = (action, attrs, ...kids) =>
  h('form', { method: 'post', action, ...attrs }, hid('csrfmiddlewaretoken', csrf()), kids, hid('next', NEXT));
// A command as a plain form: the same fields the socket takes (see assembly/commands.py).
const cmd = (type, fields, label, o = {}) =>
  form(CMD, { class: 'cmd', id: o.id, hidden: o.hidden }, hid('type', type),
    Object.entries(fields).map(([k, v]) => hid(k, v)), btn([label, sr(o.sr)], o.cls, { id: o.bid }));
const aop = (op, it, label) =>
  form(AGENDA, { class: 'agenda-op' }, hid('op', op), hid('item', it.id), btn([label, sr(it.title)], 'button--small'));
const panel = (id, heading, ...kids) => h('section', { id, class: 'panel panel--' + id, 'aria-labelledby': id + '-heading' },
  h('h2', { id: id + '-heading' }, heading), kids);
const field = (id, label, attrs) => h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, ...attrs }));

const keyOf = (n) => (n.nodeType === 1 ? n.id || n.getAttribute('data-key') : null);

function morph(a, b) {
  if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName) return a.replaceWith(b);
  if (a.nodeType !== 1) return void (a.data !== b.data && (a.data = b.data));
  if (a.hasAttribute('data-keep')) return; // written to by this script, not drawn from state
  for (const { name } of [...a.attributes]) if (!b.hasAttribute(name)) a.removeAttribute(name);
  for (const { name, value } of b.attributes) if (a.getAttribute(name) !== value) a.setAttribute(name, value);
  // Never overwrite what the note-taker is typing.
  if (a.tagName === 'TEXTAREA') return void (a !== document.activeElement && !dirty.has(a) && a.value !== b.value && (a.value = b.value));
  morphKids(a, b);
}

// Children are matched by id or data-key, the rest by position and tag.
function morphKids(a, b) {
  const keyed = new Map([...a.childNodes].filter(keyOf).map((c) => [keyOf(c), c]));
  let cur = a.firstChild;
  for (const n of [...b.childNodes]) {
    const k = keyOf(n);
    const m = k ? keyed.get(k) : cur && !keyOf(cur) && cur.nodeName === n.nodeName ? cur : null;
    keyed.delete(k);
    if (!m) a.insertBefore(n, cur);
    else {
      if (m === cur) cur = cur.nextSibling;
      else a.insertBefore(m, cur);
      morph(m, n);
    }
  }
  while (cur) {
    const next = cur.nextSibling;
    cur.remove();
    cur = next;
  }
}

// Patch, keeping focus where it was, or on the nearest control when its own went away.
function patch(fn) {
  const act = document.activeElement;
  const group = act?.closest?.('#hand, section'), item = act?.closest?.('[data-key]');
  fn();
  if (!group) return;
  if (act.isConnected && !act.closest('[hidden]')) return void (act !== document.activeElement && act.focus({ preventScroll: true }));
  const els = [...(item?.isConnected ? item : group).querySelectorAll('button, select, textarea, input:not([type=hidden])')].filter((e) => !e.closest('[hidden]'));
  (els.find((e) => e.tagName === 'BUTTON') || els[0])?.focus({ preventScroll: true });
}

// --- The regions -------------------------------------------------------------------------

const nameOf = (id) => names[id] || fmt(S.member_n, { id });
const left = (q) => (q.timer.ends_at ? (Date.parse(q.timer.ends_at) - Date.now()) / 1000 : null);

function vFloor(s) {
  const q = s.queue, you = s.you, sp = q.speaker, rest = left(q);
  const pos = q.queue.findIndex((e) => e.member === you.member);
  const hint = sp && sp.member === you.member ? S.your_turn
    : pos === 0 ? S.you_next : pos > 0 ? fmt(S.your_place, { position: pos + 1 }) : '';
  const hand = !you.participant ? h('p', { class: 'watching' }, S.watching) : [
    h('p', { id: 'hand-hint', class: 'hint', role: 'status' }, hint),
    !can(s.session.actions, 'hand.raise') ? h('p', {}, S.not_live) : [
      form(CMD, { id: 'raise-form', class: 'cmd raise-form', hidden: pos >= 0 }, hid('type', 'hand.raise'),
        h('label', { for: 'raise-kind' }, S.raise_what),
        h('select', { id: 'raise-kind', name: 'kind' }, Object.entries(S.kinds).map(([v, l]) => h('option', { value: v }, l))),
        btn(S.raise, 'button--primary')),
      cmd('hand.lower', {}, S.lower, { id: 'lower-form', hidden: pos < 0 })]];
  return panel('floor', S.floor,
    h('p', { id: 'speaker', class: 'speaker' }, sp
      ? [h('strong', {}, fmt(S.speaker, { name: sp.name })), ' ', h('span', { class: 'meta' }, S.kinds[sp.kind])]
      : S.no_speaker),
    h('p', { id: 'timer', class: 'timer' + (rest == null ? ' timer--off' : rest <= 0 ? ' timer--over' : ''), role: 'timer' },
      rest == null ? S.timer_off : rest <= 0 ? S.time_up : fmt(S.time_left, { time: mmss(Math.ceil(rest)) })),
    h('p', { id: 'timer-announce', class: 'visually-hidden', 'aria-live': 'polite', 'data-keep': '' }),
    h('div', { id: 'hand', class: 'hand' }, hand));
}

function vConsole(s) {
  const a = s.session.actions, may = (c) => can(a, c);
  return s.you.facilitator && panel('console', S.facilitation,
    may('queue.next') && [
      h('div', { class: 'button-row' }, cmd('queue.next', {}, S.next, { bid: 'next-speaker', cls: 'button--primary' }),
        may('timer.stop') && s.queue.timer.ends_at && cmd('timer.stop', {}, S.timer_stop)),
      may('timer.start') && form(CMD, { class: 'cmd timer-form' }, hid('type', 'timer.start'),
        h('label', { for: 'timer-seconds' }, S.seconds),
        h('input', { id: 'timer-seconds', name: 'seconds', type: 'number', inputmode: 'numeric', min: 1, max: S.limits.timer,
          required: true, value: s.session.speaking_seconds }),
        btn(S.timer_start))],
    h('div', { class: 'button-row' },
      may('session.start') && cmd('session.start', {}, s.session.status === 'adjourned' ? S.resume : S.start, { cls: 'button--primary' }),
      may('session.adjourn') && cmd('session.adjourn', {}, S.adjourn),
      may('session.close') && cmd('session.close', {}, S.close)));
}

function vQueue(s) {
  const q = s.queue.queue, f = can(s.session.actions, 'queue.move');
  const move = (e, to, label) => cmd('queue.move', { member: e.member, position: to }, label, { cls: 'button--small', sr: e.name });
  return panel('queue', fmt(S.queue_heading, { count: q.length }),
    h('div', { class: 'live-region', 'aria-live': 'polite' },
      h('ol', { id: 'queue-list', class: 'queue-list', hidden: !q.length }, q.map((e, i) =>
        h('li', { 'data-key': 'm' + e.member },
          h('span', { class: 'q-name' }, e.name), ' ', h('span', { class: 'q-kind' }, S.kinds[e.kind]),
          e.moved && [' ', h('span', { class: 'q-moved' }, '(' + S.moved + ')')],
          f && h('span', { class: 'q-tools' }, i > 0 && move(e, i - 1, S.move_up), i < q.length - 1 && move(e, i + 1, S.move_down))))),
      h('p', { id: 'queue-empty', hidden: q.length > 0 }, S.queue_empty)));
}

function vAgenda(s) {
  const f = can(s.session.actions, 'agenda.add'), n = s.agenda.length;
  const cur = s.agenda.find((i) => i.id === s.current_item);
  const tools = (it, i) => it.actions?.[s.you.role]?.length > 0 && h('span', { class: 'a-tools' },
    can(it.actions, 'decision.create') && h('a', { class: 'button button--small',
      href: live.dataset.decideUrl.replace('/0/', `/${it.proposal.id}/`) + `?session=${s.session.id}&next=${encodeURIComponent(location.pathname)}` },
      S.bring, sr(it.title)),
    can(it.actions, 'agenda.open') && cmd('agenda.open', { item: it.id }, S.open_item, { cls: 'button--small', sr: it.title }),
    can(it.actions, 'agenda.move') && i > 0 && aop('up', it, S.move_up),
    can(it.actions, 'agenda.move') && i < n - 1 && aop('down', it, S.move_down),
    can(it.actions, 'agenda.remove') && aop('remove', it, S.remove));
  return panel('agenda', S.agenda,
    h('p', { id: 'current-item', class: 'current-item' }, cur ? fmt(S.current_item, { item: cur.title }) : S.no_current_item),
    !n ? h('p', { id: 'agenda-list' }, S.agenda_empty) : h('ol', { id: 'agenda-list', class: 'agenda-list' }, s.agenda.map((it, i) =>
      h('li', { 'data-key': 'a' + it.id, class: 'agenda-item agenda-item--' + it.status, 'aria-current': it.id === s.current_item && 'true' },
        h('span', { class: 'a-title' }, it.title), ' ',
        h('span', { class: 'meta' }, fmt(S.budget[it.minutes_budget === 1 ? 0 : 1], { minutes: it.minutes_budget }) + ' · ' + S.agenda_status[it.status]),
        tools(it, i)))),
    f && form(AGENDA, { class: 'agenda-op agenda-add', id: 'agenda-add' }, hid('op', 'add'),
      field('agenda-title', S.title, { name: 'title', type: 'text', maxlength: 200, required: true }),
      field('agenda-budget', S.budget_label, { name: 'minutes_budget', type: 'number', inputmode: 'numeric', min: 1, max: 600, value: 15, required: true }),
      PROPOSALS.length > 0 && h('div', { class: 'field' }, h('label', { for: 'agenda-proposal' }, S.proposal),
        h('select', { id: 'agenda-proposal', name: 'proposal' }, h('option', { value: '' }, '—'),
          PROPOSALS.map(([pk, title, ready]) => h('option', { value: pk }, ready ? `${title} (${S.ready})` : title)))),
      REVIEWS.followups.length > 0 && h('div', { class: 'field' }, h('label', { for: 'agenda-commitment' }, S.followup_review),
        h('select', { id: 'agenda-commitment', name: 'commitment' }, h('option', { value: '' }, '—'),
          REVIEWS.followups.map(([pk, title, overdue]) => h('option', { value: pk }, overdue ? `${title} (${S.overdue})` : title)))),
      REVIEWS.records.length > 0 && h('div', { class: 'field' }, h('label', { for: 'agenda-record' }, S.record_review),
        h('select', { id: 'agenda-record', name: 'record' }, h('option', { value: '' }, '—'),
          REVIEWS.records.map(([pk, label]) => h('option', { value: pk }, label)))),
      btn(S.add_item)));
}

const paras = (t) => t.split(/\n{2,}/).map((p) => h('p', {}, p.split('\n').map((l, i) => (i ? [h('br'), l] : l))));

function vMinutes(s) {
  const edit = can(s.session.actions, 'minutes.save');
  return panel('minutes', S.minutes, !s.agenda.length ? h('p', {}, S.agenda_empty) : s.agenda.map((it) =>
    h('div', { class: 'minutes-item', 'data-key': 'n' + it.id }, h('h3', {}, it.title),
      edit ? form(CMD, { class: 'cmd minutes-form' }, hid('type', 'minutes.save'), hid('item', it.id),
        h('label', { for: 'minutes-' + it.id }, fmt(S.minutes_for, { item: it.title })),
        h('textarea', { id: 'minutes-' + it.id, name: 'text', rows: 4, maxlength: 100000 }, it.minutes),
        h('p', { class: 'minutes-actions' }, btn(S.save), ' ',
          h('span', { class: 'save-status', id: 'minutes-status-' + it.id, role: 'status', 'data-keep': '' })))
        : it.minutes ? h('div', { class: 'minutes-text' }, paras(it.minutes)) : h('p', { class: 'meta' }, S.no_minutes))));
}

function vPresent(s) {
  return panel('present', S.attendance,
    h('p', { id: 'present-count' }, fmt(S.present, { present: s.present.length })),
    s.present.length
      ? h('ul', { id: 'present-list', class: 'names' }, s.present.map((id) => h('li', { 'data-key': 'p' + id }, nameOf(id))))
      : h('p', { id: 'present-list', class: 'meta' }, S.nobody_present),
    can(s.session.actions, 'attendance.check_in') && !s.present.includes(s.you.member) &&
      cmd('attendance.check_in', {}, S.check_in, { id: 'check-in' }));
}

// Closed turns come from the server; the current speaker's running time is added here.
function vTotals(s) {
  const t = { ...s.queue.totals }, sp = s.queue.speaker;
  if (sp?.started_at) t[sp.member] = (t[sp.member] || 0) + Math.max(0, (Date.now() - Date.parse(sp.started_at)) / 1000);
  const rows = Object.entries(t).map(([id, sec]) => [id, sec, nameOf(id)]).sort((a, b) => b[1] - a[1] || a[2].localeCompare(b[2]));
  return panel('totals', S.speaking_time, !rows.length ? h('p', { class: 'meta' }, S.totals_empty) : h('table', { class: 'totals' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, S.person), h('th', { scope: 'col' }, S.speaking_time))),
    h('tbody', {}, rows.map(([id, sec, n]) => h('tr', { 'data-key': 't' + id }, h('td', {}, n), h('td', { class: 'num' }, mmss(sec)))))));
}

function vTasks(s) {
  const you = s.you, list = (ids) => (ids.length ? ids.map(nameOf).join(', ') : S.nobody);
  return panel('tasks', S.tasks,
    h('p', {}, fmt(S.facilitators, { names: list(s.facilitators) })),
    h('p', {}, fmt(S.note_takers, { names: list(s.note_takers) })),
    can(s.session.actions, 'task.volunteer') && h('div', { class: 'button-row' },
      !s.facilitators.includes(you.member) && cmd('task.volunteer', { task: 'facilitator' }, S.volunteer_facilitator),
      !s.note_takers.includes(you.member) && cmd('task.volunteer', { task: 'note_taker' }, S.volunteer_note_taker)));
}

// --- The proposal on the agenda: its latest comments (proposal.comment_added) ---------------

const PL = json('live-proposal'); // { proposal: {id, title, readable, url} | null, comments, strings }
const PS = PL.strings;
const LIVE_COMMENTS = 8;
const at = (u, id) => u.replace('/0/', `/${id}/`);
let pc = { id: PL.proposal?.id ?? null, readable: !!PL.proposal?.readable, comments: PL.comments };
const byTime = (a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id);
// The latest visible comments and replies, oldest first, each once.
const latest = (...lists) => [...new Map(lists.flat().filter((c) => !c.hidden).map((c) => [c.id, c])).values()]
  .sort(byTime).slice(-LIVE_COMMENTS);
const agendaProposal = (s) => s.agenda.find((i) => i.id === s.current_item)?.proposal || null;

// Another item opened: fetch the discussion of its proposal (404 when the person may not read it).
function syncProposal(s) {
  const id = agendaProposal(s)?.id ?? null;
  if (id === pc.id) return;
  pc = { id, readable: false, loading: id != null, comments: [] };
  if (id == null) return;
  fetch(at(live.dataset.proposalCommentsUrl, id), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : null), () => null)
    .then((j) => {
      if (pc.id !== id) return;
      pc.loading = false;
      if (!j) return render();
      pc.readable = true;
      pc.comments = latest(j.results.flatMap((c) => [c, ...(c.replies || [])]), pc.comments);
      render();
    });
}

// The comment's HTML is sanitised by the server (proposals.rendering); a <template> parses it inert.
function html(markup) {
  const t = document.createElement('template');
  t.innerHTML = markup || '';
  return [...t.content.childNodes];
}

function vProposal(s) {
  const p = agendaProposal(s);
  if (!p) return null;
  const url = at(live.dataset.proposalUrl, p.id), list = pc.readable ? pc.comments : [];
  return panel('proposal', PS.heading,
    h('p', { class: 'proposal-title' }, pc.readable ? h('a', { href: url, lang: 'tr' }, p.title) : h('span', { lang: 'tr' }, p.title)),
    pc.readable ? [
      h('h3', { id: 'proposal-comments-heading' }, PS.comments),
      h('ol', { id: 'proposal-comments', class: 'live-comments', 'aria-live': 'polite', 'aria-labelledby': 'proposal-comments-heading' },
        list.map((c) => h('li', { 'data-key': 'pc' + c.id },
          h('p', { class: 'meta' }, h('strong', {}, c.author_name || '?'), ' · ' + (PS.kinds[c.kind] || c.kind) + (c.parent ? ' · ' + PS.reply : '')),
          h('div', { class: 'comment__body', lang: 'tr' }, html(c.html))))),
      h('p', { id: 'proposal-comments-empty', class: 'meta', hidden: list.length > 0 }, PS.none),
      h('p', {}, h('a', { href: url + '#discussion' }, PS.read)),
    ] : !pc.loading && h('p', { class: 'meta' }, PS.members_only));
}

// --- Decisions (CONTRACT.md §3, §4) ---------------------------------------------------------

const D = S.d;
const extra = json('live-decisions'); // per decision: { mine, winner, url }, which the state lacks
const ex = (id) => (extra[id] ||= {});
const chosen = {}; // per decision: the option picked but not sent yet
const dec = (id) => state.decisions.find((d) => d.id === id);
const share = (f) => ((f = String(f).split('/')), '%' + Math.round((f[0] / (f[1] || 1)) * 100));
const until = (iso) => Math.ceil((Date.parse(iso) - Date.now()) / 1000);

function rule(d) {
  const p = d.policy, parts = [fmt(D.rules[d.method], {
    max_blocks: p.max_blocks, max_stand_aside: share(p.max_stand_aside), needs_discussion_share: share(p.needs_discussion_share) })];
  if (p.quorum) parts.push(fmt(D.quorum, { share: share(p.quorum) }));
  if (p.secret) parts.push(D.secret_rule);
  if (p.fallback_after_rounds && p.fallback_share) parts.push(fmt(D.fallback_rule, { rounds: p.fallback_after_rounds, share: share(p.fallback_share) }));
  return parts.join(' ');
}
function labelsOf(d) {
  const l = {};
  for (const o of D.options[d.method] || []) l[o.key] = o.label;
  for (const a of d.alternatives || []) l[a.key] = a.title;
  return { ...l, status_quo: D.status_quo };
}
const statusText = (d) => (d.status === 'open' ? fmt(D.round_open, { n: d.round })
  : d.outcome ? fmt(D.outcome_of, { n: d.round, outcome: D.outcomes[d.outcome] || d.outcome }) : D.not_opened);
const responded = (t, open) => (t.responded ? fmt(D.responded[t.responded === 1 ? 0 : 1], t) : open ? D.no_responses : D.no_one_responded);

function vTally(d, k, L) {
  const t = d.tally, ranked = d.method === 'ranked';
  const bar = ([o, n]) => h('li', { 'data-key': `${k}-c-${o}` },
    h('span', { class: 'bar-label' }, L[o] ?? o), ' ',
    h('progress', { max: Math.max(t.responded, 1), value: n, 'aria-hidden': 'true' }), ' ',
    h('span', { class: 'bar-count' }, n));
  return t && h('div', { class: 'tally' },
    h('p', { class: 'responded', id: k + '-responded' }, responded(t, d.status === 'open')),
    h('progress', { max: t.eligible || 1, value: t.responded, 'aria-labelledby': k + '-responded' }),
    !t.counts ? d.status === 'open' && h('p', { class: 'meta' }, D.results_later) : [
      ranked && h('p', { class: 'bars-caption', id: k + '-bars' }, D.first_choices),
      h('ul', { class: 'bars', 'aria-labelledby': ranked ? k + '-bars' : null }, Object.entries(t.counts).map(bar))]);
}

// Ranked: one select per place ("1. tercih", …); the places left empty tie below the rest.
const vRanking = (d, k, L, mine) => h('fieldset', { class: 'ranking' }, h('legend', {}, D.rank_legend),
  d.alternatives.map((_, i) => h('div', { class: 'field field--place' },
    h('label', { for: `${k}-r${i + 1}` }, fmt(D.place, { n: i + 1 })),
    h('select', { id: `${k}-r${i + 1}`, name: 'ranking', required: i === 0 }, h('option', { value: '' }, '—'),
      d.alternatives.map((a) => h('option', { value: a.key, selected: mine?.ranking?.[i] === a.key }, L[a.key]))))));

// Other methods: a card per option with its one-line help, then the reason.
function vOptions(d, k, mine) {
  const pick = chosen[d.id] ?? mine?.option ?? '', options = D.options[d.method] || [];
  const needReason = options.some((o) => o.key === pick && o.reason_required);
  return [
    h('fieldset', { class: 'stance-cards' }, h('legend', {}, D.your_stance), options.map((o) => h('div', { class: 'stance-card' },
      h('input', { type: 'radio', name: 'option', id: `${k}-o${o.key}`, value: o.key, required: true, checked: o.key === pick,
        'aria-describedby': o.help ? `${k}-h${o.key}` : null, 'data-reason': o.reason_required }),
      h('label', { for: `${k}-o${o.key}` }, /^\d$/.test(o.key) && o.key + ' · ', o.label),
      o.help && h('p', { class: 'help', id: `${k}-h${o.key}` }, o.help)))),
    h('div', { class: 'field' }, h('label', { for: k + '-reason' }, needReason ? D.reason_required : D.reason),
      h('textarea', { id: k + '-reason', name: 'reason', rows: 3, maxlength: 2000, required: needReason }, mine?.reason || ''))];
}

const vStance = (d, k, L, mine) => form(CMD, { class: 'cmd stance-form' }, hid('type', 'stance.cast'), hid('decision', d.id),
  d.method === 'ranked' ? vRanking(d, k, L, mine) : vOptions(d, k, mine),
  btn(mine ? D.change : D.send, 'button--primary'));

const vRecord = (d, k) => form(CMD, { class: 'cmd record-form' }, hid('type', 'decision.record'), hid('decision', d.id),
  h('fieldset', {}, h('legend', {}, D.record_heading),
    h('div', { class: 'field' }, h('label', { for: k + '-statement' }, D.statement, ' ', h('span', { class: 'required' }, `(${D.required})`)),
      h('textarea', { id: k + '-statement', name: 'statement', rows: 3, maxlength: 10000, required: true })),
    field(k + '-review', D.review_at, { name: 'review_at', type: 'date' }),
    h('div', { class: 'field' }, h('label', { for: k + '-supersedes' }, D.supersedes),
      h('p', { class: 'help', id: k + '-supersedes-help' }, D.supersedes_help),
      h('input', { id: k + '-supersedes', name: 'supersedes', type: 'text', maxlength: 20, 'aria-describedby': k + '-supersedes-help' }))),
  btn([D.record, sr(d.title)], 'button--primary'));

function vDecision(d, s) {
  const k = 'd' + d.id, e = ex(d.id), L = labelsOf(d), you = s.you;
  const open = d.status === 'open', mine = open && e.mine?.round === d.round ? e.mine : null;
  const rest = open && d.closes_at ? until(d.closes_at) : null;
  const saved = !mine ? '' : mine.secret ? D.saved_secret
    : fmt(D.saved_as, { stance: mine.ranking?.length ? mine.ranking.map((o, i) => `${i + 1}. ${L[o] ?? o}`).join(', ') : L[mine.option] });
  const recorded = d.ref && fmt(D.recorded, { ref: d.ref });
  return h('article', { class: 'decision decision--' + d.status, 'data-key': k, 'aria-labelledby': k + '-title' },
    h('h3', { id: k + '-title' }, d.title),
    h('p', { class: 'meta' }, h('a', { href: live.dataset.decisionUrl.replace('/0/', `/${d.id}/`) }, D.page, sr(d.title))),
    h('p', { class: 'rule' }, rule(d)),
    d.text && h('div', { class: 'decision-text', lang: 'tr' }, paras(d.text)),
    h('p', { class: 'round-status', id: k + '-status' }, h('strong', {}, statusText(d)),
      rest != null && [' · ', h('span', { class: 'countdown' }, rest > 0 ? fmt(D.closes_in, { seconds: rest }) : S.time_up)]),
    d.method === 'ranked' && !open && e.winner && h('p', { class: 'winner' }, fmt(D.winner, { title: L[e.winner] ?? e.winner })),
    recorded && h('p', { class: 'recorded' }, e.url ? h('a', { href: e.url }, recorded) : recorded),
    vTally(d, k, L),
    h('p', { class: 'form-error', id: k + '-error', role: 'alert', 'data-keep': '' }),
    can(d.actions, 'stance.cast') && [h('p', { class: 'saved', id: k + '-saved', role: 'status' }, saved),
      !mine?.secret && vStance(d, k, L, mine)],
    vRounds(d, k),
    can(d.actions, 'decision.record') && vRecord(d, k));
}

// Facilitators open a round (with an optional time limit) and close it.
function vRounds(d, k) {
  if (can(d.actions, 'round.close')) return h('div', { class: 'decision-tools' }, h('div', { class: 'button-row' },
    cmd('round.close', { decision: d.id }, D.close, { cls: 'button--primary', sr: d.title }),
    can(d.actions, 'round.fallback') &&
      cmd('round.close', { decision: d.id, fallback: 'true' }, D.fallback, { sr: d.title })));
  return can(d.actions, 'round.open') && h('div', { class: 'decision-tools' },
    form(CMD, { class: 'cmd round-form' }, hid('type', 'round.open'), hid('decision', d.id),
      h('div', { class: 'field' }, h('label', { for: k + '-seconds' }, D.seconds),
        h('p', { class: 'help', id: k + '-seconds-help' }, D.seconds_help),
        h('input', { id: k + '-seconds', name: 'seconds', type: 'number', inputmode: 'numeric', min: 1, max: S.limits.round,
          'aria-describedby': k + '-seconds-help' })),
      btn([D.open, sr(d.title)], 'button--primary')));
}

const vDecisions = (s) => panel('decisions', D.heading,
  h('p', { id: 'decision-announce', class: 'visually-hidden', 'aria-live': 'polite', 'data-keep': '' }),
  s.decisions.length ? s.decisions.map((d) => vDecision(d, s)) : h('p', { class: 'meta' }, D.none),
  can(s.session.actions, 'decision.create') && h('p', { class: 'decisions-new' },
    h('a', { class: 'button', href: live.dataset.newDecisionUrl + '?next=' + encodeURIComponent(NEXT) }, D.new)));

const view = (s) => h('div', {},
  h('div', { id: 'live-head', 'data-keep': '' }),
  h('p', { id: 'session-status', class: 'session-status status--' + s.session.status, role: 'status' },
    fmt(S.status.label, { status: S.status[s.session.status] })),
  h('p', { id: 'connection', 'data-keep': '' }),
  h('div', { id: 'live-error', 'data-keep': '' }),
  h('div', { class: 'live-grid' },
    h('div', { class: 'live-col' }, vFloor(s), vConsole(s), vQueue(s)),
    h('div', { class: 'live-col' }, vDecisions(s), vProposal(s), vAgenda(s), vMinutes(s)),
    h('div', { class: 'live-col' }, vPresent(s), vTotals(s), vTasks(s))));

let built = false;
function render() {
  syncProposal(state);
  patch(() => {
    const next = view(state);
    if (built) return morphKids(live, next);
    // The first time, take the server's markup over, keeping the parts this script writes to.
    built = true;
    next.querySelectorAll('[data-keep]').forEach((k) => $(k.id) && k.replaceWith($(k.id)));
    live.replaceChildren(...next.childNodes);
  });
  announce();
}

// The countdown is announced only at the last minute and at the end, not every second.
let prevEnds = null, prevLeft = null;
function announce() {
  const q = state.queue, rest = left(q), box = $('timer-announce');
  if (q.timer.ends_at !== prevEnds) box.textContent = '';
  else if (rest != null && prevLeft != null) {
    if (prevLeft > 60 && rest <= 60 && rest > 0) box.textContent = S.last_minute;
    if (prevLeft > 0 && rest <= 0) box.textContent = S.time_up;
  }
  prevEnds = q.timer.ends_at;
  prevLeft = rest;
}
const drawDecisions = () => patch(() => morph($('decisions'), vDecisions(state)));
setInterval(() => {
  if (state.decisions.some((d) => d.status === 'open' && d.closes_at)) drawDecisions();
  if (!state.queue.timer.ends_at && !state.queue.speaker) return;
  patch(() => [vFloor(state), vTotals(state)].forEach((el) => morph($(el.id), el)));
  announce();
}, 1000);

// --- State and events ----------------------------------------------------------------------

function learn() {
  for (const e of [...state.queue.queue, state.queue.speaker]) if (e) names[e.member] = e.name;
}
function replace(data) {
  state = data;
  seq = live.dataset.seq = data.seq;
  learn();
  render();
  wantNames();
}

// Frames carry member ids (presence.changed also the latest arrivals' names). A name this
// screen does not know yet is asked for once, after a short random wait, so that the
// screens of a whole assembly do not all ask at the same moment.
let askingNames = null;
const nameless = new Set(); // asked for and not given: not asked for again
function wantNames() {
  const s = state, ids = [...s.present, ...s.facilitators, ...s.note_takers, ...Object.keys(s.queue.totals)];
  const unknown = ids.map(String).filter((id) => !(id in names) && !nameless.has(id));
  if (askingNames || !unknown.length) return;
  askingNames = setTimeout(async () => {
    try {
      const r = await fetch(live.dataset.peopleUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (r.ok) {
        Object.assign(names, (await r.json()).people);
        unknown.filter((id) => !(id in names)).forEach((id) => nameless.add(id));
      }
    } catch { /* asked again after the pause */ }
    render();
    // At most one question per five seconds; then whoever came meanwhile.
    setTimeout(() => void ((askingNames = null), wantNames()), 5000);
  }, 300 + Math.random() * 2000);
}

// A session that starts, adjourns or closes changes what everyone may do: the server says what.
const status = (d) => {
  Object.assign(state.session, { status: d.status, actions: d.actions });
  state.agenda = d.agenda;
  for (const x of state.decisions) x.actions = d.decision_actions[x.id] ?? x.actions;
};
// Round changes are announced once each; tallies only change what is shown.
const say = (t) => void ($('decision-announce').textContent = t);
const H = {
  'queue.changed': (d) => void (state.queue = d),
  'agenda.item_opened': (d) => void ((state.agenda = d.agenda), (state.current_item = d.item)),
  'agenda.changed': (d) => void ((state.agenda = d.agenda), (state.current_item = d.current_item)),
  'agenda.minutes_changed': (d) => {
    const it = state.agenda.find((i) => i.id === d.item);
    if (!it) return true; // an item we do not know: fetch everything
    Object.assign(it, { minutes: d.minutes, actions: d.actions });
  },
  'session.started': status,
  'session.adjourned': status,
  'session.closed': status,
  'decision.added': (d) => void (dec(d.decision.id) || state.decisions.push(d.decision)),
  'decision.round_opened': (d) => {
    const x = dec(d.decision), early = ex(d.decision).tally;
    if (!x) return true;
    Object.assign(x, { round: d.round, status: 'open', closes_at: d.closes_at, options: d.options, text: d.text, outcome: null,
      tally: early?.round === d.round ? early : null, actions: d.actions });
    delete chosen[d.decision];
    say(x.title + ': ' + fmt(D.round_open, { n: d.round }));
  },
  'decision.round_closed': (d) => {
    const x = dec(d.decision);
    if (!x) return true;
    Object.assign(x, { round: d.round, status: d.status, outcome: d.outcome, tally: d.tally, closes_at: null, actions: d.actions });
    ex(d.decision).winner = d.winner ?? null;
    const won = d.winner && fmt(D.winner, { title: labelsOf(x)[d.winner] ?? d.winner });
    say(x.title + ': ' + (D.outcomes[d.outcome] || d.outcome) + (won ? '. ' + won : ''));
  },
  'decision.recorded': (d) => {
    const x = dec(d.decision);
    if (!x) return true;
    Object.assign(x, { status: 'recorded', ref: d.ref, actions: d.actions });
    ex(d.decision).url = d.url;
    say(x.title + ': ' + fmt(D.recorded, { ref: d.ref }));
  },
  // Seq'd, but the state holds no comments: only this panel changes.
  'proposal.comment_added': (d) => void (d.proposal === pc.id && (pc.comments = latest(pc.comments, [d.comment]))),
  'session.tasks_changed': (d) => {
    const y = state.you;
    state.facilitators = d.facilitators;
    state.note_takers = d.note_takers;
    // The server names each task holder's role; everyone else keeps the role they joined with.
    y.role = (y.participant && d.roles[y.member]) || (y.participant ? 'member' : 'watcher');
    y.facilitator = y.role === 'facilitator';
    y.note_taker = y.facilitator || y.role === 'note_taker';
  },
};

// A gap in seq (or an event we cannot apply): fetch the snapshot, then replay what came
// meanwhile. After a fault the server sends every screen a fresh session.state by itself, so
// the screen waits a moment for it first, and a whole assembly does not ask at one instant.
let resyncing = false, buffer = [], resyncTimer = null;
function resync() {
  if (resyncing) return;
  resyncing = true;
  resyncTimer = setTimeout(fetchState, 1000 + Math.random() * 1500);
}
async function fetchState() {
  resyncTimer = null;
  let data = null;
  try {
    const r = await fetch(live.dataset.stateUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (r.ok) data = await r.json();
  } catch { /* the next event or the reconnect tries again */ }
  settle(data);
}
function settle(data) {
  const later = buffer;
  resyncing = false;
  buffer = [];
  if (data && data.seq >= seq) replace(data);
  later.forEach(onFrame);
}

// A snapshot of an open round's responses: the latest one wins. One for a round not opened
// here yet waits for decision.round_opened.
function tally(t) {
  const x = dec(t.decision);
  if (x && x.status === 'open' && x.round === t.round) {
    x.tally = t;
    drawDecisions();
  } else if (!x || t.round > x.round) ex(t.decision).tally = t;
}

function onFrame(f) {
  if (f.event === 'reply') return onReply(f);
  if (f.event === 'session.state') {
    tries = 0;
    setConn(S.connected);
    replace(f.data);
    live.dataset.connected = 'true';
    if (resyncTimer) { // the state came by itself: nothing to ask for
      clearTimeout(resyncTimer);
      resyncTimer = null;
      settle(null);
    }
    return live.querySelectorAll('.minutes-form textarea').forEach((t) => dirty.has(t) && save(t));
  }
  if (resyncing) return buffer.push(f);
  if (f.seq == null) {
    if (f.event === 'decision.tally_changed') return tally(f.data);
    if (f.event !== 'presence.changed') return;
    state.present = f.data.present;
    Object.assign(names, f.data.arrived);
    return replace(state);
  }
  if (f.seq <= seq) return;
  if (f.seq > seq + 1 || !H[f.event] || H[f.event](f.data)) return resync();
  state.seq = f.seq;
  replace(state);
}

// --- Socket -------------------------------------------------------------------------------

let ws = null, tries = 0, retry = 0, count = 0;
const pending = new Map();
const isOpen = () => ws?.readyState === WebSocket.OPEN;
const setConn = (t) => void ($('connection').textContent = t);
// Errors go next to the decision the form belongs to, or to the top of the screen.
function showError(t, box) {
  $('live-error').textContent = box ? '' : t;
  if (box) box.textContent = t;
}

function connect() {
  clearTimeout(retry);
  const sock = (ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/sessions/${live.dataset.sessionId}/`));
  sock.onmessage = (m) => {
    try {
      onFrame(JSON.parse(m.data));
    } catch (e) {
      console.error(e);
    }
  };
  sock.onclose = () => {
    if (ws !== sock) return;
    ws = null;
    pending.clear();
    live.dataset.connected = 'false';
    setConn(S.reconnecting);
    // 0.5 s doubling to 15 s, ±50 %, so that a whole room does not come back at once.
    retry = setTimeout(connect, Math.min(15000, 500 * 2 ** tries++) * (0.5 + Math.random()));
  };
}

function send(type, data, extra = {}) {
  const id = `c${++count}-${Date.now().toString(36)}`;
  pending.set(id, extra);
  ws.send(JSON.stringify({ type, id, data }));
}

function onReply(f) {
  const p = pending.get(f.in_response) || {};
  pending.delete(f.in_response);
  const box = p.form?.closest('article')?.querySelector('.form-error');
  if (!f.ok) {
    const e = f.error || {};
    return showError([e.message || S.error, ...Object.values(e.fields || {})].join(' '), box);
  }
  if (p.ta) {
    if (p.ta.value === p.text) dirty.delete(p.ta);
    p.status.textContent = S.saved;
  }
  showError('', box);
  if (p.stance) stanceSaved(p.stance, f.data, p.form);
}

// The server does not tell other tabs what you chose, so the reply is remembered here.
function stanceSaved(sent, reply, f) {
  const ta = f.querySelector('textarea');
  ex(sent.decision).mine = { round: reply.round, secret: !!dec(sent.decision)?.policy.secret,
    option: sent.option, reason: sent.reason || '', ranking: sent.ranking };
  delete chosen[sent.decision];
  if (ta && ta.value === (sent.reason || '')) dirty.delete(ta);
  render();
}

function save(ta) {
  if (!isOpen()) return;
  const status = ta.form.querySelector('.save-status');
  status.textContent = '';
  send('minutes.save', { item: +ta.form.querySelector('[name=item]').value, text: ta.value }, { ta, text: ta.value, status });
}

// Forms with a "type" go over the socket while it is open; otherwise they post as usual.
const TEXT = new Set(['option', 'reason', 'statement', 'supersedes']); // never numbers, even "3"
live.addEventListener('submit', (e) => {
  const f = e.target, type = f.querySelector('[name=type]');
  if (!isOpen() || (!type && !f.classList.contains('agenda-op'))) return;
  e.preventDefault();
  if (!type) return agendaPost(f, e.submitter);
  if (f.classList.contains('minutes-form')) return save(f.querySelector('textarea'));
  // As session_command reads a plain form: empty fields left out, several `ranking` make a list.
  const data = {};
  for (const [k, v] of new FormData(f, e.submitter)) {
    if (['type', 'next', 'csrfmiddlewaretoken'].includes(k) || v === '') continue;
    if (k === 'ranking') (data.ranking ||= []).push(v);
    else data[k] = TEXT.has(k) ? v : /^-?\d+$/.test(v) ? +v : v === 'true' ? true : v;
  }
  send(type.value, data, { form: f, stance: type.value === 'stance.cast' && data });
});
// Picking an option that needs a reason says so on the reason's label.
live.addEventListener('change', (e) => {
  const r = e.target;
  if (r.name !== 'option' || !r.form?.classList.contains('stance-form')) return;
  chosen[r.form.elements.decision.value] = r.value;
  drawDecisions();
});

async function agendaPost(f, submitter) {
  try {
    const r = await fetch(f.action, { method: 'POST', body: new FormData(f, submitter), credentials: 'same-origin',
      headers: { Accept: 'application/json', 'X-CSRFToken': csrf() } });
    const j = await r.json();
    showError(j.ok ? '' : j.message || S.error);
    if (j.ok && f.id === 'agenda-add') f.reset();
  } catch {
    showError(S.error);
  }
}

// Minutes save themselves 800 ms after the last keystroke.
const timers = new WeakMap();
live.addEventListener('input', (e) => {
  const ta = e.target;
  if (ta.tagName !== 'TEXTAREA') return;
  dirty.add(ta);
  if (!ta.form?.classList.contains('minutes-form')) return;
  clearTimeout(timers.get(ta));
  timers.set(ta, setTimeout(() => save(ta), 800));
});

learn();
render();
setConn(S.connecting);
connect();
addEventListener('online', () => ws || ((tries = 0), connect()));
