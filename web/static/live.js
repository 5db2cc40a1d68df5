/*
 * faas-benchmarker web UI: live updates without reloading.
 *
 * On the "now" page (an element with data-events), listen to the server-sent events of the run-change
 * feed and swap in the fragment each "runs" event carries. On a run page, update the status badge
 * (data-live-run-status) from the same events. Everywhere, keep the running times of active runs
 * (data-started-at without data-ended-at) ticking once a second. The stream is closed while the tab
 * is hidden (so a forgotten tab does not keep a deployed database awake) and opened again when it
 * is shown. No framework and nothing fetched from elsewhere: plain DOM, same origin.
 */
(() => {
  'use strict';

  function formatElapsed(ms) {
    if (ms < 60000) return `${(ms / 1000).toFixed(1)}s`;
    const seconds = Math.round(ms / 1000);
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    const mm = String(m).padStart(2, '0');
    const ss = String(s).padStart(2, '0');
    return h ? `${h}h ${mm}m ${ss}s` : `${m}m ${ss}s`;
  }

  function tickElapsed() {
    const now = Date.now();
    for (const element of document.querySelectorAll('.elapsed[data-started-at]:not([data-ended-at])')) {
      const started = Date.parse(element.getAttribute('data-started-at'));
      if (!Number.isNaN(started)) element.textContent = formatElapsed(Math.max(0, now - started));
    }
  }

  function setState(state, text) {
    const element = document.getElementById('live-state');
    if (!element) return;
    element.setAttribute('data-state', state);
    element.textContent = text;
  }

  function statusBadge(status) {
    const badge = document.createElement('span');
    badge.className = `status status-${status}`;
    badge.textContent = status;
    return badge;
  }

  function applyRuns(event) {
    const container = document.getElementById('live-runs');
    if (container) {
      container.innerHTML = event.html;
      container.setAttribute('data-version', String(event.version));
    }
    for (const holder of document.querySelectorAll('[data-live-run-status]')) {
      const run = event.runs.find((candidate) => candidate.id === holder.getAttribute('data-live-run-status'));
      if (run && holder.textContent !== run.status) {
        holder.replaceChildren(statusBadge(run.status));
        const note = document.getElementById('live-run-note');
        if (note) note.hidden = false;
      }
    }
    tickElapsed();
  }

  let source = null;

  function open() {
    if (source || document.visibilityState === 'hidden') return;
    source = new EventSource('/api/events');
    source.addEventListener('open', () => setState('live', 'live: updates as runs change'));
    source.addEventListener('runs', (message) => {
      try {
        applyRuns(JSON.parse(message.data));
      } catch (error) {
        console.error('fb ui: bad event', error);
      }
    });
    source.addEventListener('problem', (message) => setState('problem', message.data));
    source.addEventListener('error', () => {
      if (source && source.readyState === EventSource.CLOSED) {
        source = null;
        setState('closed', 'disconnected: reload the page to see new changes');
      } else {
        setState('reconnecting', 'reconnecting…');
      }
    });
  }

  function close() {
    if (source) source.close();
    source = null;
    setState('paused', 'paused while the tab is hidden');
  }

  const wantsEvents = document.querySelector('[data-events]') || document.querySelector('[data-live-run-status]');
  if (wantsEvents) {
    document.addEventListener('visibilitychange', () => (document.visibilityState === 'hidden' ? close() : open()));
    open();
  }
  setInterval(tickElapsed, 1000);
})();
