// The live queue: when the server says the queue changed, fetch the rows again and swap them in
// place (no reload), marking requests that were not there before.
(function () {
  "use strict";
  const holder = document.getElementById("queue");
  if (!holder || !window.EventSource) return;

  function ids(root) {
    return new Set(Array.from(root.querySelectorAll("tr[data-id]"), (row) => row.dataset.id));
  }

  let signature = holder.dataset.signature || "";
  let known = ids(holder);
  let source = null;
  let busy = false;

  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const response = await fetch("/dashboard/queue/rows" + window.location.search, {
        headers: { Accept: "text/html" },
        credentials: "same-origin",
      });
      if (response.status === 401) {
        window.location.assign("/dashboard/login?next=" + encodeURIComponent(window.location.pathname));
        return;
      }
      if (!response.ok) return;
      const focused = document.activeElement && document.activeElement.closest("tr[data-id]");
      const focusedId = focused ? focused.dataset.id : null;
      holder.innerHTML = await response.text();
      for (const row of holder.querySelectorAll("tr[data-id]")) {
        if (!known.has(row.dataset.id)) row.classList.add("fresh");
      }
      known = ids(holder);
      // Screen readers hear the new summary from a live region that is never replaced.
      const summary = document.getElementById("queue-summary");
      const announce = document.getElementById("queue-announce");
      if (summary && announce) announce.textContent = summary.textContent;
      if (focusedId) {
        const link = holder.querySelector(`tr[data-id="${focusedId}"] a`);
        if (link) link.focus();
      }
      const table = document.getElementById("queue-table");
      if (table) signature = table.dataset.signature || signature;
      document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
    } finally {
      busy = false;
    }
  }

  function listen() {
    source = new EventSource("/dashboard/events?since=" + encodeURIComponent(signature));
    source.addEventListener("queue", (event) => {
      if (event.data !== signature) refresh();
    });
    source.onerror = () => {
      // The browser reconnects by itself. A closed stream may mean the log-in ended: the
      // refresh finds out (and goes to the log-in page), then listening starts again.
      if (source.readyState === EventSource.CLOSED) {
        refresh();
        setTimeout(listen, 3000);
      }
    };
  }
  listen();
  window.addEventListener("beforeunload", () => source && source.close());
})();
