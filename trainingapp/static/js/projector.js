/* The check-in screen on the projector: keeps the code and the count current by itself and lets
 * people pause that (WCAG 2.2.1: a page that updates itself can be paused).
 *
 * The server says in <main data-refresh> how many seconds to wait (a few, so the count follows
 * check-ins, and just past the next change of the code); the page is fetched again and only its
 * #projector-live part swapped in, so the focus stays where it is and nothing flashes. Between
 * fetches the "next change in N s" counts down each second; the server alone decides the code.
 * Without script, a <noscript> refresh reloads the page.
 */
(function () {
  'use strict';

  var main = document.getElementById('main');
  var toggle = document.getElementById('refresh-toggle');
  var status = document.getElementById('refresh-status');
  if (!main || !toggle || !status || !window.fetch || !window.DOMParser) return;
  var RETRY_SECONDS = 10;  // the network or the server was unreachable: try again soon
  var timer = null, paused = false, busy = false;

  // The countdown to the next code, ticking between fetches (display only).
  setInterval(function () {
    var seconds = document.getElementById('code-seconds');
    if (!seconds || paused) return;
    var left = Math.max(0, parseInt(seconds.textContent, 10) - 1);
    seconds.textContent = String(left);
    if (left === 0 && !busy) update();
  }, 1000);

  function interval(node) {
    var seconds = parseInt(node.getAttribute('data-refresh'), 10);
    return seconds > 0 ? seconds : 0;
  }

  function show() {
    var active = interval(main) > 0;  // none once check-in has closed
    toggle.hidden = status.hidden = !active;
    toggle.textContent = toggle.getAttribute(paused ? 'data-resume' : 'data-pause');
    status.textContent = status.getAttribute(paused ? 'data-paused' : 'data-running');
    status.classList.toggle('is-paused', paused);
  }

  function schedule(seconds) {
    clearTimeout(timer);
    timer = null;
    if (!paused && seconds > 0) timer = setTimeout(update, seconds * 1000);
  }

  function update() {
    clearTimeout(timer);
    timer = null;
    if (paused || busy) return;
    busy = true;
    fetch(location.href, {credentials: 'same-origin', cache: 'no-store', headers: {'Accept': 'text/html'}})
      .then(function (response) {
        // Signed out, or the session is gone: a real reload lets the server's page say so.
        if (!response.ok || response.redirected) { location.reload(); return null; }
        return response.text();
      })
      .then(function (html) {
        busy = false;
        if (html === null) return;
        var fresh = new DOMParser().parseFromString(html, 'text/html');
        var live = fresh.getElementById('projector-live'), next = fresh.getElementById('main');
        if (!live || !next) { location.reload(); return; }
        document.getElementById('projector-live').replaceWith(document.adoptNode(live));
        main.setAttribute('data-refresh', next.getAttribute('data-refresh') || '');
        show();
        schedule(interval(main));
      }, function () {
        busy = false;
        schedule(RETRY_SECONDS);
      });
  }

  toggle.addEventListener('click', function () {
    paused = !paused;
    show();
    if (paused) schedule(0);
    else update();  // resuming brings the screen up to date at once
  });

  show();
  schedule(interval(main));
})();
