/**
 * The people-pathing console: a single-page app served by `npm start` under /console/ (doc/console.md).
 * Views: sign-in, jobs (list and start), and one job (watch, person details, lines and zones, counts, export).
 * It talks only to its own server (cli/local/console/handler.ts) and loads nothing from elsewhere.
 */
import { ApiError, call, setConnectionEvents, setCsrf } from './api.js';
import { signIn } from './signin.js';
import type { SessionInfo } from './signin.js';
import { clear, clock, dateTime, duration, h } from './dom.js';
import { Tracks } from './tracks.js';
import type { PersonDetectionJson } from './tracks.js';
import { attachOverlay } from './overlay.js';
import type { OverlayHandle } from './overlay.js';
import { ZoneEditor } from './editor.js';
import type { EditableZones } from './editor.js';
import { AnalysisView } from './analysis.js';

interface JobSummary {
  JobId: string;
  JobStatus: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
  StatusMessage?: string;
  Video: { S3Object?: { Bucket?: string; Name?: string } };
  JobTag?: string;
  CreatedAt: number;
  CompletedAt?: number;
  DurationMillis?: number;
  Persons?: number;
  JobProgress?: { Percent?: number; FramesDone?: number; Frames?: number; SegmentsDone?: number; Segments?: number; EtaSeconds?: number };
}

interface JobDetail {
  JobId: string;
  JobStatus: JobSummary['JobStatus'];
  StatusMessage?: string;
  VideoMetadata?: { FrameWidth?: number; FrameHeight?: number; DurationMillis?: number; FrameRate?: number };
  Video: JobSummary['Video'];
  JobTag?: string;
  Persons: PersonDetectionJson[];
  JobProgress?: JobSummary['JobProgress'];
}

const main = document.getElementById('main')!;
const who = document.getElementById('who')!;
const connection = document.getElementById('connection')!;
let session: SessionInfo | undefined;
/** What the current view stops when it is left (timers, overlays). */
let leaving: (() => void)[] = [];

setConnectionEvents({
  onConnection: (message) => {
    connection.textContent = message ?? '';
  },
  onSignedOut: () => {
    if (session) {
      session = undefined;
      showSignIn('Your session ended (it expired, or its key was revoked). Sign in again.');
    }
  },
});

function leave(): void {
  for (const f of leaving) f();
  leaving = [];
}

/** Replaces the page's content (what the previous view started was stopped by leave(), in route or sign-in). */
function setView(title: string, ...children: (Node | string)[]): void {
  clear(main);
  document.title = `${title} · people-pathing console`;
  main.append(...children);
}

function videoName(v: JobSummary['Video']): string {
  return `${v.S3Object?.Bucket ?? '?'}/${v.S3Object?.Name ?? '?'}`;
}

/** `job … IN_PROGRESS 42.0%  segments 1/3  frames 900/2535  ETA 0:35`, as `people-pathing get --wait` prints it. */
export function progressText(p: JobSummary['JobProgress']): string {
  const parts: string[] = [];
  if (p?.Percent !== undefined) parts.push(`${p.Percent.toFixed(1)}%`);
  if (p?.Segments !== undefined) parts.push(`segments ${p.SegmentsDone ?? 0}/${p.Segments}`);
  if (p?.Frames !== undefined) parts.push(`frames ${p.FramesDone ?? 0}/${p.Frames}`);
  if (p?.EtaSeconds !== undefined) parts.push(`ETA ${clock(p.EtaSeconds * 1000).replace(/\.\d$/, '')}`);
  return parts.join(' · ') || 'starting…';
}

// ---------------------------------------------------------------------------------------------------- sign-in

