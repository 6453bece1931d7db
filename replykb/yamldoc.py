"""One YAML document -> Python data and the position of every key and item, bounded.

PyYAML keeps the last of two equal keys silently, so duplicates are found on the node
tree before it becomes Python data. Aliases are shared nodes in that tree and cost
nothing until something walks them, so their expansion is measured on the tree first
(each distinct node once) and a document whose aliases would expand past
:data:`ALIAS_EXPANSION_LIMIT` values, or that holds an alias inside its own anchor, is
reported at the alias before anything expands it.
"""

from __future__ import annotations

from typing import Any

import yaml

from .locations import Location, Problem
from .models import SourceMap

__all__ = ["ALIAS_EXPANSION_LIMIT", "BOOLEAN_KEY", "parse_yaml"]

# How the problem of a key YAML reads as true/false starts (the loader recognises it).
BOOLEAN_KEY = "YAML reads the key "

# Values that aliases may add to a document beyond those written in it: far above the
# sharing real files do (a signature block reused by a few agents), far below the
# billion of a "billion laughs" document.
ALIAS_EXPANSION_LIMIT = 100_000

# libyaml's parser when PyYAML was built with it: the same nodes and marks, several
# times faster (it is most of a cold start's loading time).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Positions = dict[tuple[str | int, ...], tuple[int, int]]


class _Empty:
    """The marker of a file without a document (empty, or comments only)."""


EMPTY = _Empty()
_FAILED = object()


def parse_yaml(file: str, text: str, problems: list[Problem]) -> tuple[Any, SourceMap] | None:
    """The document in ``text`` (``EMPTY`` when there is none) and where its parts are.

    ``None`` when it cannot be read; the reasons are appended to ``problems``.
    """
    loader = _YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return EMPTY, SourceMap(file=file)
        runaway = _runaway_alias(node, text, file)
        if runaway is not None:
            problems.append(runaway)
            return None
        positions: Positions = {}
        booleans: dict[tuple[str | int, ...], str] = {}
        _record_positions(node, positions, problems, file, booleans)
        data = _construct(loader, node, file, problems)
        if data is _FAILED:
            return None
    except yaml.MarkedYAMLError as error:
        problems.append(_syntax_problem(error, file, text))
        return None
    except yaml.reader.ReaderError as error:
        before = text[: error.position]
        line = before.count("\n") + 1
        column = error.position - (before.rfind("\n") + 1) + 1
        problems.append(
            Problem(
                code="RKB001",
                location=Location(file=file, line=line, column=column),
                message=f"character {_code_point(error.character)} is not allowed in YAML "
                "(a control character or the like); remove it",
            )
        )
        return None
    except yaml.YAMLError as error:
        problems.append(
            Problem(
                code="RKB001",
                location=Location(file=file),
                message=f"YAML error: {error}; check the file's indentation and quoting",
            )
        )
        return None
    except RecursionError:
        # Only the pure-Python parser recurses per level; libyaml stops deep nesting itself.
        problems.append(
            Problem(
                code="RKB001",
                location=Location(file=file),
                message="YAML nested too deeply to read; flatten the structure",
            )
        )
        return None
    finally:
        loader.dispose()
    return data, SourceMap(file=file, positions=positions, booleans=booleans)


def _code_point(character: int | str) -> str:
    # libyaml reports the character as a number, the pure-Python reader as text.
    number = character if isinstance(character, int) else ord(character[:1] or "\0")
    return f"U+{number:04X}"


def _tab_at(text: str, line: int, column: int) -> bool:
    """Whether the error's place is a tab, or a tab indents its line (0-based marks)."""
    lines = text.splitlines()
    if line >= len(lines):
        return False
    written = lines[line]
    indent = written[: len(written) - len(written.lstrip(" \t"))]
    return "\t" in indent or written[column : column + 1] == "\t"


