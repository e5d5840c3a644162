"""Waiting for background work in the tests: read again until the answer says it is finished, or time runs out."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll(read: Callable[[], T], finished: Callable[[T], bool], timeout: float, interval: float = 0.2) -> T:
    """``read()`` every ``interval`` seconds until ``finished`` says yes of its answer or ``timeout`` has passed:
    the last answer (the caller's assertion then says what it was)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = read()
        if finished(answer) or time.monotonic() > deadline:
            return answer
        time.sleep(interval)


def json_of(client, url: str) -> dict:
    """A page's JSON answer through Flask's test client (the JSON form of a submission, job or print)."""
    return client.get(url, headers={"Accept": "application/json"}).get_json()