function showSignIn(message?: string): void {
  leave();
  who.replaceChildren();
  const error = h('p', { className: 'error', role: 'alert', id: 'signin-error' }, message ?? '');
  const keyId = h('input', { id: 'key-id', name: 'key-id', autocomplete: 'username', required: true, spellcheck: 'false' });
  const secret = h('input', { id: 'key-secret', name: 'key-secret', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', className: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { className: 'card signin', 'aria-labelledby': 'signin-title' },
    h('h2', { id: 'signin-title' }, 'Sign in'),
    h('p', { className: 'muted' }, 'Use an access key issued by this server: the one `npm start` printed on its first start, or one from `people-pathing keys create`. The secret stays in this page; it signs one request.'),
    h('div', { className: 'field' }, h('label', { for: 'key-id' }, 'Access key ID'), keyId),
    h('div', { className: 'field' }, h('label', { for: 'key-secret' }, 'Secret access key'), secret),
    submit,
    error,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    signIn(keyId.value, secret.value)
      .then((s) => {
        session = s;
        setCsrf(s.Csrf);
        secret.value = '';
        signedIn();
      })
      .catch((err: Error) => {
        error.textContent = err.message;
        submit.disabled = false;
        secret.focus();
      });
  });
  setView('Sign in', form);
  keyId.focus();
}

function signedIn(): void {
  who.replaceChildren(
    h('span', {}, `Account ${session!.Account}`),
    h('a', { href: '#/jobs', className: 'button', style: 'color:#fff;background:transparent;border-color:#8aa' }, 'Jobs'),
    h(
      'button',
      {
        type: 'button',
        onclick: () => {
          void call('/console/api/session', { method: 'DELETE' }).finally(() => {
            session = undefined;
            location.hash = '';
            showSignIn();
          });
        },
      },
      'Sign out',
    ),
  );
  route();
}

// ---------------------------------------------------------------------------------------------------- jobs

