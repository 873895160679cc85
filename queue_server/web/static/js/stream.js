// The server's event stream (Server-Sent Events) for a page that must never miss or
// repeat an event: it resumes after every disconnect with Last-Event-ID, and drops any
// event id it has already handed over.
//
//   const stream = new EventStream("/api/v1/events?site=1&kinds=ticket.,counter.", {
//     lastEventId: snapshot.last_event_id,       // start right after the snapshot
//     onEvent: (event) => ...,                    // {id, kind, site_id, at, ticket_id, counter_id, data}
//     onStatus: (status, detail) => ...,          // "connecting" | "live" | "reconnecting" | "stale"
//   });                                           //   | "unauthorized"
//   stream.start();
//
// Read with fetch() rather than EventSource so the page controls the reconnection: the
// Last-Event-ID header is sent explicitly on every attempt (also after an HTTP error,
// where EventSource gives up for good), and a connection silent for longer than the
// server's keep-alive period (15 s) is treated as dead and replaced.
//
// "live" is said only once the server's ": ready" comment arrives, half a second after its
// first bytes and in a write of its own: a proxy that passes the first bytes and then holds
// the stream in a buffer (or compresses it) would otherwise look live while nothing comes.
// Without it `staleMs` after asking, the status is "stale" (the page says it may be out of date);
// events that do come through are still handed over.

const SEEN_LIMIT = 5000;

export class EventStream {
  constructor(url, { lastEventId = null, onEvent = () => {}, onStatus = () => {}, idleMs = 40000,
    staleMs = 5000, minDelayMs = 500, maxDelayMs = 5000 } = {}) {
    this.url = url;
    this.lastEventId = lastEventId;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.idleMs = idleMs;
    this.staleMs = staleMs;
    this.minDelayMs = minDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.seen = new Set();
    this.seenOrder = [];
    this.stopped = true;
    this.controller = null;
    this.connects = 0;
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this._loop();
  }

  stop() {
    this.stopped = true;
    if (this.controller) this.controller.abort();
  }

  // Remember ids handed over by other means (e.g. calls already in a snapshot).
  markSeen(id) {
    if (id === null || id === undefined || this.seen.has(id)) return;
    this.seen.add(id);
    this.seenOrder.push(id);
    if (this.seenOrder.length > SEEN_LIMIT) this.seen.delete(this.seenOrder.shift());
  }

  async _loop() {
    let delay = this.minDelayMs;
    while (!this.stopped) {
      this.onStatus(this.connects ? "reconnecting" : "connecting");
      const controller = new AbortController();
      this.controller = controller;
      let idleTimer = null;
      const kick = () => {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => controller.abort(), this.idleMs);
      };
      let gotStream = false;
      let staleTimer = null;
      try {
        const headers = { Accept: "text/event-stream" };
        if (this.lastEventId !== null && this.lastEventId !== undefined) {
          headers["Last-Event-ID"] = String(this.lastEventId);
        }
        kick();
        staleTimer = setTimeout(() => this.onStatus("stale"), this.staleMs);
        const res = await fetch(this.url, { headers, cache: "no-store", credentials: "same-origin",
          signal: controller.signal });
        if (res.status === 401) {
          this.onStatus("unauthorized");
          this.stopped = true;
          break;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        gotStream = true;
        delay = this.minDelayMs;
        let live = false;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          kick();
          buffer += value.replace(/\r\n?/g, "\n");
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (!live && (block.startsWith(": ready") || block.startsWith(": keep-alive"))) {
              live = true;
              clearTimeout(staleTimer);
              this.connects += 1;
              this.onStatus("live");
            }
            this._block(block);
          }
        }
      } catch (err) {
        // network error, server gone, idle timeout: reconnect below
      } finally {
        clearTimeout(idleTimer);
        clearTimeout(staleTimer);
      }
      if (this.stopped) break;
      this.onStatus("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (!gotStream) delay = Math.min(delay * 2, this.maxDelayMs);
    }
  }

  _block(block) {
    let id = null;
    const data = [];
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "id") id = value;
      else if (field === "data") data.push(value);
    }
    if (!data.length) return;
    let event;
    try {
      event = JSON.parse(data.join("\n"));
    } catch (err) {
      return;
    }
    const eventId = id !== null ? Number(id) : event.id;
    if (eventId !== null && eventId !== undefined && !Number.isNaN(eventId)) {
      this.lastEventId = eventId;
      if (this.seen.has(eventId)) return;
      this.markSeen(eventId);
    }
    try {
      this.onEvent(event);
    } catch (err) {
      console.error("event handler failed", err);
    }
  }
}
