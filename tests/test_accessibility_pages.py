"""Every kind of page and the role that sees it: the accessibility and language tests read this one list."""
from __future__ import annotations

from tests.world import C, L, T

LEARNER, INSTRUCTOR, ADMIN = "learner@example.org", "instructor@fablab.kg", "admin@example.org"
PAGES = {  # kind: (who, url template)
    "catalogue": (None, "/courses/"),
    "course": (LEARNER, f"/courses/{C}/"),
    "lesson": (LEARNER, f"/courses/{C}/lessons/{L}/"),
    "dashboard": (LEARNER, "/dashboard/"),
    "assignment": (LEARNER, f"/courses/{T}/assignments/cube/"),
    "submission": (LEARNER, "/submissions/{sid}/"),
    "grading queue": (INSTRUCTOR, f"/teach/{T}/grading/?filter=all"),
    "grading page": (INSTRUCTOR, "/teach/submissions/{sid}/grade"),
    "progress table": (INSTRUCTOR, f"/teach/{T}/"),
    "admin users": (ADMIN, "/admin/users/"),
    "admin certificates": (ADMIN, "/admin/certificates/"),
    "my certificates": (LEARNER, "/certificates/"),
    "verify": (None, "/verify/{cert_code}"),
    "login": (None, "/login"),
    "register": (None, "/register"),
}
