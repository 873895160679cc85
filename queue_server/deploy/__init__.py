"""Putting a hall into service: systemd units and the nginx configuration written from the
hall's settings (`motcua deploy`), and `motcua doctor`, which checks a hall's setup."""
