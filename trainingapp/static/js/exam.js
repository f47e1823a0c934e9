/* The exam page: renders the paper from the embedded attempt JSON, saves every answer as it
 * is given (retrying from localStorage when the network fails), runs the countdown against
 * the server's clock, records tab switches and submits. No framework, no build step.
 *
 * Data: <script type="application/json" id="attempt-data"> (docs/api.md, a running attempt)
 * and id="exam-messages" (every visible string, translated on the server).
 */
(function () {
  'use strict';

  var dataNode = document.getElementById('attempt-data');
  var root = document.getElementById('exam');
  if (!dataNode || !root) return;
  var P = JSON.parse(dataNode.textContent);
  var M = JSON.parse(document.getElementById('exam-messages').textContent);
  var ID = P.attempt_id;
  var API = root.getAttribute('data-api');
  var RESULT_URL = root.getAttribute('data-result-url');
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute('content') : '';
  var questions = P.questions || [];
  var byId = {};
  questions.forEach(function (q) { byId[q.id] = q; });

  // --- time: the server's clock alone decides --------------------------------------------
  var clientAtRender = Date.now();
  var nav = null;
  try { nav = performance.getEntriesByType('navigation')[0]; } catch (e) { /* older browsers */ }
  // When the response arrived, if the browser knows: closer to the moment server_now was taken.
  if (nav && nav.responseStart > 0 && performance.timeOrigin) {
    clientAtRender = Math.round(performance.timeOrigin + nav.responseStart);
  }
  var offset = Date.parse(P.server_now) - clientAtRender;
  var deadline = Date.parse(P.deadline);
  var graceMs = (P.grace_seconds || 0) * 1000;
  function serverNow() { return Date.now() + offset; }

  // --- small helpers ---------------------------------------------------------------------
  function say(key, n, values) {  // a message with a count: its "_1" form for one, where there is one
    values = values || {};
    values.n = n;
    return fmt(n === 1 && M[key + '_1'] ? M[key + '_1'] : M[key], values);
  }
  function fmt(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (all, name) {
      return values && values[name] !== undefined ? values[name] : all;
    });
  }
  function $(selector, scope) { return (scope || document).querySelector(selector); }
  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : value);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }
  var store = {
    get: function (key, fallback) {
      try { var raw = localStorage.getItem(key); return raw === null ? fallback : JSON.parse(raw); }
      catch (e) { return fallback; }
    },
    set: function (key, value) { try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* full or off */ } },
    del: function (key) { try { localStorage.removeItem(key); } catch (e) { /* off */ } }
  };
  var KEY = 'exam.' + ID + '.';

  // --- state -------------------------------------------------------------------------------
  var values = {};      // qid -> current answer as the page shows it
  var pending = store.get(KEY + 'pending', {}) || {};  // qid -> {answer, seq}: not yet acknowledged
  var inflight = {};    // qid -> seq of the request on its way
  var failed = {};      // qid -> true once a save of the current value failed
  var refused = {};     // qid -> message of a 422
  var acked = {};       // qid -> the server holds the current value
  var typing = {};      // qid -> debounce timer of a text input
  var typingSince = {}; // qid -> when the current burst of typing began (long texts save while typed)
  var flags = store.get(KEY + 'flags', []) || [];
  var stopped = false, leaving = false, problem = null;
  var retryTimer = null, backoff = 1000;

  var lastSeq = store.get(KEY + 'seq', 0) || 0;
  Object.keys(P.answers || {}).forEach(function (qid) { lastSeq = Math.max(lastSeq, P.answers[qid].seq || 0); });
  Object.keys(pending).forEach(function (qid) { lastSeq = Math.max(lastSeq, pending[qid].seq || 0); });
  function nextSeq() {
    lastSeq = Math.max(Date.now(), lastSeq + 1);
    store.set(KEY + 'seq', lastSeq);
    return lastSeq;
  }

  // --- building the paper --------------------------------------------------------------------
  var LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  var TEXT_TYPES = {fill: true, short: true, 'case': true};  // answered by typing: debounced saves
  function isWritten(q) { return q.type === 'short' || q.type === 'case'; }  // 简答, 案例分析: textareas

  // The length as the server counts it: characters (code points) after trimming.
  function charCount(text) { return Array.from(String(text || '').trim()).length; }
  function maxChars(q) { return q.max_chars || 5000; }

  // A short answer's one textarea, or a case's sub-questions each with its own.
  function essays(q) {
    var body = [], count = Math.max(q.blanks, 1);
    for (var p = 0; p < count; p++) {
      var id = 'q' + q.id + '-p' + p;
      var label = q.type === 'case'
        ? h('label', {'class': 'form-label exam-part', 'for': id}, [
          h('span', {'class': 'exam-part-no', text: fmt(M.sub_question, {n: p + 1})}), ' ',
          h('span', {'class': 'question-text', text: (q.parts || [])[p] || ''})])
        : h('label', {'class': 'form-label exam-part', 'for': id, text: M.your_answer});
      body.push(h('div', {'class': 'exam-essay'}, [
        label,
        h('textarea', {'class': 'form-control exam-textarea', id: id, name: 'q' + q.id, rows: '5',
                       'data-part': String(p), 'aria-describedby': id + '-count', autocomplete: 'off'}),
        h('div', {'class': 'exam-count small', id: id + '-count', 'data-state': ''})]));
    }
    return body;
  }
  var form = $('#exam-form');
  var navList = $('#exam-nav-list');

  function choice(q, type, position, value, caption) {
    var id = 'q' + q.id + '-' + position;
    var input = h('input', {type: type, 'class': 'form-check-input', name: 'q' + q.id, id: id, value: value});
    return h('label', {'class': 'exam-option', 'for': id}, [
      input, caption.letter ? h('span', {'class': 'exam-letter', text: caption.letter}) : null,
      h('span', {'class': 'question-text', text: caption.text})]);
  }

  function buildQuestion(q, index) {
    var n = index + 1;
    var body;
    if (q.type === 'single' || q.type === 'multiple') {
      body = q.options.map(function (option, i) {
        return choice(q, q.type === 'single' ? 'radio' : 'checkbox', i, option.key,
                      {letter: LETTERS[i] + '.', text: option.text});
      });
    } else if (q.type === 'truefalse') {
      body = [choice(q, 'radio', 0, 'true', {letter: '', text: M['true']}),
              choice(q, 'radio', 1, 'false', {letter: '', text: M['false']})];
    } else if (isWritten(q)) {
      body = essays(q);
    } else {
      body = [];
      for (var b = 0; b < Math.max(q.blanks, 1); b++) {
        var id = 'q' + q.id + '-b' + b;
        body.push(h('div', {'class': 'exam-blank'}, [
          h('label', {'class': 'form-label', 'for': id, text: fmt(M.blank, {n: b + 1})}),
          h('input', {type: 'text', 'class': 'form-control', id: id, name: 'q' + q.id, autocomplete: 'off',
                      maxlength: '500', 'data-blank': String(b)})]));
      }
    }
    var flag = h('button', {type: 'button', 'class': 'btn btn-outline-secondary exam-flag', 'aria-pressed': 'false',
                            'data-qid': q.id});
    var mark = h('span', {'class': 'exam-save', 'data-state': ''});
    var legend = h('legend', {'class': 'exam-q-legend'}, [
      h('span', {'class': 'exam-q-no', text: fmt(M.question, {n: n})}), ' ',
      h('span', {'class': 'badge text-bg-light border', text: M.types[q.type] || q.type}), ' ',
      h('span', {'class': 'small text-muted', text: fmt(M.points, {p: q.points})}),
      q.type === 'case' ? h('span', {'class': 'exam-case-label', text: M.case_material}) : null,
      h('span', {'class': 'exam-stem question-text' + (q.type === 'case' ? ' exam-case' : ''), text: q.stem})]);
    return h('fieldset', {'class': 'exam-q', id: 'q-' + q.id, 'data-qid': q.id, 'data-type': q.type,
                          tabindex: '-1'}, [
      legend,
      h('div', {'class': isWritten(q) ? 'exam-essays' : q.type === 'fill' ? 'exam-blanks' : 'exam-options'}, body),
      h('p', {'class': 'exam-refused text-danger small mb-1', role: 'alert', hidden: true}),
      h('div', {'class': 'exam-q-foot'}, [flag, mark])]);
  }

  // The paper in sections (一、单项选择题（共20题，每题2分）…): each section's heading above its
  // questions and above its numbers in the navigator. A payload without sections is one list.
  var sections = (P.sections && P.sections.length) ? P.sections
    : [{heading: '', questions: questions.map(function (q, index) { return index + 1; })}];
  sections.forEach(function (section, s) {
    var headingId = 'exam-section-' + (s + 1);
    var box = form, list = h('ol', {'class': 'exam-nav-list'});
    if (section.heading) {
      box = h('section', {'class': 'exam-section', 'aria-labelledby': headingId}, [
        h('h2', {'class': 'exam-section-heading', id: headingId, text: section.heading})]);
      form.appendChild(box);
      navList.appendChild(h('p', {'class': 'exam-nav-heading', id: 'nav-' + headingId, text: section.heading}));
      list.setAttribute('aria-labelledby', 'nav-' + headingId);
    }
    navList.appendChild(list);
    section.questions.forEach(function (position) {
      var index = position - 1, q = questions[index];
      if (!q) return;
      box.appendChild(buildQuestion(q, index));
      list.appendChild(h('li', {}, [h('button', {type: 'button', 'class': 'exam-nav-btn', 'data-index': index,
                                                 'data-qid': q.id}, [
        h('span', {'class': 'exam-nav-no', text: String(index + 1)}),
        h('span', {'class': 'exam-nav-mark', 'aria-hidden': 'true'})])]));
    });
  });

  function fieldset(qid) { return document.getElementById('q-' + qid); }

  // --- reading and writing the form -----------------------------------------------------------
  function readValue(qid) {
    var q = byId[qid], box = fieldset(qid);
    if (q.type === 'fill') {
      return Array.prototype.map.call(box.querySelectorAll('input[type=text]'), function (i) { return i.value; });
    }
    if (isWritten(q)) {
      var texts = Array.prototype.map.call(box.querySelectorAll('textarea'), function (t) { return t.value; });
      return q.type === 'short' ? texts[0] : texts;
    }
    var checked = Array.prototype.filter.call(box.querySelectorAll('input'), function (i) { return i.checked; })
      .map(function (i) { return i.value; });
    if (q.type === 'multiple') return checked.sort();
    if (!checked.length) return null;
    if (q.type === 'truefalse') return checked[0] === 'true';
    return checked[0];
  }

  function writeValue(qid, answer) {
    var q = byId[qid], box = fieldset(qid);
    if (!q || !box) return;
    if (q.type === 'fill') {
      box.querySelectorAll('input[type=text]').forEach(function (input, i) {
        input.value = answer && answer[i] !== undefined && answer[i] !== null ? answer[i] : '';
      });
    } else if (isWritten(q)) {
      var texts = q.type === 'short' ? [answer] : (Array.isArray(answer) ? answer : []);
      box.querySelectorAll('textarea').forEach(function (area, i) {
        area.value = typeof texts[i] === 'string' ? texts[i] : '';
        fit(area);
        count(q, area);
      });
    } else {
      box.querySelectorAll('input').forEach(function (input) {
        if (q.type === 'multiple') input.checked = Array.isArray(answer) && answer.indexOf(input.value) >= 0;
        else if (q.type === 'truefalse') input.checked = answer !== null && String(answer) === input.value;
        else input.checked = answer === input.value;
      });
    }
    values[qid] = answer;
    paintChoices(qid);
  }

  // Textareas grow with their text (up to a screenful, then they scroll): CSS field-sizing where
  // the browser has it, the text's height otherwise.
  var SIZES_ITSELF = window.CSS && CSS.supports && CSS.supports('field-sizing', 'content');
  function fit(area) {
    if (SIZES_ITSELF || !area.offsetParent) return;  // hidden: no height to measure (fitted when shown)
    area.style.height = 'auto';
    area.style.height = Math.min(area.scrollHeight + 2, Math.round(window.innerHeight * 0.6)) + 'px';
  }

  // The counter under a textarea: always the limit; a warning near it; beyond it, a refusal.
  function count(q, area) {
    var node = document.getElementById(area.id + '-count');
    var n = charCount(area.value), max = maxChars(q);
    var state = n > max ? 'over' : n >= max * 0.9 ? 'near' : '';
    node.setAttribute('data-state', state);
    node.textContent = fmt(state === 'over' ? M.chars_over : state === 'near' ? M.chars_near : M.chars,
                           {n: n, max: max, left: max - n, over: n - max});
    area.classList.toggle('is-invalid', state === 'over');
  }

  // Why an answer cannot be sent as it is (too long), or null.
  function tooLong(q, answer) {
    if (!isWritten(q)) return null;
    var texts = q.type === 'short' ? [answer] : (answer || []);
    for (var i = 0; i < texts.length; i++) {
      var n = charCount(texts[i]);
      if (n > maxChars(q)) {
        return fmt(q.type === 'case' ? M.too_long_part : M.too_long, {part: i + 1, n: n, max: maxChars(q)});
      }
    }
    return null;
  }

  function paintChoices(qid) {
    fieldset(qid).querySelectorAll('.exam-option').forEach(function (label) {
      label.classList.toggle('is-checked', label.querySelector('input').checked);
    });
  }

  function isAnswered(qid) {
    var value = values[qid];
    if (value === null || value === undefined) return false;
    if (typeof value === 'string') return value.trim() !== '';
    if (Array.isArray(value)) return value.some(function (v) { return String(v).trim() !== ''; });
    return true;
  }

  // --- the saved mark, the navigator and the summary ---------------------------------------------
  function saveState(qid) {
    if (refused[qid]) return 'refused';
    if (pending[qid] || typing[qid]) return failed[qid] ? 'unsaved' : 'saving';
    return acked[qid] ? 'saved' : '';
  }

  var MARKS = {saved: '\u2713 ', saving: '\u21bb ', unsaved: '\u26a0 ', refused: '\u2716 '};

  function paint(qid) {
    var box = fieldset(qid);
    if (!box) return;
    var state = saveState(qid);
    var mark = $('.exam-save', box);
    mark.setAttribute('data-state', state);
    mark.textContent = state ? MARKS[state] + M[state] : '';
    var note = $('.exam-refused', box);
    note.hidden = !refused[qid];
    note.textContent = refused[qid] ? fmt(M.refused_answer, {error: refused[qid]}) : '';
    var flagged = flags.indexOf(qid) >= 0;
    var flag = $('.exam-flag', box);
    flag.setAttribute('aria-pressed', flagged ? 'true' : 'false');
    flag.textContent = '\u2691 ' + (flagged ? M.flagged_button : M.flag);
    var button = $('.exam-nav-btn[data-qid="' + qid + '"]');
    var answered = isAnswered(qid);
    button.classList.toggle('is-answered', answered);
    button.classList.toggle('is-flagged', flagged);
    $('.exam-nav-mark', button).textContent = (answered ? '\u2713' : '') + (flagged ? '\u2691' : '');
    var parts = [answered ? M.answered : M.unanswered];
    if (flagged) parts.push(M.flagged);
    button.setAttribute('aria-label', fmt(M.question, {n: byId[qid].position}) + ': ' + parts.join(M.sep));
    summary();
  }

  function summary() {
    var waiting = 0, failing = 0, answered = 0, refusing = 0;
    questions.forEach(function (q) {
      if (pending[q.id] || typing[q.id]) { waiting++; if (failed[q.id]) failing++; }
      if (refused[q.id]) refusing++;
      if (isAnswered(q.id)) answered++;
    });
    var node = $('#exam-saved');
    // A refused answer (too long, or of a shape the server would not take) is not "all saved".
    var state = failing || refusing ? 'unsaved' : waiting ? 'saving' : 'saved';
    node.setAttribute('data-state', state);
    node.textContent = MARKS[state] + (failing ? say('n_unsaved', failing) : refusing ? say('n_refused', refusing) :
                                       waiting ? say('n_saving', waiting) : M.all_saved);
    $('#exam-progress').textContent = fmt(M.progress, {n: answered, total: questions.length});
  }

  function showProblem(kind) {
    problem = kind;
    var box = $('#exam-problem');
    box.hidden = !kind;
    box.textContent = kind ? M[kind] : '';
  }

  // --- saving ----------------------------------------------------------------------------------
  function persistPending() { store.set(KEY + 'pending', pending); }

  function request(method, url, body, timeout) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, timeout || 10000) : null;
    // keepalive: a save or a tab event sent as the page goes away still reaches the server.
    var options = {method: method, credentials: 'same-origin', keepalive: method !== 'GET',
                   headers: {'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': token},
                   body: body === undefined ? undefined : JSON.stringify(body)};
    if (controller) options.signal = controller.signal;
    return fetch(url, options).then(function (response) {
      clearTimeout(timer);
      return response.json().catch(function () { return {}; }).then(function (json) {
        return {status: response.status, ok: response.ok, body: json};
      });
    }, function (error) { clearTimeout(timer); throw error; });
  }

  function change(qid) {
    if (stopped) return;
    var answer = readValue(qid);
    values[qid] = answer;
    delete typingSince[qid];
    var tooLongWhy = tooLong(byId[qid], answer);
    if (tooLongWhy) {
      // Refused here, clearly, rather than by the server: the text stays in the box to shorten,
      // and the last answer that fitted stays saved.
      refused[qid] = tooLongWhy;
      paint(qid);
      return;
    }
    delete refused[qid];
    pending[qid] = {answer: answer, seq: nextSeq()};
    failed[qid] = false;
    acked[qid] = false;
    persistPending();
    paint(qid);
    send(qid);
  }

  function send(qid) {
    qid = Number(qid);
    var entry = pending[qid];
    if (!entry || stopped || inflight[qid] === entry.seq) return Promise.resolve();
    inflight[qid] = entry.seq;
    return request('PUT', API + '/answers/' + qid, {answer: entry.answer, seq: entry.seq}).then(function (res) {
      return res;
    }, function () { return null; }).then(function (res) {
      if (inflight[qid] === entry.seq) delete inflight[qid];
      if (stopped) return;
      if (res && res.ok) {
        backoff = 1000;
        if (problem) showProblem(null);
        if (pending[qid] && pending[qid].seq <= entry.seq) {
          delete pending[qid];
          persistPending();
          failed[qid] = false;
          acked[qid] = true;
        } else if (pending[qid]) {
          send(qid);  // a newer value came while this one travelled
        }
      } else if (res && res.status === 409) {
        finish();
        return;
      } else if (res && (res.status === 422 || res.status === 404)) {
        if (pending[qid] && pending[qid].seq === entry.seq) { delete pending[qid]; persistPending(); }
        refused[qid] = (res.body && res.body.error) || String(res.status);
      } else {
        if (pending[qid] && pending[qid].seq === entry.seq) failed[qid] = true;
        if (res && res.status === 401) showProblem('signed_out');
        else if (res && res.status === 400) refreshToken();
        else showProblem(navigator.onLine === false ? 'offline' : 'unreachable');
        scheduleRetry();
      }
      paint(qid);
    });
  }

  function scheduleRetry() {
    if (retryTimer || stopped) return;
    retryTimer = setTimeout(function () { retryTimer = null; retryAll(); }, backoff);
    backoff = Math.min(backoff * 2, 15000);
  }

  function retryAll() {
    return Promise.all(Object.keys(pending).map(send));
  }

  function retryNow() {
    clearTimeout(retryTimer);
    retryTimer = null;
    backoff = 1000;
    retryAll();
  }

  function refreshToken() {
    // A 400 means the CSRF token no longer matches the session (signed in again elsewhere):
    // the exam page itself carries the current one.
    return fetch(location.pathname, {credentials: 'same-origin'}).then(function (response) {
      if (response.redirected && /\/result$/.test(response.url)) { finish(); return; }
      if (response.redirected && /\/login/.test(response.url)) { showProblem('signed_out'); return; }
      return response.text().then(function (html) {
        var found = /<meta name="csrf-token" content="([^"]+)"/.exec(html);
        if (found) token = found[1];
      });
    }).catch(function () { /* offline: the next retry tries again */ });
  }

  function commitTyping() {
    Object.keys(typing).forEach(function (qid) {
      clearTimeout(typing[qid]);
      delete typing[qid];
      change(Number(qid));
    });
  }

  function unsavedCount() { return Object.keys(pending).length + Object.keys(typing).length; }

  // --- finishing -------------------------------------------------------------------------------
  function finish() {
    if (leaving) return;
    stopped = leaving = true;
    clearTimeout(retryTimer);
    ['pending', 'flags', 'seq', 'current'].forEach(function (name) { store.del(KEY + name); });
    var notice = $('#exam-problem');
    notice.hidden = false;
    notice.className = 'alert alert-info exam-problem';
    notice.textContent = M.finished;
    location.replace(RESULT_URL);
  }

  var submitting = null;
  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function flush(limitMs) {
    commitTyping();
    retryNow();
    var until = Date.now() + limitMs;
    return (function poll() {
      if (!Object.keys(pending).length || Date.now() > until || stopped) return Promise.resolve();
      return wait(100).then(poll);
    })();
  }

  function submit(auto) {
    if (submitting) return submitting;
    var status = $('#exam-submit-status');
    setSubmitting(true);
    status.className = 'small mt-2';
    status.textContent = M.submitting;
    submitting = flush(auto ? 8000 : 5000).then(function attempt() {
      if (stopped) return;
      return request('POST', API + '/submit', undefined, 15000).then(function (res) { return res; },
                                                                   function () { return null; }).then(function (res) {
        if (stopped) return;
        if (res && (res.ok || res.status === 409)) { finish(); return; }
        if (auto || timeUp) {
          // Time is up: keep trying until the server's grace period ends; after that the
          // server has closed the attempt itself and the result page shows it.
          if (serverNow() > deadline + graceMs) { finish(); return; }
          return wait(3000).then(attempt);
        }
        if (res && res.status === 401) showProblem('signed_out');
        status.className = 'small mt-2 text-danger';
        status.textContent = M.submit_failed;
        submitting = null;
        setSubmitting(false);
      });
    });
    return submitting;
  }

  function setSubmitting(busy) {
    document.querySelectorAll('.exam-submit, #exam-confirm').forEach(function (button) { button.disabled = busy; });
  }

  // --- the confirmation dialog ---------------------------------------------------------------
  var modalNode = $('#exam-confirm-modal');
  var modal = window.bootstrap && modalNode ? bootstrap.Modal.getOrCreateInstance(modalNode) : null;

  function numbers(filter) {
    return questions.filter(filter).map(function (q) { return q.position; }).join(M.sep);
  }

  function openConfirm() {
    if (submitting) return;
    commitTyping();
    var missing = numbers(function (q) { return !isAnswered(q.id); });
    var flagged = numbers(function (q) { return flags.indexOf(q.id) >= 0; });
    var waiting = unsavedCount();
    $('#exam-confirm-unanswered').textContent = missing ? fmt(M.unanswered_list, {list: missing}) : M.all_answered;
    $('#exam-confirm-unanswered').className = missing ? 'alert alert-warning' : 'alert alert-success';
    var flaggedNode = $('#exam-confirm-flagged');
    flaggedNode.hidden = !flagged;
    flaggedNode.textContent = flagged ? fmt(M.flagged_list, {list: flagged}) : '';
    var refusedList = numbers(function (q) { return refused[q.id]; });
    var refusedNode = $('#exam-confirm-refused');
    refusedNode.hidden = !refusedList;
    refusedNode.textContent = refusedList ? fmt(M.refused_list, {list: refusedList}) : '';
    var pendingNode = $('#exam-confirm-pending');
    pendingNode.hidden = !waiting;
    pendingNode.textContent = waiting ? say('pending_first', waiting) : '';
    $('#exam-submit-status').textContent = '';
    if (modal) modal.show();
    else if (window.confirm(missing ? fmt(M.unanswered_list, {list: missing}) : M.all_answered)) submit(false);
  }

  document.querySelectorAll('.exam-submit').forEach(function (button) {
    button.addEventListener('click', openConfirm);
  });
  $('#exam-confirm').addEventListener('click', function () { submit(false); });

  // --- layout and navigation -------------------------------------------------------------------
  var narrow = window.matchMedia && window.matchMedia('(max-width: 767.98px)').matches;
  var layout = store.get('exam.layout', null) || (narrow ? 'one' : 'all');
  var current = Math.min(Math.max(store.get(KEY + 'current', 0) || 0, 0), Math.max(questions.length - 1, 0));

  function applyLayout() {
    root.setAttribute('data-layout', layout);
    document.querySelectorAll('[data-layout-choice]').forEach(function (button) {
      button.setAttribute('aria-pressed', button.getAttribute('data-layout-choice') === layout ? 'true' : 'false');
    });
    form.querySelectorAll('.exam-q').forEach(function (box, index) {
      box.hidden = layout === 'one' && index !== current;
    });
    form.querySelectorAll('.exam-section').forEach(function (section) {
      // One at a time: only the current question's section, so its heading shows above it.
      section.hidden = layout === 'one' && !section.querySelector('.exam-q:not([hidden])');
    });
    navList.querySelectorAll('.exam-nav-btn').forEach(function (button, index) {
      if (layout === 'one' && index === current) button.setAttribute('aria-current', 'step');
      else button.removeAttribute('aria-current');
    });
    $('#exam-pager').hidden = layout !== 'one';
    $('#exam-prev').disabled = current <= 0;
    $('#exam-next').disabled = current >= questions.length - 1;
    $('#exam-position').textContent = fmt(M.position, {n: current + 1, total: questions.length});
    form.querySelectorAll('.exam-q:not([hidden]) .exam-textarea').forEach(fit);
  }

  function go(index, focus) {
    if (index < 0 || index >= questions.length) return;
    current = index;
    store.set(KEY + 'current', current);
    applyLayout();
    var box = form.querySelectorAll('.exam-q')[index];
    if (layout === 'all') box.scrollIntoView({block: 'start'});
    if (focus) box.focus({preventScroll: layout === 'all'});
  }

  document.querySelectorAll('[data-layout-choice]').forEach(function (button) {
    button.addEventListener('click', function () {
      layout = button.getAttribute('data-layout-choice');
      store.set('exam.layout', layout);
      applyLayout();
    });
  });
  navList.addEventListener('click', function (event) {
    var button = event.target.closest('.exam-nav-btn');
    if (button) go(Number(button.getAttribute('data-index')), true);
  });
  $('#exam-prev').addEventListener('click', function () { go(current - 1, true); });
  $('#exam-next').addEventListener('click', function () { go(current + 1, true); });

  // --- answering -------------------------------------------------------------------------------
  form.addEventListener('submit', function (event) { event.preventDefault(); });
  form.addEventListener('change', function (event) {
    var box = event.target.closest('.exam-q');
    if (!box) return;
    var qid = Number(box.getAttribute('data-qid'));
    if (TEXT_TYPES[byId[qid].type]) {
      if (!typing[qid]) return;  // the debounce already sent this value
      clearTimeout(typing[qid]);
      delete typing[qid];
    } else {
      paintChoices(qid);
    }
    change(qid);
  });
  form.addEventListener('input', function (event) {
    var box = event.target.closest('.exam-q');
    if (!box || (event.target.type !== 'text' && event.target.type !== 'textarea')) return;
    var qid = Number(box.getAttribute('data-qid'));
    if (event.target.type === 'textarea') { fit(event.target); count(byId[qid], event.target); }
    clearTimeout(typing[qid]);
    values[qid] = readValue(qid);
    // Saved after a pause in typing; a long text typed without pause is saved every 10 seconds.
    if (!typingSince[qid]) typingSince[qid] = Date.now();
    // While an input method composes (拼音 not yet turned into characters) wait longer.
    var delay = Date.now() - typingSince[qid] > 10000 ? 0 : event.isComposing ? 2000 : 800;
    typing[qid] = setTimeout(function () { delete typing[qid]; change(qid); }, delay);
    paint(qid);
  });
  form.addEventListener('click', function (event) {
    var flag = event.target.closest('.exam-flag');
    if (!flag) return;
    var qid = Number(flag.getAttribute('data-qid'));
    var at = flags.indexOf(qid);
    if (at >= 0) flags.splice(at, 1); else flags.push(qid);
    store.set(KEY + 'flags', flags);
    paint(qid);
  });

  // --- the countdown -----------------------------------------------------------------------------
  var timerNode = $('#exam-timer');
  var announcer = $('#exam-announcer');
  var WARNINGS = [[600, 'minutes_10'], [300, 'minutes_5'], [60, 'minutes_1']];
  var announced = {};
  var firstTick = true, timeUp = false;

  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function clockText(seconds) {
    var hours = Math.floor(seconds / 3600), minutes = Math.floor(seconds % 3600 / 60);
    return (hours ? hours + ':' : '') + pad(minutes) + ':' + pad(seconds % 60);
  }

  function tick() {
    var left = Math.max(0, Math.ceil((deadline - serverNow()) / 1000));
    var text = clockText(left);
    if (timerNode.textContent !== text) timerNode.textContent = text;
    timerNode.parentNode.classList.toggle('is-warning', left < 300);
    WARNINGS.forEach(function (warning) {
      if (left <= warning[0] && !announced[warning[1]]) {
        announced[warning[1]] = true;
        if (!firstTick || left > warning[0] - 5) announcer.textContent = M[warning[1]];
      }
    });
    firstTick = false;
    if (left <= 0 && !stopped && !timeUp) {
      timeUp = true;
      announcer.textContent = M.time_up;
      showProblem('time_up');
      if (modal) modal.hide();
      submit(true);
    }
  }

  // --- tab switches ------------------------------------------------------------------------------
  var tabNode = $('#exam-tabs');
  function showTabs(count) {
    if (P.tab_switch_limit === null || P.tab_switch_limit === undefined) return;
    tabNode.hidden = false;
    tabNode.textContent = fmt(M.tab_count, {n: count, limit: P.tab_switch_limit});
    tabNode.classList.toggle('alert-danger', count >= P.tab_switch_limit);
    tabNode.classList.toggle('alert-warning', count < P.tab_switch_limit);
  }

  function stash() {
    // Leaving or hiding the page: text still in its debounce goes to localStorage now.
    Object.keys(typing).forEach(function (qid) {
      clearTimeout(typing[qid]);
      delete typing[qid];
      var answer = readValue(Number(qid));
      if (tooLong(byId[qid], answer)) return;  // never sent as it is: the box says so
      pending[qid] = {answer: answer, seq: nextSeq()};
    });
    persistPending();
  }

  document.addEventListener('visibilitychange', function () {
    if (stopped) return;
    var hidden = document.visibilityState === 'hidden';
    if (hidden) stash();
    retryAll();  // the tab may never come back: send what is waiting now
    request('POST', API + '/events', {type: hidden ? 'hidden' : 'visible'}).then(function (res) {
      if (res.status === 409 || (res.ok && res.body.submitted)) { finish(); return; }
      if (res.ok) showTabs(res.body.tab_switches);
    }, function () { /* offline: the server learns nothing, the answers are still safe */ });
  });

  window.addEventListener('pagehide', stash);
  window.addEventListener('online', function () { showProblem(null); retryNow(); });
  window.addEventListener('offline', function () { showProblem('offline'); });
  window.addEventListener('beforeunload', function (event) {
    if (leaving || !unsavedCount()) return;
    event.preventDefault();
    event.returnValue = '';
  });

  // --- start -------------------------------------------------------------------------------------
  var answers = P.answers || {};
  questions.forEach(function (q) {
    var saved = answers[q.id] || answers[String(q.id)];
    var local = pending[q.id];
    if (local && (!saved || local.seq > saved.seq)) {
      writeValue(q.id, local.answer);  // newer than the server's: it was given here and never acknowledged
      failed[q.id] = true;
    } else {
      if (local) delete pending[q.id];
      if (saved) { writeValue(q.id, saved.answer); acked[q.id] = saved.answer !== null; }
    }
  });
  form.querySelectorAll('.exam-textarea').forEach(function (area) {
    count(byId[area.closest('.exam-q').getAttribute('data-qid')], area);
  });
  Object.keys(pending).forEach(function (qid) { if (!byId[qid]) delete pending[qid]; });
  persistPending();
  flags = flags.filter(function (qid) { return byId[qid]; });
  questions.forEach(function (q) { paint(q.id); });
  var navBox = $('#exam-nav-box');
  if (navBox && !narrow) navBox.open = true;
  applyLayout();
  showTabs(P.tab_switches || 0);
  root.classList.add('is-ready');
  tick();
  setInterval(tick, 500);
  retryAll();
})();
