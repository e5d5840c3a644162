"""A small OctoPrint REST client (``X-Api-Key``). Pure: no Flask.

Every failure is an OctoPrintError with a ``kind`` the job states are made of: ``unreachable``,
``auth`` (wrong key: 403, or 400 on uploads), ``offline`` (printer not connected), ``busy``
(printing something else), ``rejected`` (any other refusal).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import requests

TIMEOUT = (3.05, 30)  # connect, read (an upload of a large G-code needs the read time)


class OctoPrintError(Exception):
    def __init__(self, kind: str, detail: str = ""):
        super().__init__(f"{kind}: {detail}"[:500])
        self.kind, self.detail = kind, detail[:500]


@dataclass
class JobStatus:
    state: str  # OctoPrint's own words: Operational, Printing, Paused, Cancelling, Offline, Error...
    file_name: str | None
    progress: float | None  # percent
    time_left_s: int | None

    @property
    def printing(self) -> bool:
        return self.state.startswith(("Printing", "Paused", "Pausing", "Resuming", "Starting"))


class OctoPrint:
    def __init__(self, base_url: str, api_key: str, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.http = session or requests.Session()
        self.http.headers["X-Api-Key"] = api_key

    def _request(self, method: str, path: str, **kwargs) -> requests.Response:
        try:
            response = self.http.request(method, self.base_url + path, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise OctoPrintError("unreachable", f"{type(exc).__name__}: {exc}") from None
        if response.status_code in (401, 403):
            raise OctoPrintError("auth", f"HTTP {response.status_code}")
        return response

    def connection(self) -> dict:
        response = self._request("GET", "/api/connection")
        _expect(response, 200)
        return response.json().get("current") or {}

    def connect(self, port: str | None = None) -> None:
        """Connect the printer (OctoPrint's configured port when ``port`` is None)."""
        body = {"command": "connect", **({"port": port} if port else {})}
        response = self._request("POST", "/api/connection", json=body)
        _expect(response, 204)

    def job(self) -> JobStatus:
        response = self._request("GET", "/api/job")
        _expect(response, 200)
        data = response.json()
        progress = data.get("progress") or {}
        left = progress.get("printTimeLeft")
        return JobStatus(state=str(data.get("state") or "Unknown"),
                         file_name=((data.get("job") or {}).get("file") or {}).get("name"),
                         progress=progress.get("completion"), time_left_s=int(left) if left is not None else None)

    def upload_and_print(self, gcode: Path, remote_name: str) -> None:
        """Upload the G-code and start it; ``busy`` when OctoPrint stored it but did not start it."""
        with open(gcode, "rb") as fh:
            response = self._request("POST", "/api/files/local", files={"file": (remote_name, fh, "text/x-gcode")},
                                     data={"select": "true", "print": "true"})
        if response.status_code == 400 and "key" in response.text.lower():
            raise OctoPrintError("auth", "HTTP 400 (API key)")
        if response.status_code == 409:
            raise OctoPrintError("busy", response.text[:200])
        _expect(response, 201)
        if not response.json().get("effectivePrint", False):
            raise OctoPrintError("busy", "uploaded but not started: the printer is busy or not ready")

    def cancel(self) -> None:
        response = self._request("POST", "/api/job", json={"command": "cancel"})
        if response.status_code == 409:  # nothing is printing: already stopped
            return
        _expect(response, 204)

    def command(self, *lines: str) -> None:
        response = self._request("POST", "/api/printer/command", json={"commands": list(lines)})
        _expect(response, 204)


def _expect(response: requests.Response, status: int) -> None:
    if response.status_code == status:
        return
    if response.status_code == 409:
        raise OctoPrintError("offline", response.text[:200])
    raise OctoPrintError("rejected", f"HTTP {response.status_code}: {response.text[:200]}")
