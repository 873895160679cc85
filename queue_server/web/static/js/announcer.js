// Plays call announcements one after another, never overlapping, from the server's
// audio endpoint (/api/v1/announcements/<lang>/<code>/<counter>.wav).
//
// Browsers refuse to start sound before the person in front of the screen has touched
// the page (autoplay policy). When that happens the announcer says so through
// onBlocked(true); the page shows a "bấm để bật âm thanh" prompt and calls unlock() from
// the click, and the calls still waiting are then played, but only those still worth
// saying: each announcement carries `stillCurrent()` (is that ticket still called at that
// counter?) and the time of its call; one no longer current, or older than maxAgeMs by the
// server's clock, is dropped rather than spoken late. The same ticket at the same counter is
// said once per repeatGapMs, however many recalls arrive in that time.

// 10 ms of silence, played to learn (or, inside a click, to earn) the right to play sound.
const SILENT_WAV = "data:audio/wav;base64,UklGRsQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YaAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

export class Announcer {
  constructor({ langs = ["vi"], muted = false, maxAgeMs = 60000, repeatGapMs = 5000, itemTimeoutMs = 30000,
    now = () => Date.now(), onBlocked = () => {}, onPlay = () => {} } = {}) {
    this.langs = langs;
    this.muted = muted;
    this.maxAgeMs = maxAgeMs;
    this.repeatGapMs = repeatGapMs;
    this.now = now;
    this.lastSaid = new Map(); // "code@counter" -> when it was last queued
    this.itemTimeoutMs = itemTimeoutMs;
    this.onBlocked = onBlocked;
    this.onPlay = onPlay;
    this.queue = [];
    this.playing = false;
    this.blocked = false;
    this.audio = new Audio();
    this.audio.preload = "auto";
    this.played = 0;
  }

  // Queue the announcement of `code` at `counter` in every language of this screen.
  // `at`: when the call happened (ms, server clock); `stillCurrent()`: asked again just
  // before speaking.
  announce(code, counter, { at = this.now(), stillCurrent = () => true } = {}) {
    if (this.muted || !code || counter === null || counter === undefined) return;
    if (!this._fresh(at)) return;
    const key = `${code}@${counter}`;
    const last = this.lastSaid.get(key);
    if (last !== undefined && this.now() - last < this.repeatGapMs) return; // a burst of recalls: once
    if (this.queue.some((item) => item.key === key)) return;
    this.lastSaid.set(key, this.now());
    for (const lang of this.langs) {
      const url = `/api/v1/announcements/${encodeURIComponent(lang)}/${encodeURIComponent(code)}/${encodeURIComponent(counter)}.wav`;
      this.queue.push({ url, code, counter, lang, at, key, stillCurrent });
    }
    this._next();
  }

  _fresh(at) {
    return this.now() - at < this.maxAgeMs;
  }

  _worthSaying(item) {
    return this._fresh(item.at) && item.stillCurrent();
  }

  setMuted(muted) {
    this.muted = muted;
    if (muted) {
      this.queue = [];
      if (this.playing) {
        this.audio.pause();
        this.audio.removeAttribute("src");
        if (this.audio.onended) this.audio.onended();
      }
    }
  }

  // Call from a click or key press: the browser then lets this page play sound.
  unlock() {
    // A silent WAV played inside the gesture marks the page as allowed to play audio.
    const probe = new Audio(SILENT_WAV);
    const go = () => {
      this.blocked = false;
      this.onBlocked(false);
      this._next();
    };
    probe.play().then(go, go);
  }

  // Ask the browser whether sound may start now; shows the prompt when it may not.
  async probe() {
    if (this.muted) return true;
    if (navigator.getAutoplayPolicy) {
      try {
        const policy = navigator.getAutoplayPolicy("mediaelement");
        if (policy !== "allowed") {
          this._setBlocked(true);
          return false;
        }
        return true;
      } catch (err) { /* fall through to a silent play */ }
    }
    const silent = new Audio(SILENT_WAV);
    try {
      await silent.play();
      return true;
    } catch (err) {
      if (err && err.name === "NotAllowedError") {
        this._setBlocked(true);
        return false;
      }
      return true;
    }
  }

  _setBlocked(blocked) {
    if (this.blocked === blocked) return;
    this.blocked = blocked;
    this.onBlocked(blocked);
  }

  _next() {
    if (this.playing || this.blocked || this.muted) return;
    while (this.queue.length && !this._worthSaying(this.queue[0])) this.queue.shift();
    const item = this.queue.shift();
    if (!item) return;
    this.playing = true;
    const audio = this.audio;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(guard);
      audio.onended = audio.onerror = null;
      this._done();
    };
    const guard = setTimeout(finish, this.itemTimeoutMs);
    audio.onended = finish;
    audio.onerror = finish;
    audio.src = item.url;
    this.onPlay(item);
    const started = audio.play();
    if (started && started.catch) {
      started.catch((err) => {
        if (finished) return;
        if (err && err.name === "NotAllowedError") {
          finished = true;
          clearTimeout(guard);
          audio.onended = audio.onerror = null;
          this.queue.unshift(item);
          this.playing = false;
          this._setBlocked(true);
          return;
        }
        finish();
      });
    }
  }

  _done() {
    this.playing = false;
    this.played += 1;
    setTimeout(() => this._next(), 0);
  }
}