def _syntax_problem(error: yaml.MarkedYAMLError, file: str, text: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if isinstance(error, yaml.composer.ComposerError) and "single document" in str(error.context):
        message = (
            "a second YAML document starts here; a file of the base holds one document: "
            "remove this `---` line and what follows, or move it to a file of its own"
        )
    elif "could not determine a constructor for the tag" in str(error.problem):
        tag = str(error.problem).split("tag", 1)[1].strip(" '")
        tag = tag.replace("tag:yaml.org,2002:", "!!")
        message = (
            f"the YAML tag `{tag}` is not supported in an answer base; remove it, and quote "
            "the value if it is text that starts with !"
        )
    elif "found unhashable key" in str(error.problem):
        message = (
            "a key here is a list or a mapping; a key must be a name (`name: value`): "
            "rewrite this line"
        )
    elif mark is not None and _tab_at(text, mark.line, mark.column):
        message = (
            "YAML syntax error: a tab character here; YAML indents with spaces only: "
            "replace the tab with spaces"
        )
    else:
        reason = " ".join(part for part in (error.context, error.problem) if part)
        if error.context_mark and mark is not error.context_mark:
            reason += f" (it started on line {error.context_mark.line + 1})"
        message = (
            f"YAML syntax error: {reason}; check the indentation, and quote a text that "
            "holds `: `, ` #` or starts with [ { * & ! | > ' \" % @ or a backquote"
        )
    return Problem(
        code="RKB001", location=Location(file=file, line=line, column=column), message=message
    )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _runaway_alias(root: yaml.Node, text: str, file: str) -> Problem | None:
    """A problem at the alias that expands too far or loops; ``None`` for a sane tree."""
    sizes: dict[int, int] = {}  # id(node) -> values it expands to
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    looped = False
    while stack and not looped:
        node, expanded = stack.pop()
        key = id(node)
        if expanded:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in sizes:
            continue
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                looped = True
            elif id(child) not in sizes:
                stack.append((child, False))
    if not looped and sizes[id(root)] - len(sizes) <= ALIAS_EXPANSION_LIMIT:
        return None
    return _locate_alias(text, file) or Problem(
        code="RKB001",
        location=Location(file=file, line=root.start_mark.line + 1),
        message=_ALIAS_TOO_FAR.format(anchor="...", limit=ALIAS_EXPANSION_LIMIT),
    )


_ALIAS_TOO_FAR = (
    "YAML aliases expand too far: `*{anchor}` here takes the file past {limit:,} values "
    "repeated by aliases; write the repeated part out, or nest fewer aliases"
)


def _locate_alias(text: str, file: str) -> Problem | None:
    """Replays the document's events, counting what each alias adds, up to the culprit."""
    written = 0  # values written in the file
    expanded = 0  # values once every alias is expanded
    sizes: dict[str, int] = {}  # finished anchor -> values it expands to
    open_collections: list[tuple[str | None, int]] = []  # (anchor, `expanded` at start)
    for event in yaml.parse(text, Loader=_YAML_LOADER):
        if isinstance(event, yaml.AliasEvent):
            anchor = event.anchor or ""
            mark = event.start_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            where = Location(file=file, line=line, column=column)
            if anchor not in sizes:
                return Problem(
                    code="RKB001",
                    location=where,
                    message=f"YAML alias `*{anchor}` is inside its own anchor `&{anchor}`, "
                    "which makes an endless structure; remove the alias",
                )
            expanded += sizes[anchor]
            if expanded - written > ALIAS_EXPANSION_LIMIT:
                return Problem(
                    code="RKB001",
                    location=where,
                    message=_ALIAS_TOO_FAR.format(anchor=anchor, limit=ALIAS_EXPANSION_LIMIT),
                )
        elif isinstance(event, yaml.ScalarEvent):
            written += 1
            expanded += 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            written += 1
            expanded += 1
            open_collections.append((event.anchor, expanded - 1))
        elif isinstance(event, yaml.CollectionEndEvent):
            opened_as, start = open_collections.pop()
            if opened_as:
                sizes[opened_as] = expanded - start
    return None


_BOOL_TAG = "tag:yaml.org,2002:bool"
_STR_TAG = "tag:yaml.org,2002:str"
# What YAML reads an unquoted scalar as, besides text (a merge key `<<` is not one).
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{kind}" for kind in ("bool", "int", "float", "null", "timestamp")
)


