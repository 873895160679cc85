"""systemd units for a hall, written from its settings and its sites (`motcua deploy systemd`).

System units (copy into /etc/systemd/system/):

- `motcua-server@.service`: the queue server, one instance per port (`motcua-server@8001`),
  restarted always, as the dedicated user `motcua`, with the file system read-only except
  the data directory, no new privileges, private /tmp, no home directories, no devices.
- `motcua-agent.service`: the hall agent (LED boards, keypads, speakers); it needs the
  serial ports and the sound card, so it joins the `dialout` and `audio` groups.
- `motcua.env`: the settings the server instances share (database URL, trusted proxies,
  public address). It may hold a database password: mode 0640, root:motcua.

User units for the PC's graphical session (copy into /etc/systemd/user/, enable for the
auto-login user):

- `motcua-kiosk.service`: the touchscreen app in full screen.
- `motcua-display-hall-<site>.service`: each site's hall screen, Chromium in kiosk mode.
- `motcua-display-counter@.service`: the small screen above counter N (`@N`).
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

# Chromium for an unattended hall screen: full screen, nothing to click away, sound allowed.
CHROMIUM_KIOSK_FLAGS = (
    "--kiosk",                       # full screen, no address bar, no way out by mouse
    "--noerrdialogs",                # no error dialogs over the screen
    "--disable-translate",           # no "translate this page?" bar over Vietnamese
    "--disable-features=Translate",
    "--no-first-run",                # no welcome pages
    "--no-default-browser-check",
    "--disable-session-crashed-bubble",  # no "restore pages?" bubble after a power cut
    "--disable-infobars",
    "--hide-crash-restore-bubble",
    "--autoplay-policy=no-user-gesture-required",  # announcements play without a click
    "--check-for-update-interval=31536000",
    "--disable-component-update",
    "--overscroll-history-navigation=0",
    "--disable-pinch",
    "--password-store=basic",        # no keyring prompt at login
)


@dataclass(frozen=True)
class SiteScreens:
    code: str
    counters: Sequence[int] = ()


@dataclass(frozen=True)
class UnitSettings:
    motcua: Path  # the `motcua` executable of the installation
    data_dir: Path
    ports: Sequence[int]
    host: str = "127.0.0.1"
    public_url: str = "http://127.0.0.1:8000"
    database_url: str = ""
    trusted_proxies: str = ""
    config_file: Path | None = None
    user: str = "motcua"
    chromium: Path = Path("/usr/bin/chromium")
    env_file: Path = Path("/etc/motcua/motcua.env")
    agent_config: Path = Path("/etc/motcua/agent.toml")
    kiosk_token_file: Path = Path("/etc/motcua/kiosk.token")
    sites: Sequence[SiteScreens] = field(default_factory=tuple)


def find_motcua() -> Path:
    """The `motcua` script next to this Python (the venv), else the one on PATH."""
    here = Path(sys.executable).parent / "motcua"
    if here.exists():
        return here.absolute()
    found = shutil.which("motcua")
    return Path(found).absolute() if found else here.absolute()


def slug(text: str) -> str:
    """A unit-name-safe form of a site code ("phường-1" -> "phuong-1")."""
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = folded.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "hall"


def _q(value: object) -> str:
    return shlex.quote(str(value))


def _home_protection(paths: Sequence[Path]) -> str:
    # ProtectHome=yes hides /home, /root and /run/user; an installation living there must
    # stay readable, so it is made read-only instead of invisible.
    homes = ("/home/", "/root/", "/run/user/")
    return "read-only" if any(str(p).startswith(homes) for p in paths) else "yes"


def server_unit(s: UnitSettings) -> str:
    config = f" --config {_q(s.config_file)}" if s.config_file else ""
    instances = " ".join(f"motcua-server@{port}" for port in s.ports)
    return f"""# Motcua queue server, one instance per port: systemctl enable --now {instances}
# Written by `motcua deploy systemd` (docs/deployment.md); the settings the instances share
# are in {s.env_file}.
[Unit]
Description=Motcua queue server (port %i)
Wants=network-online.target
After=network-online.target postgresql.service

