// Small progressive enhancements; pages work without this file.

// The typeahead: a WAI-ARIA 1.2 combobox. The input (role=combobox, [data-typeahead])
// fetches its options through htmx into the listbox it controls (aria-controls);
// ArrowDown and ArrowUp move the active option (aria-activedescendant), Enter opens
// it, Escape closes the list. The options hold no links: a click or Enter follows
// the option's data-href.
(() => {
  const listOf = (input) => document.getElementById(input.getAttribute("aria-controls"));
  const options = (list) => Array.from(list.querySelectorAll('[role="option"]'));

  function close(input) {
    const list = listOf(input);
    if (!list) return;
    list.hidden = true;
    list.innerHTML = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function activate(input, index) {
    const list = listOf(input);
    const all = options(list);
    all.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (index < 0) {
      input.removeAttribute("aria-activedescendant");
      return;
    }
    input.setAttribute("aria-activedescendant", all[index].id);
    all[index].scrollIntoView({ block: "nearest" });
  }

  function follow(option) {
    if (option && option.dataset.href) window.location.assign(option.dataset.href);
  }

  document.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!input.matches || !input.matches("[data-typeahead]")) return;
    const list = listOf(input);
    const open = list && !list.hidden;
    const all = open ? options(list) : [];
    const current = all.findIndex((o) => o.getAttribute("aria-selected") === "true");
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!all.length) return;
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      activate(input, (current + step + all.length + (current < 0 && step < 0 ? 1 : 0)) % all.length);
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();
      follow(all[current]);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close(input);
    }
  });
  document.addEventListener("input", (event) => {
    if (event.target.matches && event.target.matches("[data-typeahead]")) {
      delete event.target.dataset.typeaheadClosed;
      if (!event.target.value.trim()) close(event.target);
    }
  });
  document.addEventListener("submit", (event) => {
    // A search sent: its list closes, and an answer still on its way is not shown.
    event.target.querySelectorAll("[data-typeahead]").forEach((input) => {
      input.dataset.typeaheadClosed = "1";
      close(input);
    });
  });
  document.addEventListener("htmx:beforeSwap", (event) => {
    const input = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (input && input.matches("[data-typeahead]") && input.dataset.typeaheadClosed) {
      event.detail.shouldSwap = false;
    }
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    const input = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!input || !input.matches("[data-typeahead]")) return;
    const list = listOf(input);
    const all = options(list);
    all.forEach((option, i) => { option.id = `${list.id}-${i}`; });
    list.hidden = all.length === 0;
    input.setAttribute("aria-expanded", String(all.length > 0));
    input.removeAttribute("aria-activedescendant");
  });
  document.addEventListener("click", (event) => {
    const option = event.target.closest && event.target.closest('[role="listbox"] [role="option"]');
    if (option) {
      follow(option);
      return;
    }
    document.querySelectorAll('[data-typeahead][aria-expanded="true"]').forEach((input) => {
      if (event.target !== input) close(input);
    });
  });
})();

