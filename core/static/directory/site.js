// Small progressive enhancements; pages work without this file.
document.addEventListener("keydown", (event) => {
  // Escape closes the typeahead.
  if (event.key === "Escape") {
    const box = document.getElementById("site-typeahead");
    if (box) box.innerHTML = "";
  }
});
document.addEventListener("click", (event) => {
  const box = document.getElementById("site-typeahead");
  if (box && !box.contains(event.target) && event.target.id !== "site-q") box.innerHTML = "";
});

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

  function search(extra) {
    const form = document.getElementById(FORM);
    if (!form || !window.htmx) return false;
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
    if (link && search({ page: link.dataset.page })) event.preventDefault();
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
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
});
