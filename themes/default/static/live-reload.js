// Writer mode: reload this page when the server says its article (or everything) changed.
(function () {
  "use strict";
  if (!window.EventSource) return;
  var source = new EventSource("/_dev/events");
  source.addEventListener("reload", function (event) {
    var changed = [];
    try { changed = JSON.parse(event.data); } catch (e) { changed = ["*"]; }
    var here = window.location.pathname;
    if (changed.indexOf("*") !== -1 || changed.indexOf(here) !== -1) window.location.reload();
  });
})();
