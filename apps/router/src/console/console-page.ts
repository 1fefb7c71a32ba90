/**
 * The console: one self-contained page (no framework, no build step, no
 * external request), polling `/console/api/overview` every second. Text from
 * geodes is always set with `textContent`, never parsed as HTML.
 */
export const CONSOLE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Geode console</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2433; background: #f5f6f8; }
  body { margin: 0; padding: 16px 24px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 15px; margin: 20px 0 8px; }
  .muted { color: #6b7385; font-size: 12px; }
  .row { display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-start; }
  .card { background: #fff; border: 1px solid #d9dde5; border-radius: 8px; padding: 12px 14px; min-width: 250px; }
  .card[data-state="up"] { border-top: 4px solid #2e9e5b; }
  .card[data-state="down"], .card[data-state="unknown"] { border-top: 4px solid #c8402f; }
  .card h3 { margin: 0 0 6px; font-size: 15px; }
  .card div { font-size: 13px; line-height: 1.5; }
  .pill { display: inline-block; border-radius: 10px; padding: 1px 8px; font-size: 12px; background: #e6e9ef; }
  .pill.ok { background: #d8f1e2; color: #1d6b3c; } .pill.bad { background: #f8dcd8; color: #8f2a1d; }
  table { border-collapse: collapse; background: #fff; font-size: 13px; }
  th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #eceef2; white-space: nowrap; }
  code { font-size: 12px; }
  button { font: inherit; font-size: 12px; padding: 3px 10px; margin: 6px 6px 0 0; cursor: pointer; border-radius: 5px; border: 1px solid #aab1c0; background: #fff; }
  button:disabled { cursor: default; opacity: .5; }
  #diagram line { stroke-width: 3; } #diagram text { font-size: 12px; }
  #message { min-height: 18px; font-size: 13px; color: #8f2a1d; }
</style>
</head>
<body>
<h1>Geode console</h1>
<div class="muted"><span id="updated">connecting…</span> · <span id="world-state"></span></div>
<div id="message" role="status"></div>
<div class="row">
  <svg id="diagram" width="360" height="300" viewBox="0 0 360 300" aria-label="regions and links"></svg>
  <div>
    <h2>Links between regions</h2>
    <table id="links"><thead><tr><th>link</th><th>world</th><th>puller</th><th>lag</th></tr></thead><tbody></tbody></table>
    <button id="heal" disabled>Heal every link</button>
  </div>
</div>
<h2>Regions</h2>
<div class="row" id="regions"></div>
<h2>Recent events</h2>
<table id="events"><thead><tr><th>time</th><th>type</th><th>stream</th><th>origin · seq</th><th>held in</th></tr></thead><tbody></tbody></table>
<h2>Conflicts</h2>
<table id="conflicts"><thead><tr><th>stream</th><th>status</th><th>forked at</th><th>detected in</th><th>merge event</th></tr></thead><tbody></tbody></table>
<script>
'use strict';
const $ = (id) => document.getElementById(id);
let world = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}
function svg(tag, attrs, text) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}
function short(id) { return typeof id === 'string' && id.length > 14 ? id.slice(0, 14) + '…' : String(id ?? ''); }
function vectorText(vector) {
  const entries = Object.entries(vector || {}).sort();
  return entries.length ? entries.map(([o, s]) => o + ':' + s).join(' ') : '(empty)';
}

async function control(path, body) {
  $('message').textContent = '';
  try {
    const answer = await fetch('/console/api/world/' + path, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}),
    });
    if (!answer.ok) {
      const problem = await answer.json().catch(() => ({}));
      $('message').textContent = problem.detail || ('the world answered ' + answer.status);
    }
  } catch (error) {
    $('message').textContent = 'the router did not answer: ' + error.message;
  }
  await refresh();
}

function worldLink(from, to) {
  return world && Array.isArray(world.links) ? world.links.find((l) => l.from === from && l.to === to) : undefined;
}

function render(overview) {
  world = overview.world && !overview.world.error ? overview.world : null;
  $('updated').textContent = 'updated ' + new Date(overview.at).toLocaleTimeString();
  $('world-state').textContent = world ? 'local world: controls on' : (overview.world && overview.world.error) || 'no local world: read-only';
  $('heal').disabled = !world;
  const regions = overview.regions;

  const cards = regions.map((r) => {
    const rep = r.replication;
    const lag = rep ? Object.values(rep.lag || {}).reduce((sum, l) => sum + l.events, 0) : null;
    const proc = world ? (world.geodes || []).find((g) => g.region === r.region) : undefined;
    const state = r.state === 'up' ? 'up' : r.state === 'down' ? 'down' : 'unknown';
    return el('div', { class: 'card', 'data-testid': 'region-card', 'data-region': r.region, 'data-state': state },
      el('h3', {}, r.region + ' ', el('span', { class: 'pill ' + (state === 'up' ? 'ok' : 'bad') }, state)),
      el('div', { class: 'muted' }, r.url),
      el('div', {}, 'vector ', el('code', {}, rep ? vectorText(rep.vector) : '?')),
      el('div', {}, 'lag ', lag === null ? '?' : lag + ' events'),
      el('div', {}, 'process ', proc ? proc.state + (proc.restarts ? ' (restarted ' + proc.restarts + '×)' : '') : '—'),
      r.errors && r.errors.length ? el('div', { class: 'muted' }, r.errors[0]) : '',
      el('div', {},
        el('button', { 'data-action': 'partition', 'data-region': r.region, disabled: world ? undefined : '', onclick: () => control('partition', { regions: [r.region] }) }, 'Partition'),
        el('button', { 'data-action': 'kill', 'data-region': r.region, disabled: world ? undefined : '', onclick: () => control('regions/' + encodeURIComponent(r.region) + '/kill') }, 'Kill')));
  });
  $('regions').replaceChildren(...cards);

  const rows = [];
  for (const r of regions) {
    for (const peer of (r.replication && r.replication.peers) || []) {
      const link = worldLink(r.region, peer.peer);
      const lag = r.replication.lag && r.replication.lag[peer.peer];
      rows.push(el('tr', { 'data-link': r.region + '>' + peer.peer, 'data-state': link ? link.state : peer.state },
        el('td', {}, r.region + ' ← ' + peer.peer),
        el('td', {}, link ? link.state + (link.delayMs ? ' +' + link.delayMs + 'ms' : '') : '—'),
        el('td', {}, peer.state),
        el('td', {}, lag ? lag.events + ' ev' : '0 ev')));
    }
  }
  $('links').tBodies[0].replaceChildren(...rows);

  const diagram = $('diagram');
  diagram.replaceChildren();
  const center = { x: 180, y: 150 }, radius = 110;
  const spots = new Map(regions.map((r, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / regions.length;
    return [r.region, { x: center.x + radius * Math.cos(angle), y: center.y + radius * Math.sin(angle), r }];
  }));
  const names = [...spots.keys()];
  for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) {
    const a = spots.get(names[i]), b = spots.get(names[j]);
    const open = [[names[i], names[j]], [names[j], names[i]]].every(([from, to]) => {
      const link = worldLink(from, to);
      if (link) return link.state === 'open';
      const peer = ((spots.get(from).r.replication || {}).peers || []).find((p) => p.peer === to);
      return peer ? peer.state === 'streaming' : false;
    });
    diagram.append(svg('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y, stroke: open ? '#2e9e5b' : '#c8402f', 'stroke-dasharray': open ? '' : '6 5', 'data-pair': names[i] + '|' + names[j] }));
  }
  for (const [name, spot] of spots) {
    const up = spot.r.state === 'up';
    diagram.append(svg('circle', { cx: spot.x, cy: spot.y, r: 26, fill: up ? '#d8f1e2' : '#f8dcd8', stroke: up ? '#2e9e5b' : '#c8402f', 'stroke-width': 2 }));
    diagram.append(svg('text', { x: spot.x, y: spot.y + 42, 'text-anchor': 'middle' }, name));
  }

  const events = new Map();
  for (const r of regions) for (const e of r.recentEvents || []) {
    const seen = events.get(e.eventId) || { ...e, heldIn: [] };
    seen.heldIn.push(r.region);
    events.set(e.eventId, seen);
  }
  const latest = [...events.values()].sort((a, b) => (b.hlc ? b.hlc.wallMs : 0) - (a.hlc ? a.hlc.wallMs : 0)).slice(0, 20);
  $('events').tBodies[0].replaceChildren(...latest.map((e) => el('tr', {},
    el('td', {}, e.hlc ? new Date(e.hlc.wallMs).toLocaleTimeString() : '—'),
    el('td', {}, e.redacted ? '(redacted)' : e.type),
    el('td', {}, short(e.streamId)),
    el('td', {}, e.origin ? e.origin.region + ' · ' + e.origin.seq : '—'),
    el('td', {}, e.heldIn.sort().join(', ')))));

  const conflicts = new Map();
  for (const r of regions) for (const c of r.conflicts || []) {
    const key = c.streamId + '|' + (c.heads || []).join(',');
    const known = conflicts.get(key);
    if (!known || (known.status === 'pending' && c.status === 'resolved')) conflicts.set(key, c);
  }
  $('conflicts').tBodies[0].replaceChildren(...[...conflicts.values()].slice(0, 20).map((c) => el('tr', { 'data-status': c.status },
    el('td', {}, short(c.streamId)),
    el('td', {}, c.status),
    el('td', {}, c.forkedAt ? new Date(c.forkedAt).toLocaleTimeString() : '—'),
    el('td', {}, c.detectedInRegion || '—'),
    el('td', {}, c.mergeEventId ? short(c.mergeEventId) : '—'))));
}

async function refresh() {
  try {
    const answer = await fetch('/console/api/overview', { cache: 'no-store' });
    if (!answer.ok) throw new Error('overview answered ' + answer.status);
    render(await answer.json());
  } catch (error) {
    $('updated').textContent = 'router unreachable: ' + error.message;
  }
}

$('heal').addEventListener('click', () => control('heal'));
let busy = false;
setInterval(async () => { if (busy) return; busy = true; try { await refresh(); } finally { busy = false; } }, 1000);
void refresh();
</script>
</body>
</html>
`;
