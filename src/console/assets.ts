import { PAGE_CSS } from '../util/page-style.js';

/**
 * The console's only script and stylesheet, served from the console itself (its CSP allows nothing
 * else). The script is progressive: every page works without it; with it, the scan progress page
 * follows the scan instead of reloading.
 */
export const CONSOLE_JS = `'use strict';
(function () {
  function follow(box) {
    var stateEl = document.getElementById('scan-state');
    var percentEl = document.getElementById('scan-percent');
    var bar = document.querySelector('progress');
    function poll() {
      fetch(box.dataset.statusUrl, { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error('HTTP ' + r.status)); })
        .then(function (s) {
          stateEl.textContent = s.state;
          percentEl.textContent = String(s.percent);
          if (bar) bar.value = s.percent;
          if (s.finished) { window.location.assign(box.dataset.doneUrl); return; }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    poll();
  }
  document.addEventListener('DOMContentLoaded', function () {
    var box = document.getElementById('scan-progress');
    if (box) follow(box);
  });
})();
`;

export const CONSOLE_CSS = PAGE_CSS;
