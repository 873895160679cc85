"""The Kivy touchscreen kiosk; reaches the queue server over HTTP only (kiosk.client)."""
