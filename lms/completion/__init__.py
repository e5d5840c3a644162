"""Course completion: the rules (a registry of small functions), the records, and the signal sent after
a completion is committed (certificates listen to it).

    progress_changed(sess, user, course)   after a lesson is done or an assignment accepted
    record_completion(...)                 by the rule or by hand; written once
    remaining_needs(sess, user, course)    what is still needed: lessons, assignments, printed parts, score
    completion_recorded                    blinker signal, sent after the commit with ``completion_ids``
"""
from __future__ import annotations

from lms.completion.panels import dashboard_panels
from lms.completion.records import (
    Remaining,
    completion_status,
    evaluate_completion,
    progress_changed,
    record_completion,
    remaining_needs,
)
from lms.completion.rules import RULES, completion_rule
from lms.completion.signals import completion_recorded

__all__ = ["RULES", "Remaining", "completion_recorded", "completion_rule", "completion_status", "dashboard_panels",
           "evaluate_completion", "progress_changed", "record_completion", "remaining_needs"]
