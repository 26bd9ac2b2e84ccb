// The studio page: prepare the script, fix pronunciations, generate with live progress, listen, publish.
// No framework, no CDN: everything here is served by the studio itself.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { token: sessionStorage.getItem('bulletin-token') || '', job: null, following: null };

function headers(extra = {}) {
  return state.token ? { ...extra, Authorization: `Bearer ${state.token}` } : extra;
}

function say(text) { $('message').textContent = text || ''; }

async function api(path, options = {}) {
  const init = { ...options, headers: headers(options.body ? { 'Content-Type': 'application/json' } : {}) };
  if (options.body && typeof options.body !== 'string') init.body = JSON.stringify(options.body);
  const response = await fetch(path, init);
  const text = await response.text();
  const data = text ? JSON.parse(text) : {};
  if (response.status === 401) { $('auth').hidden = false; $('token').focus(); }
  if (!response.ok) throw new Error(data.error || `erreur ${response.status}`);
  return data;
}

function source() {
  const url = $('url').value.trim();
  return url && !$('article').value.trim() ? { url } : { text: $('article').value };
}

// --- 1. settings ------------------------------------------------------------------------------

async function loadSettings() {
  const settings = await api('/api/settings');
  $('voice').replaceChildren(...settings.voices.map((voice) => {
    const option = new Option(`${voice.name}${voice.offline ? '' : ' (à télécharger)'}`, voice.name);
    option.selected = voice.name === settings.voice;
    return option;
  }));
  $('loudness').replaceChildren(...Object.entries(settings.loudness_presets).map(([name, target]) => {
    const option = new Option(`${name} (${target.lufs} LUFS, ${target.true_peak_db} dBTP)`, name);
    option.selected = name === settings.loudness_preset;
    return option;
  }));
}

// --- 2. the script, with every rewrite highlighted ---------------------------------------------

const COSMETIC = ['space', 'punctuation', 'case', 'unicode']; // tidying only: shown, but quietly

function spokenWithMarks(segment) {
  const nodes = [];
  let at = 0;
  const rewrites = [...segment.rewrites].sort((a, b) => a.spoken_start - b.spoken_start);
  for (const rewrite of rewrites) {
    if (rewrite.spoken_start < at) continue;
    nodes.push(document.createTextNode(segment.spoken.slice(at, rewrite.spoken_start)));
    const mark = document.createElement('mark');
    const said = segment.spoken.slice(rewrite.spoken_start, rewrite.spoken_end);
    mark.className = `rewrite${COSMETIC.includes(rewrite.rule) ? ' cosmetic' : ''}${said ? '' : ' removed'}`;
    mark.tabIndex = 0;
    mark.textContent = said || '·'; // something written and not said: a dot to hover
    mark.dataset.written = rewrite.written;
    mark.dataset.rule = rewrite.rule;
    mark.title = `écrit : ${rewrite.written} (${rewrite.rule})`;
    mark.setAttribute('aria-label', `${mark.textContent}, écrit ${rewrite.written}`);
    nodes.push(mark);
    at = rewrite.spoken_end;
  }
  nodes.push(document.createTextNode(segment.spoken.slice(at)));
  return nodes;
}

async function prepare() {
  say('');
  $('prepare').disabled = true;
  try {
    const script = await api('/api/script', { method: 'POST', body: { ...source(), voice: $('voice').value } });
    const rewrites = script.segments.reduce((count, segment) => count + segment.rewrites.length, 0);
    $('script-summary').textContent = `« ${script.title} » : ${script.segments.length} segments, ${rewrites} réécritures pour l'oral.`;
    $('script').replaceChildren(...script.segments.map((segment) => {
      const item = document.createElement('li');
      item.className = 'segment';
      item.dataset.role = segment.role;
      const role = document.createElement('span');
      role.className = 'role';
      role.textContent = segment.role;
      item.append(role, ' ', ...spokenWithMarks(segment));
      return item;
    }));
    $('script-section').hidden = false;
    $('render-section').hidden = false;
  } catch (error) {
    say(error.message);
  } finally {
    $('prepare').disabled = false;
  }
}

function propose(written) {
  $('written').value = written.trim();
  $('spoken').focus();
}

function proposeSelection() {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed) return;
  const node = selection.anchorNode && selection.anchorNode.parentElement;
  const mark = node && node.closest('mark.rewrite');
  propose(mark ? mark.dataset.written : selection.toString());
}

async function saveEntry(event) {
  event.preventDefault();
  say('');
  const written = $('written').value.trim();
  const spoken = $('spoken').value.trim();
  try {
    const lexicon = await api('/api/lexicon');
    await api('/api/lexicon', { method: 'PUT', body: { entries: { ...lexicon.entries, [written]: spoken } } });
    $('written').value = '';
    $('spoken').value = '';
    await prepare();
    $('stage').textContent = `« ${written} » se dira « ${spoken} ».`;
  } catch (error) {
    say(error.message);
  }
}

// --- 3. generate, following the server-sent events ---------------------------------------------