def _boolean_key(key_node: yaml.ScalarNode, file: str, path: tuple[str | int, ...]) -> Problem:
    """A key YAML 1.1 reads as true/false (`no:`, Norwegian's code; `on:`): reported, and
    re-tagged as the text it is written as, so the rest of the file is checked as meant."""
    written = key_node.value
    key_node.tag = _STR_TAG
    meaning = "false" if written.lower() in ("no", "off", "false", "n") else "true"
    return Problem(
        code="RKB001",
        location=Location(
            file=file, line=key_node.start_mark.line + 1, column=key_node.start_mark.column + 1
        ),
        field=".".join(str(p) for p in (*path, written)),
        message=f"{BOOLEAN_KEY}`{written}` unquoted as {meaning}, not as text; "
        f'quote it: `"{written}":`',
    )


def _record_positions(
    root: yaml.Node,
    positions: Positions,
    problems: list[Problem],
    file: str,
    booleans: dict[tuple[str | int, ...], str],
) -> None:
    """Where every key and item starts; also reports duplicate and true/false keys, and
    keeps the text of values YAML read as true/false (`no`), for the messages about them."""
    stack: list[tuple[yaml.Node, tuple[str | int, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.ScalarNode) and node.tag == _BOOL_TAG:
            booleans[path] = node.value
        if isinstance(node, yaml.MappingNode):
            first_line: dict[str, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                if key_node.tag == _BOOL_TAG:
                    problems.append(_boolean_key(key_node, file, path))
                # Every key of a base is a name (a field, a channel, a language, an agent id):
                # read as written, so `123:`, `~:` or `2026-01-01:` is checked as that text.
                if key_node.tag in _SCALAR_TAGS:
                    key_node.tag = _STR_TAG
                key = key_node.value
                where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                if key in first_line:
                    problems.append(
                        Problem(
                            code="RKB001",
                            location=Location(file=file, line=where[0], column=where[1]),
                            field=".".join(str(p) for p in (*path, key)),
                            message=f"duplicate key {key!r} (first on line {first_line[key]}); "
                            "YAML would keep only the last one: merge them",
                        )
                    )
                    continue
                first_line[key] = where[0]
                positions[(*path, key)] = where
                stack.append((value_node, (*path, key)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                positions[(*path, index)] = (item.start_mark.line + 1, item.start_mark.column + 1)
                stack.append((item, (*path, index)))


def _construct(loader: Any, node: yaml.Node, file: str, problems: list[Problem]) -> Any:
    """Python data of ``node``; a value YAML cannot convert is located at its scalar."""
    try:
        return loader.construct_document(node)
    except (ValueError, OverflowError) as error:
        # e.g. a 5,000-digit number (over Python's int conversion limit) or 2026-13-45.
        culprit, reason = _failing_scalar(node, error)
        reason = reason[:1].lower() + reason[1:]
        value = culprit.value if len(culprit.value) <= 40 else culprit.value[:37] + "..."
        kind = culprit.tag.rsplit(":", 1)[-1]
        problems.append(
            Problem(
                code="RKB001",
                location=Location(
                    file=file,
                    line=culprit.start_mark.line + 1,
                    column=culprit.start_mark.column + 1,
                ),
                message=f"cannot read {value!r} as {'a' if kind[0] not in 'aeiou' else 'an'} "
                f"{kind}: {reason}; quote it if it is meant as text",
            )
        )
        return _FAILED


def _failing_scalar(root: yaml.Node, error: Exception) -> tuple[yaml.ScalarNode, str]:
    """The first scalar that does not convert on its own, and why (else the document)."""
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                _YAML_LOADER("").construct_object(node)
            except (ValueError, OverflowError) as scalar_error:
                return node, str(scalar_error).split(";")[0]
        stack.extend(reversed(_children(node)))
    fallback = yaml.ScalarNode("tag:yaml.org,2002:str", "", root.start_mark, root.end_mark)
    return fallback, str(error).split(";")[0]
