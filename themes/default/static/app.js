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

  // Typeahead: the WAI-ARIA 1.2 combobox pattern with a listbox popup.
  function enhance(form, formIndex) {
    var input = form.querySelector("input[type=search]");
    if (!input || !window.fetch || !window.AbortController) return;
    var locale = document.documentElement.lang || "en";
    var listId = "hc-suggest-" + formIndex;
    var searchFor = form.getAttribute("data-search-for") || "Search for \u201c{q}\u201d";

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

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      if (!options.length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

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
      response.suggestions.forEach(function (s) {
        if (s.kind === "article") {
          var sub = s.highlight.replace(/<\/?mark>/g, "") === s.title ? "" : '<span class="combo-sub">' + escapeHtml(s.title) + "</span>";
          addOption('<span class="combo-main">' + s.highlight + "</span>" + sub, s);
        } else if (s.kind === "query") {
          addOption('<span class="combo-main combo-query-text">' + escapeHtml(s.text) + "</span>", s);
        }
      });
      addOption('<span class="combo-main">' + escapeHtml(searchFor).replace("{q}", "<strong>" + escapeHtml(query) + "</strong>") + "</span>", { kind: "search", text: query });
      open();
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
          if (!data || mine !== sequence || input.value !== query) return;
          searchId = data.search_id || null;
          render(data, query);
        })
        .catch(function () { /* aborted or offline: the plain form still works */ });
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

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var query = input.value;
      if (!query.trim()) {
        sequence++;
        close();
        return;
      }
      timer = window.setTimeout(function () { fetchSuggestions(query); }, DEBOUNCE_MS);
    });

    input.addEventListener("keydown", function (event) {
      var count = options.length;
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (list.hidden) {
            if (count) { open(); setActive(0); } else if (input.value.trim()) { fetchSuggestions(input.value); }
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

    // Mouse and touch: keep focus in the box while choosing.
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var li = event.target.closest("[role=option]");
      if (!li) return;
      choose(options.findIndex(function (o) { return o.el === li; }));
    });
    list.addEventListener("mousemove", function (event) {
      var li = event.target.closest("[role=option]");
      if (li) setActive(options.findIndex(function (o) { return o.el === li; }));
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });
    input.addEventListener("focus", function () { if (options.length && input.value.trim()) open(); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[role=search]"), enhance);
})();