async function follow(url, onEvent) {
  const controller = new AbortController();
  state.following = controller;
  const response = await fetch(url, { headers: headers({ Accept: 'text/event-stream' }), signal: controller.signal });
  if (!response.ok) throw new Error(`événements : erreur ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer = (buffer + value).replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let kind = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) kind = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trim();
      }
      if (data && onEvent(kind, JSON.parse(data))) { controller.abort(); return; }
    }
  }
}

function showProgress(percent, text) {
  $('progress').value = percent;
  $('progress-label').textContent = `${percent} %`;
  $('stage').textContent = text;
}

async function generate() {
  say('');
  $('generate').disabled = true;
  $('player-section').hidden = true;
  showProgress(0, 'En attente…');
  try {
    const job = await api('/api/bulletins', {
      method: 'POST',
      body: { sources: [source()], voice: $('voice').value, loudness_preset: $('loudness').value, jingles: $('jingles').checked },
    });
    state.job = job;
    $('cancel').hidden = false;
    let outcome = null;
    await follow(job.events_url, (kind, data) => {
      if (kind === 'queued') showProgress(0, data.ahead ? `En file d'attente (${data.ahead} avant)` : 'En file d\'attente');
      else if (kind === 'started') showProgress(0, 'Chargement de la voix…');
      else if (kind === 'segment') showProgress(data.percent, `Segment ${data.done} sur ${data.total}`);
      else if (kind === 'mastering') showProgress(data.percent, 'Mixage et mastering…');
      else if (['done', 'failed', 'cancelled', 'interrupted'].includes(kind)) { outcome = { kind, data }; return true; }
      return false;
    });
    if (!outcome) throw new Error('le suivi de la fabrication s\'est interrompu');
    if (outcome.kind === 'done') {
      showProgress(100, 'Terminé.');
      await showPlayer(await api(`/api/bulletins/${job.id}`));
    } else {
      showProgress(0, outcome.kind === 'cancelled' ? 'Annulé.' : 'Échec.');
      if (outcome.data.error) say(outcome.data.error);
    }
  } catch (error) {
    say(error.message);
  } finally {
    $('generate').disabled = false;
    $('cancel').hidden = true;
  }
}

async function cancel() {
  if (state.job) await api(`/api/bulletins/${state.job.id}`, { method: 'DELETE' }).catch((error) => say(error.message));
}

// --- 4. listen, publish ------------------------------------------------------------------------

async function fileUrl(path) {
  if (!state.token) return path; // the player streams it with byte ranges
  const response = await fetch(path, { headers: headers() });
  return URL.createObjectURL(await response.blob());
}

async function showPlayer(job) {
  const player = $('player');
  player.replaceChildren();
  player.src = await fileUrl(job.files.audio);
  if (job.files.vtt) {
    const track = document.createElement('track');
    Object.assign(track, { kind: 'captions', srclang: 'fr', label: 'Transcription', default: true });
    track.src = await fileUrl(job.files.vtt);
    player.append(track);
    track.track.mode = 'hidden';
    track.addEventListener('cuechange', () => {
      const cue = track.track.activeCues && track.track.activeCues[0];
      $('caption').textContent = cue ? cue.text : '';
    });
  }
  const chapters = job.files.chapters ? (await api(job.files.chapters)).chapters : [];
  $('chapters').replaceChildren(...chapters.map((chapter) => {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.start = chapter.startTime;
    button.textContent = new Date(chapter.startTime * 1000).toISOString().slice(14, 19);
    button.addEventListener('click', () => { player.currentTime = chapter.startTime; player.focus(); });
    item.append(button, ' ', chapter.title);
    return item;
  }));
  const summary = job.summary || {};
  $('summary').textContent = `${summary.duration_s} s, ${summary.segments} segments, ${summary.loudness_lufs} LUFS, voix ${summary.voice}.`;
  $('published').textContent = '';
  $('feed-link').hidden = true;
  $('player-section').hidden = false;
}

async function publish() {
  say('');
  $('publish').disabled = true;
  try {
    const episode = await api(`/api/bulletins/${state.job.id}/publish`, { method: 'POST' });
    $('published').textContent = `Publié : « ${episode.title} » (${episode.status}), ${episode.audio_url}`;
    $('feed-link').hidden = false;
  } catch (error) {
    say(error.message);
  } finally {
    $('publish').disabled = false;
  }
}

// --- wiring ------------------------------------------------------------------------------------

$('prepare').addEventListener('click', prepare);
$('generate').addEventListener('click', generate);
$('cancel').addEventListener('click', cancel);
$('publish').addEventListener('click', publish);
$('lexicon-form').addEventListener('submit', saveEntry);
$('script').addEventListener('mouseup', proposeSelection);
$('script').addEventListener('keydown', (event) => {
  const mark = event.target.closest && event.target.closest('mark.rewrite');
  if (mark && (event.key === 'Enter' || event.key === ' ')) { event.preventDefault(); propose(mark.dataset.written); }
});
$('token-save').addEventListener('click', () => {
  state.token = $('token').value;
  sessionStorage.setItem('bulletin-token', state.token);
  $('auth').hidden = true;
  loadSettings().catch((error) => say(error.message));
});
loadSettings().catch((error) => say(error.message));