[Service]
Type=exec
User={s.user}
Group={s.user}
EnvironmentFile={s.env_file}
ExecStart={s.motcua} serve{config} --data {_q(s.data_dir)} --host {s.host} --port %i
Restart=always
RestartSec=1
TimeoutStopSec=10
# Hardening: nothing but the data directory is writable
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome={_home_protection([s.motcua, s.data_dir])}
PrivateTmp=yes
PrivateDevices=yes
ReadWritePaths={s.data_dir}
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
CapabilityBoundingSet=
UMask=0027

[Install]
WantedBy=multi-user.target
"""


def env_file(s: UnitSettings) -> str:
    lines = ["# Settings shared by every motcua-server@ instance (mode 0640, root:motcua)",
             f"MOTCUA_DATA_DIR={s.data_dir}", f"MOTCUA_PUBLIC_URL={s.public_url}"]
    if s.database_url:
        lines.append(f"MOTCUA_DATABASE_URL={s.database_url}")
    lines.append(f"MOTCUA_TRUSTED_PROXIES={s.trusted_proxies}")
    return "\n".join(lines) + "\n"


def agent_unit(s: UnitSettings) -> str:
    return f"""# Motcua hall agent: LED boards above the counters, clerks' keypads, the hall's speakers.
# Its settings (server address, token file, devices) are in {s.agent_config}.
[Unit]
Description=Motcua hall agent (LED displays, keypads, speakers)
Wants=network-online.target
After=network-online.target

[Service]
Type=exec
User={s.user}
Group={s.user}
SupplementaryGroups=dialout audio
ExecStart={s.motcua} agent --config {_q(s.agent_config)}
Restart=always
RestartSec=2
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome={_home_protection([s.motcua])}
PrivateTmp=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
LockPersonality=yes
SystemCallArchitectures=native

[Install]
WantedBy=multi-user.target
"""


def kiosk_unit(s: UnitSettings) -> str:
    return f"""# Motcua kiosk app in the graphical session of the kiosk PC's auto-login user.
# systemctl --global enable motcua-kiosk (copied into /etc/systemd/user/)
[Unit]
Description=Motcua kiosk (touchscreen)
PartOf=graphical-session.target
After=graphical-session.target

[Service]
Type=exec
ExecStart={s.motcua} kiosk --server {s.public_url} --token-file {_q(s.kiosk_token_file)} --fullscreen
Restart=always
RestartSec=2

[Install]
WantedBy=graphical-session.target
"""


def display_unit(s: UnitSettings, name: str, url: str, title: str) -> str:
    flags = " \\\n    ".join(CHROMIUM_KIOSK_FLAGS)
    return f"""# {title}: Chromium in kiosk mode in the graphical session of the display PC's user.
[Unit]
Description={title}
PartOf=graphical-session.target
After=graphical-session.target

[Service]
Type=exec
ExecStart={s.chromium} \\
    {flags} \\
    --user-data-dir=%h/.local/share/{name} \\
    {url}
Restart=always
RestartSec=2

[Install]
WantedBy=graphical-session.target
"""


def render(s: UnitSettings) -> dict[str, str]:
    """File name (relative to the output directory) -> text."""
    if not s.ports:
        raise ValueError("at least one server port")
    base = s.public_url.rstrip("/")
    files = {
        "motcua-server@.service": server_unit(s),
        "motcua.env": env_file(s),
        "motcua-agent.service": agent_unit(s),
        "user/motcua-kiosk.service": kiosk_unit(s),
        "user/motcua-display-counter@.service": display_unit(
            s, "motcua-display-counter-%i", f"{base}/display/counter/%i", "Motcua counter display %i"),
    }
    sites = s.sites or (SiteScreens(code=""),)
    for site in sites:
        name = f"motcua-display-hall-{slug(site.code)}" if site.code else "motcua-display-hall"
        # URL-encoded, and % doubled: systemd reads %x as a specifier
        url = f"{base}/display/hall" + (f"?site={quote(site.code, safe='')}".replace("%", "%%") if site.code else "")
        files[f"user/{name}.service"] = display_unit(s, name, url, f"Motcua hall display {site.code}".rstrip())
    return files
