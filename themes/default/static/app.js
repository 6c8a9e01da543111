// helpcenter default theme: progressive enhancement only; every page works without it.
(function () {
  "use strict";

  // "/" focuses the search box, as on most documentation sites.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var box = document.querySelector("input[type=search]");
    if (box) {
      event.preventDefault();
      box.focus();
    }
  });

  // Dark or light: the system's setting unless the visitor chose, and then their choice.
  (function () {
    var root = document.documentElement;
    var stored = null;
    try { stored = window.localStorage.getItem("hc-theme"); } catch (e) { /* private mode */ }
    if (stored === "dark" || stored === "light") root.setAttribute("data-theme", stored);
    var button = document.querySelector("[data-theme-toggle]");
    if (!button || !window.matchMedia) return;
    var system = window.matchMedia("(prefers-color-scheme: dark)");
    function dark() {
      var chosen = root.getAttribute("data-theme");
      return chosen ? chosen === "dark" : system.matches;
    }
    function show() { button.setAttribute("aria-pressed", dark() ? "true" : "false"); }
    button.hidden = false;
    show();
    button.addEventListener("click", function () {
      var next = dark() ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { window.localStorage.setItem("hc-theme", next); } catch (e) { /* not remembered */ }
      show();
    });
    if (system.addEventListener) system.addEventListener("change", show);
  })();

  // A link to each section, copied on click (for sending a customer straight to the answer).
  (function () {
    var prose = document.querySelector(".prose[data-copy-link]");
    if (!prose) return;
    var label = prose.getAttribute("data-copy-link");
    var copied = prose.getAttribute("data-copied");
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    prose.appendChild(status);
    Array.prototype.forEach.call(prose.querySelectorAll("h2[id], h3[id]"), function (heading) {
      var link = document.createElement("a");
      link.className = "heading-link";
      link.href = "#" + heading.id;
      link.setAttribute("aria-label", label + ": " + heading.textContent);
      link.textContent = "#";
      heading.appendChild(link);
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var url = location.origin + location.pathname + "#" + heading.id;
        if (history.replaceState) history.replaceState(null, "", "#" + heading.id);
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(url).then(function () {
            status.textContent = copied;
            link.setAttribute("data-copied", "");
            window.setTimeout(function () { link.removeAttribute("data-copied"); status.textContent = ""; }, 2000);
          }, function () { /* no clipboard: the address bar has the link */ });
        }
      });
    });
  })();

  var DEBOUNCE_MS = 80;

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function sendEvent(payload) {
    var body = JSON.stringify(payload);
    try {
      if (navigator.sendBeacon && navigator.sendBeacon("/api/events", new Blob([body], { type: "application/json" }))) return;
    } catch (e) { /* fall through */ }
    if (window.fetch) {
      fetch("/api/events", { method: "POST", headers: { "Content-Type": "application/json" }, body: body, keepalive: true, credentials: "same-origin" }).catch(function () {});
    }
  }

  // A result (or the quick answer) followed: report the click. Result URLs carry no
  // tracking parameters; the page names its search in data-sid, each link its position.
  function reportResultClick(event) {
    if (event.type === "auxclick" && event.button !== 1) return;
    var link = event.target && event.target.closest ? event.target.closest("a[data-pos]") : null;
    var holder = document.querySelector("[data-sid]");
    if (!link || !holder) return;
    var match = link.pathname.match(/^\/[^\/]+\/articles\/([^\/]+)$/);
    if (!match) return;
    sendEvent({
      type: "click",
      search_id: holder.getAttribute("data-sid"),
      slug: decodeURIComponent(match[1]),
      position: parseInt(link.getAttribute("data-pos"), 10) || 0
    });
  }
  document.addEventListener("click", reportResultClick, true);
  document.addEventListener("auxclick", reportResultClick, true);

  // Text that opens the list: one character of CJK (a syllable or kana is a word's worth),
  // two of anything else.
  var CJK = /[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]/;
  function longEnough(query) {
    var text = query.trim();
    return CJK.test(text) ? text.length >= 1 : text.length >= 2;
  }

  // The plain text of a suggestion's highlighted HTML (entities decoded, marks dropped).
  function textOf(html) {
    var div = document.createElement("div");
    div.innerHTML = html;
    return div.textContent;
  }

  // Typeahead: the WAI-ARIA 1.2 combobox pattern with a listbox popup. IME-aware: nothing
  // is requested while a composition is open (the fragments are not what the visitor
  // means), one request follows its end, and Enter/Escape during it belong to the IME.
  function enhance(form, formIndex) {
    var input = form.querySelector("input[type=search]");
    if (!input || !window.fetch || !window.AbortController) return;
    var locale = document.documentElement.lang || "en";
    var listId = "hc-suggest-" + formIndex;
    var searchFor = form.getAttribute("data-search-for") || "Search for \u201c{q}\u201d";
    var countText = form.getAttribute("data-suggest-count") || "{n} suggestions";

    var wrapper = document.createElement("div");
    wrapper.className = "combo";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "combo-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", form.getAttribute("data-suggest-label") || "Suggestions");
    list.hidden = true;
    wrapper.appendChild(list);
    // Announces how many suggestions appeared (screen readers do not see a list open).
    var status = document.createElement("div");
    status.className = "visually-hidden combo-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    wrapper.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var options = [];
    var active = -1;
    var timer = null;
    var sequence = 0;
    var controller = null;
    var searchId = null;
    var composing = false;

    function setActive(index) {
      active = index;
      options.forEach(function (option, i) {
        option.el.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].el.id);
        options[index].el.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    // Closing forgets the keyboard selection: a later Enter must never pick an option the
    // screen no longer shows.
    function close() {
      setActive(-1);
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function open() {
      if (!options.length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function announce(n) {
      status.textContent = countText.replace("{n}", String(n));
    }

    function addOption(html, data) {
      var li = document.createElement("li");
      li.id = listId + "-" + options.length;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.className = "combo-option combo-" + data.kind;
      li.innerHTML = html;
      list.appendChild(li);
      options.push({ el: li, data: data });
    }

    function render(response, query) {
      list.innerHTML = "";
      options = [];
      active = -1;
      input.removeAttribute("aria-activedescendant");
      var seen = {};
      response.suggestions.forEach(function (s) {
        if (s.kind === "article") {
          // One option per article, even when several of its sections match.
          var page = s.url.split("#")[0];
          if (seen[page]) return;
          seen[page] = true;
          var sub = textOf(s.highlight) === s.title ? "" : '<span class="combo-sub">' + escapeHtml(s.title) + "</span>";
          addOption('<span class="combo-main">' + s.highlight + "</span>" + sub, s);
        } else if (s.kind === "query") {
          addOption('<span class="combo-main"><span class="combo-icon" aria-hidden="true">\u2315</span> ' + escapeHtml(s.text) + "</span>", s);
        }
      });
      var found = options.length;
      addOption('<span class="combo-main">' + escapeHtml(searchFor).replace("{q}", "<strong>" + escapeHtml(query) + "</strong>") + "</span>", { kind: "search", text: query });
      open();
      announce(found);
    }

    function fetchSuggestions(query) {
      var mine = ++sequence;
      if (controller) controller.abort();
      controller = new AbortController();
      var url = "/api/suggest?locale=" + encodeURIComponent(locale) + "&q=" + encodeURIComponent(query);
      fetch(url, { signal: controller.signal, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          // Drop stale answers: only the latest request for the text still in the box counts.
          if (!data || mine !== sequence || composing || input.value !== query) return;
          searchId = data.search_id || null;
          render(data, query);
        })
        .catch(function () { /* aborted or offline: the plain form still works */ });
    }

    // Called on every change of the box's text that the visitor settled on.
    function changed() {
      window.clearTimeout(timer);
      var query = input.value;
      if (!longEnough(query)) {
        sequence++;
        if (controller) controller.abort();
        close();
        return;
      }
      timer = window.setTimeout(function () { fetchSuggestions(query); }, DEBOUNCE_MS);
    }

    function choose(index) {
      var option = options[index];
      if (!option) return;
      var data = option.data;
      if (data.kind === "article") {
        if (searchId) {
          var slug = data.url.split("#")[0].split("/").pop();
          sendEvent({ type: "click", search_id: searchId, slug: slug, position: index + 1, kind: "suggestion" });
        }
        close();
        window.location.href = data.url;
      } else {
        input.value = data.text;
        close();
        form.submit();
      }
    }

    input.addEventListener("compositionstart", function () {
      composing = true;
      window.clearTimeout(timer);
      sequence++;
      if (controller) controller.abort();
    });
    input.addEventListener("compositionend", function () {
      composing = false;
      changed();
    });
    input.addEventListener("input", function (event) {
      if (composing || event.isComposing) return;
      changed();
    });

    input.addEventListener("keydown", function (event) {
      // Keys that drive an open composition (keyCode 229) are the IME's, not ours.
      if (composing || event.isComposing || event.keyCode === 229) return;
      var count = options.length;
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (list.hidden) {
            if (count) { open(); setActive(0); } else if (longEnough(input.value)) { fetchSuggestions(input.value); }
          } else {
            setActive((active + 1) % count);
          }
          break;
        case "ArrowUp":
          event.preventDefault();
          if (!list.hidden && count) setActive(active <= 0 ? count - 1 : active - 1);
          break;
        case "Enter":
          if (!list.hidden && active >= 0) {
            event.preventDefault();
            choose(active);
          }
          break;
        case "Escape":
          if (!list.hidden) {
            event.preventDefault();
            close();
          } else if (input.value) {
            event.preventDefault();
            input.value = "";
          }
          break;
        case "Tab":
          close();
          break;
      }
    });

    // A form submitted by Enter while an IME was composing would search for a fragment.
    form.addEventListener("submit", function (event) {
      if (composing) event.preventDefault();
    });

    // Mouse and touch: keep focus in the box while choosing. Hover only paints (CSS); the
    // keyboard selection stays where the keyboard put it.
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var li = event.target.closest("[role=option]");
      if (!li) return;
      choose(options.findIndex(function (o) { return o.el === li; }));
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });
    input.addEventListener("focus", function () { if (options.length && longEnough(input.value)) open(); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[role=search]"), enhance);
})();
