"""Web pages for clerks, hall displays and supervisors (HTML + small JS, no build step)."""
