/* The rules page's start buttons when many candidates start at once (exams/admission.py).

   Progressive: without this script the form posts as usual. With it, the form is posted with
   `Accept: application/json`; the server answers {"location": ...} (the exam page, or the rules
   page with a message) or, when its places for starts are taken, 503 {"queued": true,
   "position": N, "retry_after": M, "error": "排队中，第N位，约M秒"}: the text is shown and the
   same start is sent again after M seconds (a start is idempotent: a retry never makes a
   second attempt). Anything else: the form is posted the ordinary way. */
(function () {
  'use strict';
  var forms = document.querySelectorAll('form[data-queued-start]');
  Array.prototype.forEach.call(forms, function (form) {
    var status = document.getElementById(form.getAttribute('data-queued-start'));
    var button = form.querySelector('button[type="submit"]');
    var plain = false;

    function show(text) {
      status.textContent = text;
      status.hidden = !text;
    }

    function fallBack() {
      plain = true;
      form.submit();
    }

    function send() {
      fetch(form.action, {method: 'POST', body: new FormData(form), credentials: 'same-origin',
                          headers: {'Accept': 'application/json'}})
        .then(function (response) {
          var type = response.headers.get('Content-Type') || '';
          if (type.indexOf('application/json') !== 0) { return fallBack(); }
          return response.json().then(function (body) {
            if (body.location) {
              window.location.assign(body.location);
            } else if (response.status === 503 && body.queued) {
              show(body.error);
              // A little spread, so that the candidates told to wait the same time do not all come back at once.
              window.setTimeout(send, (body.retry_after + Math.random()) * 1000);
            } else {
              fallBack();
            }
          });
        }, function () {
          // No answer (a dropped connection): the start is idempotent, so simply ask again.
          window.setTimeout(send, 3000);
        });
    }

    form.addEventListener('submit', function (event) {
      if (plain) { return; }
      event.preventDefault();
      if (button) { button.disabled = true; }
      send();
    });
  });
}());
