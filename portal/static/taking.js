// The test's page: a live "3 of 5 answered" count, and the answers kept in this browser (localStorage) until they
// are sent, so that a reload or a closed tab loses nothing. The confirmation page forgets them, and so does the
// test's page when it comes closed (submitted, one submission only); the sign-in page forgets every test's
// (static/signin-link.js). Without JavaScript the page works the same, without the count's updates and the keeping.
"use strict";

(function () {
  function storage() {
    try {
      return window.localStorage;
    } catch (blocked) { // a browser that refuses storage (private mode, a policy): no keeping, the rest works
      return null;
    }
  }

  function answerInputs(form) {
    return Array.prototype.slice.call(form.querySelectorAll("input[type=radio], input[type=checkbox]"));
  }

  function countAnswered(form) {
    var answered = {};
    answerInputs(form).forEach(function (input) {
      if (input.checked) {
        answered[input.name] = true;
      }
    });
    return Object.keys(answered).length;
  }

  function showCount(form) {
    var shown = document.querySelector("#progress .answered-count");
    if (shown) {
      shown.textContent = String(countAnswered(form));
    }
  }

  function save(form, store) {
    var chosen = {};
    answerInputs(form).forEach(function (input) {
      if (input.checked) {
        (chosen[input.name] = chosen[input.name] || []).push(input.value);
      }
    });
    try {
      store.setItem(form.dataset.store, JSON.stringify(chosen));
    } catch (full) { // storage full or refused: the answers are still on the page
    }
  }

  function restore(form, store) {
    var kept;
    try {
      kept = JSON.parse(store.getItem(form.dataset.store) || "null");
    } catch (unreadable) {
      kept = null;
    }
    if (!kept || typeof kept !== "object") {
      return;
    }
    answerInputs(form).forEach(function (input) {
      var values = kept[input.name];
      input.checked = Array.isArray(values) && values.indexOf(input.value) !== -1;
    });
  }

  // The test's page without a form is the closed one: what this browser kept for that test, under any student's
  // name (testtime:answers:<student>:<subject>:<test>, views._store_key; ids hold no ":"), is of no use any more.
  // The page names no student, its address names the test: /test/<subject>/<test>, or its /review and /submit.
  function forgetClosed(store) {
    var named = /\/test\/([^/]+)\/([^/]+)(?:\/(?:review|submit))?\/?$/.exec(location.pathname);
    if (!named) {
      return;
    }
    var ending = ":" + decodeURIComponent(named[1]) + ":" + decodeURIComponent(named[2]);
    var prefix = "testtime:answers:";
    var found = [];
    for (var i = 0; i < store.length; i++) {
      var name = store.key(i);
      if (name && name.indexOf(prefix) === 0 && name.slice(prefix.length).split(":").length === 3 &&
          name.slice(-ending.length) === ending) {
        found.push(name);
      }
    }
    found.forEach(function (name) {
      store.removeItem(name);
    });
  }

  function start() {
    var store = storage();
    var done = document.querySelector("[data-clear-answers]");
    if (done && store) {
      store.removeItem(done.dataset.clearAnswers);
    }
    var form = document.getElementById("test-form");
    if (!form) {
      if (!done && store && document.getElementById("submitted-note")) {
        try {
          forgetClosed(store);
        } catch (refused) { // storage refused or an address it cannot read: nothing is forgotten, the page works
        }
      }
      return;
    }
    if (store && form.dataset.store) {
      // The page came with no answer ticked (opened again, reloaded): the answers kept here come back. Back from
      // the review, the page ticks what was reviewed, and that is kept.
      if (countAnswered(form) === 0) {
        restore(form, store);
      } else {
        save(form, store);
      }
    }
    showCount(form);
    form.addEventListener("change", function () {
      showCount(form);
      if (store && form.dataset.store) {
        save(form, store);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
