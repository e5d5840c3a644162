"""Views parse, call and render: no blueprint module (nor the web modules) builds a query or writes.

Reads belong in the feature's ``queries.py``, writes in its operations, and the request commits once
(``lms/db.py``). Checked on the syntax tree, so a comment or a string that mentions ``select(`` is
no offence, and ``response.vary.add(...)`` (a set) is not a session write.
"""
from __future__ import annotations

import ast
from pathlib import Path

LMS = Path(__file__).resolve().parents[2] / "lms"
#: sqlalchemy statement builders: a view that calls one is building a query
STATEMENTS = {"select", "insert", "update", "delete"}
#: session methods that write or end the request's transaction
WRITES = {"add", "add_all", "delete", "commit", "flush", "merge"}
SESSION_NAMES = {"sess", "session", "db_session"}


def _is_session(node: ast.expr) -> bool:
    """``sess``, ``session``, ``db.session()``, ``x.session`` or ``g.lms_session``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id in SESSION_NAMES
    return isinstance(node, ast.Attribute) and (node.attr in SESSION_NAMES or node.attr.endswith("_session"))


def offences(source: str) -> list[str]:
    """``line: call`` for each query built or session write in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in STATEMENTS:
            found.append(f"{node.lineno}: {func.id}(")
        elif isinstance(func, ast.Attribute) and func.attr in STATEMENTS and not _is_session(func.value):
            found.append(f"{node.lineno}: .{func.attr}(")  # sqlalchemy.select(...), sa.delete(...)
        elif isinstance(func, ast.Attribute) and func.attr in WRITES and (
                _is_session(func.value) or func.attr in ("commit", "flush", "delete")):
            found.append(f"{node.lineno}: .{func.attr}(")
    return sorted(found, key=lambda item: int(item.split(":")[0]))


def view_modules() -> list[Path]:
    return sorted([*LMS.rglob("blueprint.py"), LMS / "web.py", LMS / "web_helpers.py"])


def test_no_view_module_builds_a_query_or_writes():
    found = {path.relative_to(LMS).as_posix(): offences(path.read_text(encoding="utf-8")) for path in view_modules()}
    found = {name: lines for name, lines in found.items() if lines}
    assert not found, "move these into the feature's queries.py or operations:\n" + "\n".join(
        f"lms/{name}: {', '.join(lines)}" for name, lines in found.items())


def test_the_check_sees_what_it_forbids():
    source = """
from sqlalchemy import select
import sqlalchemy as sa
def view():
    sess = db.session()
    sess.scalar(select(User))
    sa.delete(User)
    db.session().add(row)
    sess.delete(row)
    sess.commit()
    response.vary.add("Accept-Encoding")  # a set, not a session
    ops.select_certificates(sess, sel)    # an operation whose name starts with select
    text = "select( in a string"
"""
    assert offences(source) == ["6: select(", "7: .delete(", "8: .add(", "9: .delete(", "10: .commit("]


def test_every_feature_blueprint_is_checked():
    names = {path.parent.name for path in view_modules() if path.name == "blueprint.py"}
    assert {"accounts", "admin", "assignments", "catalog", "certificates", "teach"} <= names
