/* The material page's study clock: while the page is visible it tells the server "still
 * here" every data-interval seconds (30 by default); the server alone decides how much time
 * that is worth (see trainingapp/training/courses/studytime.py). Hidden page: one last beat, then
 * nothing until it is visible again, when a new viewing starts (flagged "start", so the time
 * away is never paid). The last beat is flagged "leaving" so another material can count at
 * once; while another material is counting, the server answers counting: false and this
 * page says so. Every beat carries this page view's random id and its number (1, 2, ...):
 * the server ignores a beat that arrives after a later one of the same page (reason
 * "stale"), so a beat still on its way when the page is hidden cannot take the clock back
 * after the leaving beat; an answer older than one already shown is ignored here likewise.
 * No framework, no inline script.
 *
 * Data: #study data-heartbeat-url, data-interval, data-active, data-required, and the
 * strings in <script type="application/json" id="study-messages">. The page writes
 * data-beats (beats sent), data-answered (number of the newest beat answered) and
 * data-counting (that answer's verdict), which tests wait on.
 */
(function () {
  'use strict';

  var root = document.getElementById('study');
  var messagesNode = document.getElementById('study-messages');
  if (!root || !messagesNode) return;
  var M = JSON.parse(messagesNode.textContent);
  if (root.getAttribute('data-active') !== 'true') return;

  var url = root.getAttribute('data-heartbeat-url');
  var interval = Math.max(parseFloat(root.getAttribute('data-interval')) || 30, 0.2) * 1000;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute('content') : '';
  var bar = document.getElementById('material-progress');
  var text = document.getElementById('material-progress-text');
  var status = document.getElementById('study-status');
  var courseDone = document.getElementById('course-done');
  var timer = null;
  var stopped = false;
  var beats = 0;
  var answered = 0;
  var viewing = viewingId();

  function viewingId() {  // 128 random bits as hex; crypto.randomUUID needs HTTPS, this does not
    var words = new Uint32Array(4);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(words);
    } else {
      for (var i = 0; i < words.length; i += 1) words[i] = Math.floor(Math.random() * 4294967296);
    }
    return Array.prototype.map.call(words, function (word) {
      return ('0000000' + word.toString(16)).slice(-8);
    }).join('');
  }

  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, name) {
      return values[name] !== undefined ? values[name] : all;
    });
  }

  function clock(seconds) {  // m:ss
    var rest = seconds % 60;
    return Math.floor(seconds / 60) + ':' + (rest < 10 ? '0' : '') + rest;
  }

  function say(message) { if (status) status.textContent = message; }

  function show(body) {
    var required = body.required_seconds;
    if (bar) { bar.max = required; bar.value = Math.min(body.credited_seconds, required); }
    if (text) {
      text.textContent = body.completed ? M.completed
        : fmt(M.progress, {done: clock(Math.min(body.credited_seconds, required)), total: clock(required)});
    }
    if (body.course && body.course.completed && courseDone) {
      courseDone.textContent = fmt(M.course_completed, {credits: body.course.credits});
      courseDone.classList.remove('d-none');
    }
    if (body.completed) {
      say(M.completed_status);
      stop();
    }
  }

  function stop() {
    stopped = true;
    if (timer) { clearInterval(timer); timer = null; }
    root.setAttribute('data-active', 'false');
  }

  function beat(options) {
    if (stopped) return;
    options = options || {};
    beats += 1;
    var seq = beats;
    root.setAttribute('data-beats', String(seq));
    fetch(url, {
      method: 'POST', credentials: 'same-origin', keepalive: !!options.leaving,
      headers: {'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': token},
      body: JSON.stringify({start: !!options.start, leaving: !!options.leaving, viewing: viewing, seq: seq})
    }).then(function (response) {
      if (response.status === 401) { say(M.signed_out); stop(); return null; }
      if (response.status === 403 || response.status === 404) { stop(); return null; }
      if (!response.ok) throw new Error('HTTP ' + response.status);
      return response.json();
    }).then(function (body) {
      // A stale beat changed nothing, and an older answer would undo what a newer one showed.
      if (!body || body.reason === 'stale' || seq < answered) return;
      answered = seq;
      root.setAttribute('data-answered', String(seq));
      root.setAttribute('data-counting', String(body.counting !== false));
      // The server counts one material at a time: another tab or device is being counted.
      if (!stopped && !document.hidden) say(body.counting === false ? M.elsewhere : M.counting);
      show(body);
    }).catch(function () {
      if (!stopped) say(M.retrying);
    });
  }

  function resume() {
    if (stopped || timer) return;
    say(M.counting);
    beat({start: true});
    timer = setInterval(beat, interval);
  }

  function pause() {
    if (!timer) return;
    clearInterval(timer);
    timer = null;
    beat({leaving: true});  // pays the time up to now; the next viewing starts afresh
    if (!stopped) say(M.paused);
  }

  document.addEventListener('visibilitychange', function () {
    if (document.hidden) pause(); else resume();
  });
  window.addEventListener('pagehide', pause);
  window.addEventListener('pageshow', function (event) { if (event.persisted && !document.hidden) resume(); });

  if (document.hidden) say(M.paused); else resume();
}());