function jobsView(): void {
  const status = h('p', { role: 'status', 'aria-live': 'polite', id: 'start-status' });
  const videoSelect = h('select', { id: 'video-pick' }, h('option', { value: '' }, 'Loading videos…'));
  const tag = h('input', { id: 'job-tag', maxlength: 256, pattern: '[a-zA-Z0-9_.\\-:]+', placeholder: 'optional' });
  const start = h('button', { type: 'submit', className: 'primary' }, 'Start job');
  const file = h('input', { type: 'file', id: 'video-file', accept: 'video/*,.avi,.mkv,.mov,.mp4,.webm', className: 'visually-hidden' });
  const drop = h(
    'div',
    { className: 'drop', id: 'drop' },
    'Drop a video file here, or ',
    h('label', { for: 'video-file', className: 'button', style: 'display:inline-block;font-weight:400' }, 'choose a file…'),
    file,
    h('div', { className: 'hint' }, 'It is copied into the local bucket console-uploads and started, with the API’s size limit and errors.'),
  );
  const startForm = h(
    'form',
    { className: 'card', 'aria-labelledby': 'start-title' },
    h('h2', { id: 'start-title' }, 'Start a job'),
    h('div', { className: 'row' },
      h('div', { className: 'field' }, h('label', { for: 'video-pick' }, 'Video from a local bucket'), videoSelect),
      h('div', { className: 'field' }, h('label', { for: 'job-tag' }, 'JobTag'), tag),
      h('div', { className: 'field' }, start),
    ),
    drop,
    status,
  );
  const tbody = h('tbody', {}, h('tr', {}, h('td', { colspan: 8, className: 'muted' }, 'Loading jobs…')));
  const table = h(
    'table',
    { id: 'jobs' },
    h('caption', { className: 'visually-hidden' }, 'Jobs of this account, newest first'),
    h('thead', {}, h('tr', {}, ...['Status', 'Video', 'JobTag', 'Started', 'Ended', 'Duration', 'Persons', ''].map((t, i) => h('th', { scope: 'col', className: i === 5 || i === 6 ? 'num' : '' }, t)))),
    tbody,
  );
  const listCard = h('section', { className: 'card', 'aria-labelledby': 'jobs-title' }, h('h2', { id: 'jobs-title' }, 'Jobs'), table);
  setView('Jobs', startForm, listCard);

  void call<{ Videos: { Bucket: string; Name: string; Size: number }[] }>('/console/api/videos').then(({ Videos }) => {
    videoSelect.replaceChildren(
      ...(Videos.length ? [] : [h('option', { value: '' }, 'No videos in the buckets folder')]),
      ...Videos.map((v) => h('option', { value: JSON.stringify([v.Bucket, v.Name]) }, `${v.Bucket}/${v.Name} (${(v.Size / 1e6).toFixed(1)} MB)`)),
    );
  });

  const started = (r: { JobId?: string }) => {
    status.className = 'ok';
    status.textContent = `Job ${r.JobId} started.`;
    void refresh();
  };
  const failed = (e: Error) => {
    status.className = 'error';
    status.textContent = e.message;
  };
  startForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!videoSelect.value) return failed(new Error('Pick a video first.'));
    if (tag.value && !tag.checkValidity()) return failed(new Error('A JobTag has letters, digits and _ . - : only, at most 256.'));
    const [Bucket, Name] = JSON.parse(videoSelect.value) as [string, string];
    status.className = '';
    status.textContent = 'Starting…';
    call<{ JobId: string }>('/console/api/jobs', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Bucket, Name, ...(tag.value ? { JobTag: tag.value } : {}) }) })
      .then(started, failed);
  });
  const upload = (f: File) => {
    status.className = '';
    status.textContent = `Copying ${f.name} (${(f.size / 1e6).toFixed(1)} MB) into the bucket…`;
    const q = new URLSearchParams({ name: f.name, ...(tag.value ? { tag: tag.value } : {}) });
    call<{ JobId: string }>(`/console/api/upload?${q}`, { method: 'PUT', body: f, headers: { 'Content-Type': 'application/octet-stream' } }).then(started, failed);
  };
  file.addEventListener('change', () => file.files?.[0] && upload(file.files[0]));
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) upload(f);
  });

  let timer: ReturnType<typeof setTimeout> | undefined;
  let alive = true;
  leaving.push(() => {
    alive = false;
    clearTimeout(timer);
  });
  const refresh = async () => {
    clearTimeout(timer);
    let jobs: JobSummary[] = [];
    try {
      jobs = (await call<{ Jobs: JobSummary[] }>('/console/api/jobs')).Jobs;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return;
    }
    if (!alive) return;
    tbody.replaceChildren(
      ...(jobs.length ? [] : [h('tr', {}, h('td', { colspan: 8, className: 'muted' }, 'No jobs yet: start one above.'))]),
      ...jobs.map((j) =>
        h('tr', { 'data-job': j.JobId },
          h('td', {},
            h('span', { className: `status ${j.JobStatus}` }, j.JobStatus),
            j.JobStatus === 'IN_PROGRESS'
              ? h('div', {}, h('progress', { max: 100, value: j.JobProgress?.Percent ?? 0, 'aria-label': `Progress of job on ${videoName(j.Video)}` }), ' ', h('span', { className: 'progress-text' }, progressText(j.JobProgress)))
              : null,
            j.StatusMessage ? h('div', { className: 'error status-message' }, j.StatusMessage) : null,
          ),
          h('td', {}, videoName(j.Video)),
          h('td', {}, j.JobTag ?? ''),
          h('td', {}, dateTime(j.CreatedAt)),
          h('td', {}, dateTime(j.CompletedAt)),
          h('td', { className: 'num' }, duration(j.DurationMillis)),
          h('td', { className: 'num' }, j.Persons ?? '—'),
          h('td', {}, j.JobStatus === 'SUCCEEDED' ? h('a', { href: `#/jobs/${j.JobId}`, className: 'button', 'aria-label': `Open job on ${videoName(j.Video)} started ${dateTime(j.CreatedAt)}` }, 'Open') : ''),
        ),
      ),
    );
    timer = setTimeout(() => void refresh(), jobs.some((j) => j.JobStatus === 'IN_PROGRESS') ? 1000 : 10000);
  };
  void refresh();
}

// ---------------------------------------------------------------------------------------------------- one job

