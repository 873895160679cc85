// Service worker of the phone page (/t/...): it exists so that browsers which show system
// notifications only through a service worker (Chrome on Android) can show "your turn".
// It caches nothing; a tap on the notification brings the ticket's page back.

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    const open = windows.find((w) => w.url === url) || windows[0];
    if (open) return open.focus();
    return self.clients.openWindow(url);
  })());
});
