"""Parse course.yaml safely: no aliases, bounded size and depth, every mapping remembers its lines.

Pure: no Flask, no database. Course files come from many hands (a git repository, an upload of a
folder): a 'billion laughs' of anchors and aliases, or thousands of nested brackets, must end in one
clear error naming file and line, not in gigabytes of memory or a RecursionError that stops the sync.
"""
from __future__ import annotations

import yaml
from yaml.composer import ComposerError
from yaml.nodes import ScalarNode, SequenceNode

MAX_YAML_BYTES = 512 * 1024  # the largest real course.yaml is under 10 KB
MAX_DEPTH = 32  # the deepest real value (a requirement's list of dimensions) is 7 levels down
#: Keys whose values are names, read as the text written: YAML 1.1 reads an unquoted ``off`` as false.
NAME_LIST_KEYS = ("formats",)


class LineMap(dict):
    """A mapping that remembers the line of itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict


class CourseYamlLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases, bounds nesting, and records lines."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if self.check_event(yaml.AliasEvent):
            raise ComposerError(None, None, "aliases (*name) are not allowed in course files; write the value out",
                                event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(None, None, f"values are nested more than {MAX_DEPTH} levels deep",
                                    event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        mapping = LineMap(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node)
            mapping.key_lines[key] = key_node.start_mark.line + 1
            if key in NAME_LIST_KEYS:
                mapping[key] = _as_written(value_node, mapping[key])
        return mapping


CourseYamlLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, lambda loader, node: loader.construct_mapping(node))


def _as_written(node, constructed):
    """A scalar or a list of scalars as their text (``off`` stays 'off'); anything else as YAML made it."""
    if isinstance(node, ScalarNode):
        return node.value
    if isinstance(node, SequenceNode) and all(isinstance(item, ScalarNode) for item in node.value):
        return [item.value for item in node.value]
    return constructed


class YamlLimitError(ValueError):
    def __init__(self, line: int | None, message: str):
        self.line, self.message = line, message
        super().__init__(message)


def parse_course_yaml(raw: bytes):
    """The document in ``raw``; YamlLimitError(line, message) when it is too large, not UTF-8 or not valid."""
    if len(raw) > MAX_YAML_BYTES:
        raise YamlLimitError(None, f"course.yaml is larger than {MAX_YAML_BYTES // 1024} KB")
    try:
        return yaml.load(raw.decode("utf-8"), Loader=CourseYamlLoader)  # safe: a SafeLoader subclass
    except UnicodeDecodeError as exc:
        raise YamlLimitError(None, f"not UTF-8 text: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise YamlLimitError(mark.line + 1 if mark else None, f"invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    except ValueError as exc:  # a date YAML recognises but the calendar has not, such as 2027-06-31
        raise YamlLimitError(None, f"a date must be a date like 2027-06-30: {exc}") from exc
