// Queue mode (docs/SCALING.md): the workers and the backlog in the top bar, from the coordinator's
// retained `notification/queue` event. Hidden in single-process mode (the event never comes).

/** Show `data` ({workers: [{name, alive, load, concurrency}], pending, lag, dead, paused}) in `el`. */
export function showQueueStatus(el, data) {
  if (!el || !data || !Array.isArray(data.workers)) return;
  const alive = data.workers.filter((w) => w.alive);
  const load = alive.reduce((n, w) => n + (w.load || 0), 0);
  const slots = alive.reduce((n, w) => n + (w.concurrency || 0), 0);
  // waiting: entries no worker has taken (lag), and taken ones beyond what the live workers are running
  // (those of a worker that died, until they are reclaimed)
  const waiting = (data.lag || 0) + Math.max(0, (data.pending || 0) - load);
  const parts = [`${alive.length} worker${alive.length === 1 ? "" : "s"} (${load}/${slots} busy)`, `${waiting} waiting`];
  if (data.dead) parts.push(`${data.dead} dead`);
  if (data.paused) parts.push("triggers paused");
  el.textContent = `queue: ${parts.join(" · ")}`;
  el.title = data.workers
    .map((w) => `${w.name}: ${w.alive ? `${w.load}/${w.concurrency} busy` : "not answering"}`)
    .join("\n");
  el.dataset.queueWorkers = String(alive.length);
  el.dataset.state = alive.length === 0 ? "down" : data.dead || data.paused ? "warn" : "ok";
  el.hidden = false;
}
