// One-click sign-in from the invitation email: its link is <portal>/signin#key=<the student's API key>.
// A fragment never reaches a server, a proxy or a log; this script takes the key out of the address (and so out
// of the history entry) before anything else, then posts it with the sign-in form as a student would.
// Without JavaScript the page is the plain form, and the student pastes the key.
// The sign-in page (after signing out too) first forgets the answers static/taking.js kept in this browser
// (testtime:answers:...): on a shared computer the next student must not read the last one's.
"use strict";

(function () {
  try {
    var store = window.localStorage;
    var kept = [];
    for (var i = 0; i < store.length; i++) {
      var name = store.key(i);
      if (name && name.indexOf("testtime:answers:") === 0) {
        kept.push(name);
      }
    }
    kept.forEach(function (name) {
      store.removeItem(name);
    });
  } catch (blocked) { // a browser that refuses storage kept nothing
  }

  var prefix = "#key=";
  if (location.hash.indexOf(prefix) !== 0) {
    return;
  }
  var raw = location.hash.slice(prefix.length);
  // At once: the address bar and this history entry lose the key even if what follows fails.
  history.replaceState(null, "", location.pathname + location.search);
  var key;
  try {
    key = decodeURIComponent(raw);
  } catch (malformed) {
    return; // not a key this portal's invitations write: the student pastes it
  }
  function submit() {
    var field = document.getElementById("api_key");
    if (!field || !field.form || !key) {
      return;
    }
    field.value = key;
    field.form.submit();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", submit);
  } else {
    submit(); // loaded with defer: the form is already there
  }
})();
