"""A real OctoPrint server with its Virtual Printer, for the lab tests and the bench.

OctoPrint pins Flask < 3.1, so it lives in its own virtual environment (``.venv-octoprint``, made by
``scripts/setup.sh --test``) and we speak HTTP to it only. It refuses to run as root: it runs as
``nobody`` through runuser, from a basedir prepared here (first-run wizard off, an admin user, an
application key in ``data/appkeys/keys.yaml``, the Virtual Printer on and auto-connected).
"""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import requests
import yaml

from tests.processes import stop_process

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("LMS_OCTOPRINT_VENV", ROOT / ".venv-octoprint"))
EXE = VENV / "bin" / "octoprint"
RUN_AS = "nobody"


def available() -> str | None:
    """None when a server can start here, else why not."""
    if not EXE.exists():
        return f"no OctoPrint virtualenv at {VENV} (run: bash scripts/setup.sh --test)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser is missing (OctoPrint refuses to run as root)"
    return None


def _config(port: int) -> dict:
    return {
        "server": {"firstRun": False, "host": "127.0.0.1", "port": port, "onlineCheck": {"enabled": False},
                   "pluginBlacklist": {"enabled": False},
                   "commands": {"serverRestartCommand": "", "systemRestartCommand": "", "systemShutdownCommand": ""}},
        "serial": {"port": "VIRTUAL", "baudrate": 115200, "autoconnect": True},
        "plugins": {"virtual_printer": {"enabled": True}, "tracking": {"enabled": False},
                    "announcements": {"enabled_channels": []}, "softwareupdate": {"check_overlay_urls": []}},
        "api": {"allowCrossOrigin": False},
    }


class OctoPrintServer:
    def __init__(self, port: int):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.api_key = secrets.token_hex(16).upper()
        self.basedir = Path(tempfile.mkdtemp(prefix="lms-octoprint-"))
        self.proc: subprocess.Popen | None = None
        self._prepare()

    def _prepare(self) -> None:
        (self.basedir / "config.yaml").write_text(yaml.safe_dump(_config(self.port)))
        keys = self.basedir / "data" / "appkeys"
        keys.mkdir(parents=True)
        (keys / "keys.yaml").write_text(yaml.safe_dump({"lms": [{"app_id": "lms", "api_key": self.api_key}]}))
        self._chown()
        self._octoprint("user", "add", "lms", "--password", secrets.token_hex(12), "--admin", check=True)

    def _chown(self) -> None:
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", f"{RUN_AS}:", str(self.basedir)], check=True)
            self.basedir.chmod(0o755)

    def _command(self, *args: str) -> list[str]:
        cmd = [str(EXE), "--basedir", str(self.basedir), *args]
        return ["runuser", "-u", RUN_AS, "--", *cmd] if os.geteuid() == 0 else cmd

    def _octoprint(self, *args: str, check: bool = False) -> subprocess.CompletedProcess:
        return subprocess.run(self._command(*args), capture_output=True, text=True, check=check, timeout=120,
                              env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(self.basedir)})

    def start(self, timeout: float = 60) -> OctoPrintServer:
        with open(self.basedir / "serve.log", "ab") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(self._command("serve", "--host", "127.0.0.1", "--port", str(self.port)),
                                         stdout=log, stderr=subprocess.STDOUT,
                                         env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(self.basedir)})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"OctoPrint exited: {(self.basedir / 'serve.log').read_text()[-2000:]}")
            if self._operational():
                return self
            time.sleep(0.5)
        raise RuntimeError("OctoPrint did not become ready in time")

    def _operational(self) -> bool:
        try:
            r = requests.get(f"{self.url}/api/connection", headers={"X-Api-Key": self.api_key}, timeout=2)
        except requests.RequestException:
            return False
        if r.status_code != 200:
            return False
        state = (r.json().get("current") or {}).get("state") or ""
        if state.startswith("Operational"):
            self.fast()
            return True
        if state.startswith("Closed"):
            requests.post(f"{self.url}/api/connection", json={"command": "connect"},
                          headers={"X-Api-Key": self.api_key}, timeout=5)
        return False

    def fast(self) -> None:
        """The Virtual Printer moves at 10 % of real time; M220 S10000 makes a test print take seconds."""
        requests.post(f"{self.url}/api/printer/command", json={"commands": ["M220 S10000"]},
                      headers={"X-Api-Key": self.api_key}, timeout=5)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            stop_process(self.proc, 20)
        self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.basedir, ignore_errors=True)