// The enterprise search: the form (#search-form) is the one source of truth. Every
// change (a filter, the sort, a page, the query) sends a request built from the form
// as it is at that moment; htmx replaces #search-body with the answer and pushes its
// URL. Only the newest request's answer is shown: a newer request, or going back or
// forward, aborts the one in flight, and an answer that still arrives late is dropped
// (in htmx:beforeSwap), so the page, the form and the URL always agree. The listeners
// are on the document: the controls in #search-body work as soon as it is replaced,
// without waiting for htmx to process the new content.
(() => {
  const FORM = "search-form";
  let latest = null; // the request whose answer may be shown (a search or a history restore)

  function supersede(request) {
    if (latest && latest !== request) latest.abort();
    latest = request;
  }

  let scrollToResults = false; // after the answer: a new page is read from its top

  function search(extra, { scroll = false } = {}) {
    const form = document.getElementById(FORM);
    if (!form || !window.htmx) return false;
    scrollToResults = scroll;
    supersede(null);
    // An aborted request rejects the promise; htmx has logged it already.
    htmx.ajax("GET", form.action, { source: form, values: extra }).catch(() => {});
    return true;
  }

  document.addEventListener("change", (event) => {
    const control = event.target;
    // The query box is applied by submitting (Enter or the button), not on leaving it.
    if (control.form && control.form.id === FORM && control.type !== "search") search();
  });
  document.addEventListener("submit", (event) => {
    if (event.target.id === FORM && search()) event.preventDefault();
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("#search-body a[data-page]");
    // A new tab or window, a download: the link's own address does.
    const modified = event.metaKey || event.ctrlKey || event.shiftKey || event.altKey;
    if (event.button !== 0 || modified) return;
    if (link && search({ page: link.dataset.page }, { scroll: true })) event.preventDefault();
    // An active filter's chip (or "clear all"): the form drops it, then searches.
    const chip = event.target.closest && event.target.closest("#search-body [data-remove], #search-body [data-clear-filters]");
    const form = document.getElementById(FORM);
    if (!chip || !form || !window.htmx) return;
    event.preventDefault();
    const names = chip.hasAttribute("data-clear-filters") ? null : chip.dataset.remove.split(" ");
    for (const control of Array.from(form.elements)) {
      if (!control.name || control.name === "q" || control.name === "sort" || control.name === "page_size") continue;
      if (names && !names.includes(control.name)) continue;
      if (names && chip.dataset.value !== undefined && control.value !== chip.dataset.value && control.type === "checkbox") continue;
      if (control.type === "checkbox") control.checked = false;
      else if (control.tagName === "SELECT") control.value = "";
      else if (control.type === "hidden") control.disabled = true;
    }
    search();
  });
  // Empty fields are not sent: the address holds no "q=&updated=" (the server
  // also pushes its tidy form of the address, HX-Push-Url).
  document.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.elt.id !== FORM || !event.detail.formData) return;
    const data = event.detail.formData;
    for (const key of new Set(data.keys())) {
      const values = data.getAll(key).filter((v) => v !== "");
      data.delete(key);
      values.forEach((v) => data.append(key, v));
    }
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    const config = event.detail.requestConfig;
    if (!config || config.elt.id !== FORM) return;
    const count = document.getElementById("result-count");
    const status = document.getElementById("search-status");
    if (count && status) status.textContent = count.textContent.trim();
    if (scrollToResults) {
      scrollToResults = false;
      const results = document.getElementById("results");
      const list = document.getElementById("result-list");
      if (results) results.scrollIntoView({ block: "start" });
      if (list) list.focus({ preventScroll: true });
    }
  });
  document.addEventListener("htmx:beforeSend", (event) => {
    if (event.detail.elt.id === FORM) supersede(event.detail.xhr);
  });
  document.addEventListener("htmx:beforeSwap", (event) => {
    const config = event.detail.requestConfig;
    if (config && config.elt.id === FORM && event.detail.xhr !== latest) {
      event.detail.shouldSwap = false; // an older search's answer, come in late
    }
  });
  // Back or forward: the history entry's page is loaded (or taken from htmx's cache) instead.
  document.addEventListener("htmx:historyCacheMiss", (event) => supersede(event.detail.xhr));
  document.addEventListener("htmx:historyCacheHit", () => supersede(null));
})();

// The language switch returns to the page as it is now: its address may have changed
// (htmx pushed the search's state) since the page was loaded.
document.addEventListener("submit", (event) => {
  const next = event.target.matches(".lang-switch") && event.target.elements.next;
  if (next) next.value = window.location.pathname + window.location.search;
});

// After a failed submit the error summary takes the focus, so it is seen and read.
// Its links move the focus to their field and show the field's label with it (a
// plain jump to the anchor would leave the label above the top of the screen).
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
});
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
  if (!link) return;
  const target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
  if (!target || target.type === "hidden") return;
  event.preventDefault();
  const group = target.closest(".field, fieldset, section") || target;
  group.scrollIntoView({ block: "start" });
  target.focus({ preventScroll: true });
});

// A long facet (cities, counties, markets) gets a box that narrows its options,
// those under "More" too. Without this file the box stays hidden and all are listed.
(() => {
  const show = (root) => root.querySelectorAll("[data-facet-filter]").forEach((box) => { box.hidden = false; });
  document.addEventListener("DOMContentLoaded", () => show(document));
  document.addEventListener("htmx:afterSettle", () => show(document));
  document.addEventListener("input", (event) => {
    const box = event.target;
    if (!box.matches || !box.matches("[data-facet-filter]")) return;
    const fieldset = box.closest("fieldset");
    const wanted = box.value.trim().toLowerCase();
    let shown = 0;
    fieldset.querySelectorAll(".facet-list label").forEach((label) => {
      const match = !wanted || label.textContent.toLowerCase().includes(wanted);
      label.hidden = !match;
      if (match) shown += 1;
    });
    const more = fieldset.querySelector("details");
    if (more && wanted) more.open = true;
    const empty = fieldset.querySelector("[data-facet-empty]");
    if (empty) empty.hidden = shown > 0;
  });
  document.addEventListener("keydown", (event) => {
    // Enter in the box narrows, it does not send the search.
    if (event.key === "Enter" && event.target.matches && event.target.matches("[data-facet-filter]")) {
      event.preventDefault();
    }
    // Escape closes the phone's filter drawer.
    const toggle = document.getElementById("filters-toggle");
    if (event.key === "Escape" && toggle && toggle.checked && !event.defaultPrevented) {
      toggle.checked = false;
      toggle.focus();
    }
  });
})();