async function jobView(jobId: string): Promise<void> {
  setView('Job', h('p', { className: 'muted', role: 'status' }, 'Loading the job’s results…'));
  let job: JobDetail;
  try {
    job = await call<JobDetail>(`/console/api/jobs/${encodeURIComponent(jobId)}`);
  } catch (e) {
    setView('Job', h('p', { className: 'error', role: 'alert' }, (e as Error).message), h('a', { href: '#/jobs' }, 'Back to the jobs'));
    return;
  }
  if (job.JobStatus !== 'SUCCEEDED') {
    setView('Job', h('h2', {}, videoName(job.Video)), h('p', { className: `status ${job.JobStatus}` }, job.JobStatus), job.StatusMessage ? h('p', { className: 'error' }, job.StatusMessage) : '', h('a', { href: '#/jobs' }, 'Back to the jobs'));
    return;
  }
  const W = job.VideoMetadata?.FrameWidth ?? 1280;
  const H = job.VideoMetadata?.FrameHeight ?? 720;
  const tracks = new Tracks(job.Persons);
  const base = `/console/api/jobs/${encodeURIComponent(jobId)}`;

  // Watch: the video, the overlay canvas over it, our own controls under it (the canvas takes the clicks).
  const video = h('video', { src: `${base}/video`, preload: 'auto', muted: true, playsinline: true, id: 'video', 'aria-label': `Video ${videoName(job.Video)}` });
  video.muted = true;
  const overlay = h('canvas', { className: 'overlay', id: 'overlay', width: W, height: H, role: 'img', 'aria-label': 'Tracked persons over the video; click a person for details' });
  const stage = h('div', { className: 'stage', style: `aspect-ratio: ${W} / ${H}` }, video, overlay);
  const play = h('button', { type: 'button', id: 'play', className: 'primary' }, 'Play');
  const seek = h('input', { type: 'range', id: 'seek', min: 0, max: job.VideoMetadata?.DurationMillis ?? 0, step: 1, value: 0, 'aria-label': 'Position in the video', style: 'flex:1' });
  const time = h('span', { id: 'time', 'aria-live': 'off', style: 'font-variant-numeric:tabular-nums' }, '0:00.0');
  const controls = h('div', { className: 'row', style: 'align-items:center;margin-top:8px' }, play, seek, time);
  play.addEventListener('click', () => (video.paused ? void video.play() : video.pause()));
  video.addEventListener('play', () => (play.textContent = 'Pause'));
  video.addEventListener('pause', () => (play.textContent = 'Play'));
  video.addEventListener('timeupdate', () => {
    seek.value = String(Math.round(video.currentTime * 1000));
    time.textContent = clock(video.currentTime * 1000);
  });
  seek.addEventListener('input', () => {
    video.currentTime = Number(seek.value) / 1000;
    time.textContent = clock(Number(seek.value));
  });
  const videoError = h('p', { className: 'error', role: 'alert' });
  video.addEventListener('error', () => (videoError.textContent = 'The video could not be loaded. Is it still in its bucket?'));
  const handle: OverlayHandle = attachOverlay(video, overlay, tracks);
  leaving.push(() => handle.stop());

  // Person details: by clicking the overlay, or from the list (keyboard).
  const personPick = h('select', { id: 'person-pick' }, h('option', { value: '' }, 'Choose a person…'), ...tracks.tracks.map((t) => h('option', { value: t.index }, `Person ${t.index}`)));
  const personInfo = h('div', { className: 'person', id: 'person-info', 'aria-live': 'polite' }, h('p', { className: 'muted' }, 'Click a person on the video, or choose one.'));
  // The zone file of this video (saved by "Save zone file", and before each CSV export).
  let shapes: EditableZones = { lines: [], zones: [] };
  const saveShapes = () => call<{ Path: string }>(`${base}/zones`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(shapes) });
  const analysis = new AnalysisView(job, tracks, base, saveShapes);
  const showPerson = (index: number | undefined) => {
    handle.setSelected(index);
    personPick.value = index === undefined ? '' : String(index);
    const tr = index === undefined ? undefined : tracks.byIndex(index);
    if (!tr) {
      personInfo.replaceChildren(h('p', { className: 'muted' }, 'No person there at this moment.'));
      return;
    }
    const zoneTimes = analysis.timeInZones(tr.index);
    personInfo.replaceChildren(
      h('h3', {}, `Person ${tr.index}`),
      h('dl', {},
        h('dt', {}, 'First seen'), h('dd', {}, clock(tr.first)),
        h('dt', {}, 'Last seen'), h('dd', {}, clock(tr.last)),
        h('dt', {}, 'Time in each zone'),
        h('dd', {}, zoneTimes.length ? h('ul', {}, ...zoneTimes.map(([z, ms]) => h('li', {}, `${z}: ${duration(ms)}`))) : 'No zones drawn yet, or in none of them.'),
      ),
    );
  };
  overlay.addEventListener('click', (e) => {
    const r = overlay.getBoundingClientRect();
    const x = (e.clientX - r.left) / r.width;
    const y = (e.clientY - r.top) / r.height;
    const hit = tracks
      .at(video.currentTime * 1000)
      .filter((b) => x >= b.left && x <= b.left + b.width && y >= b.top && y <= b.top + b.height)
      .sort((a, b) => a.width * a.height - b.width * b.height)[0];
    showPerson(hit?.index);
  });
  personPick.addEventListener('change', () => showPerson(personPick.value === '' ? undefined : Number(personPick.value)));

  const paths = h('img', { id: 'paths', alt: `Paths of all ${tracks.tracks.length} persons over a frame of the video, with a legend of Index and first and last seen`, src: `${base}/paths.png` });
  const pathsNote = h('p', { className: 'muted', role: 'status' }, 'Drawing the paths picture…');
  paths.addEventListener('load', () => pathsNote.remove());
  paths.addEventListener('error', () => (pathsNote.textContent = 'The paths picture could not be drawn.'));

  const watch = h(
    'section',
    { className: 'card', 'aria-labelledby': 'watch-title' },
    h('h2', { id: 'watch-title' }, `Watch: ${videoName(job.Video)}`),
    h('p', { className: 'muted' }, `${tracks.tracks.length} persons · ${duration(job.VideoMetadata?.DurationMillis)} · ${W}×${H}${job.JobTag ? ` · JobTag ${job.JobTag}` : ''}`),
    h('div', { className: 'watch' },
      h('div', {}, stage, controls, videoError),
      h('div', {},
        h('div', { className: 'field' }, h('label', { for: 'person-pick' }, 'Person'), personPick),
        personInfo,
        h('div', { className: 'paths' }, h('h3', {}, 'Paths'), pathsNote, paths),
      ),
    ),
  );

  // Lines and zones, over a frame of the video (the middle one: people have usually come in by then).
  const saved = await call<{ Zones: EditableZones; Saved: boolean; Path: string }>(`${base}/zones`).catch(() => ({ Zones: { lines: [], zones: [] }, Saved: false, Path: '' }));
  const frameAt = Math.round((job.VideoMetadata?.DurationMillis ?? 0) / 2);
  const frame = h('img', { className: 'frame', src: `${base}/frame.png?t=${frameAt}`, alt: '' });
  const editCanvas = h('canvas', { id: 'editor', width: W, height: H, tabindex: 0, role: 'application', 'aria-label': 'Line and zone editor: click, or move with the arrow keys and press Enter, to place points', 'aria-describedby': 'editor-help' });
  const editStage = h('div', { className: 'stage', style: `aspect-ratio: ${W} / ${H}` }, frame, editCanvas);
  const announce = h('p', { className: 'visually-hidden', role: 'status', 'aria-live': 'polite', id: 'editor-announce' });
  const shapesList = h('ul', { className: 'shapes', id: 'shapes', style: 'list-style:none;padding:0' });
  const saveState = h('p', { role: 'status', id: 'save-state', className: 'hint' }, saved.Saved ? `Saved: ${saved.Path}` : 'Not saved yet.');
  shapes = saved.Zones;
  const editor = new ZoneEditor(editCanvas, shapes, (message) => {
    announce.textContent = message;
    changed();
  });
  const modeButtons = {
    line: h('button', { type: 'button', id: 'draw-line', 'aria-pressed': 'false' }, 'Draw line'),
    zone: h('button', { type: 'button', id: 'draw-zone', 'aria-pressed': 'false' }, 'Draw zone'),
  };
  const finish = h('button', { type: 'button', id: 'finish-zone' }, 'Finish zone');
  const save = h('button', { type: 'button', id: 'save-zones', className: 'primary' }, 'Save zone file');
  for (const mode of ['line', 'zone'] as const) {
    modeButtons[mode].addEventListener('click', () => {
      const on = editor.mode !== mode;
      editor.setMode(on ? mode : 'idle');
      for (const m of ['line', 'zone'] as const) modeButtons[m].setAttribute('aria-pressed', String(editor.mode === m));
      announce.textContent = on ? `Drawing a ${mode}: ${mode === 'line' ? 'place its two ends' : 'place its corners, then Finish zone'}.` : 'Drawing off.';
      editCanvas.focus();
    });
  }
  finish.addEventListener('click', () => editor.finishZone());
  save.addEventListener('click', () => {
    saveState.textContent = 'Saving…';
    saveShapes()
      .then((r) => (saveState.textContent = `Saved: ${r.Path} (use it with people-pathing analyse --zones)`))
      .catch((e: Error) => (saveState.textContent = `Not saved: ${e.message}`));
  });
  const renderShapes = () => {
    shapesList.replaceChildren(
      ...editor.shapes.lines.map((l, i) => {
        const name = h('input', { value: l.name, 'aria-label': `Name of line ${i + 1}`, 'data-line': i });
        name.addEventListener('change', () => {
          l.name = name.value.trim() || l.name;
          changed();
        });
        return h('li', {}, h('span', { className: 'legend', style: 'background:#ffd400' }), name,
          h('button', { type: 'button', 'aria-label': `Flip IN direction of ${l.name}`, onclick: () => { l.points = [l.points[1], l.points[0]]; announce.textContent = `IN direction of ${l.name} flipped.`; changed(); } }, 'Flip IN'),
          h('button', { type: 'button', 'aria-label': `Delete ${l.name}`, onclick: () => { editor.shapes.lines.splice(i, 1); changed(); } }, 'Delete'));
      }),
      ...editor.shapes.zones.map((z, i) => {
        const name = h('input', { value: z.name, 'aria-label': `Name of zone ${i + 1}`, 'data-zone': i });
        name.addEventListener('change', () => {
          z.name = name.value.trim() || z.name;
          changed();
        });
        return h('li', {}, h('span', { className: 'legend', style: 'background:#00d0ff' }), name,
          h('button', { type: 'button', 'aria-label': `Delete ${z.name}`, onclick: () => { editor.shapes.zones.splice(i, 1); changed(); } }, 'Delete'));
      }),
    );
    if (!editor.shapes.lines.length && !editor.shapes.zones.length) shapesList.append(h('li', { className: 'muted' }, 'No lines or zones yet.'));
  };
  let pending: ReturnType<typeof setTimeout> | undefined;
  function changed(): void {
    editor.draw();
    renderShapes();
    clearTimeout(pending);
    pending = setTimeout(() => analysis.update(editor.shapes), 50);
  }
  leaving.push(() => clearTimeout(pending));
  const zonesCard = h(
    'section',
    { className: 'card', 'aria-labelledby': 'zones-title' },
    h('h2', { id: 'zones-title' }, 'Lines and zones'),
    h('div', { className: 'watch' },
      h('div', {},
        h('div', { className: 'tools' }, modeButtons.line, modeButtons.zone, finish),
        editStage,
        h('p', { className: 'hint', id: 'editor-help' }, 'Lines: two clicks. Zones: a click per corner, then Finish zone (or Enter). Keyboard: focus the picture, arrow keys move the cross (Shift: faster), Enter or Space places a point, Escape drops it. A person going the arrow’s way counts IN.'),
        announce,
      ),
      h('div', {}, h('h3', {}, 'Shapes'), shapesList, h('div', { className: 'tools' }, save), saveState),
    ),
  );
  setView(`Job ${videoName(job.Video)}`, h('p', {}, h('a', { href: '#/jobs' }, '← Jobs')), videoError, watch, zonesCard, analysis.element);
  frame.addEventListener('load', () => editor.draw());
  changed();
}

// ---------------------------------------------------------------------------------------------------- routing

function route(): void {
  if (!session) return;
  leave();
  const m = /^#\/jobs\/([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (m) void jobView(m[1]);
  else jobsView();
  main.focus();
}

window.addEventListener('hashchange', route);
call<SessionInfo>('/console/api/session')
  .then((s) => {
    session = s;
    setCsrf(s.Csrf);
    signedIn();
  })
  .catch(() => showSignIn());
