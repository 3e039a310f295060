"""Case files in YAML or JSON: read, validate, and report every problem with its place.

A problem names the file, the line (YAML and JSON alike: JSON is parsed by ``json`` and its
lines found by the YAML composer) and the field path, e.g. ``case.yaml: line 14,
assessments[1].target.T2: expected a diameter in mm ...``. Indices in paths count from 0.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from oncotrack.model.case import Case
from oncotrack.model.consistency import check_case
from oncotrack.model.problems import CaseError, Location, Problem

# libyaml's parser when PyYAML was built with it: about 10 times faster on a long case file.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[misc,valid-type]
    """YAML without implicit timestamps (dates stay text for the date parser, which gives clear
    messages) and with duplicate keys as errors (YAML would keep the last one silently)."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: Any, node: yaml.Node) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key, self.node = key, node


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise _DuplicateKey(key, key_node)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


def _path_to(node: yaml.Node | None, target: yaml.Node) -> Location | None:
    """The field path of the mapping that holds the key node ``target``."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key is target:
                return ()
            below = _path_to(value, target)
            if below is not None:
                return (str(key.value), *below)
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            below = _path_to(item, target)
            if below is not None:
                return (index, *below)
    return None


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_case(path: str | Path) -> Case:
    """Read a YAML or JSON case file; raise :class:`CaseError` naming every problem's place."""
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CaseError([Problem((), "file not found")], source) from None
    except IsADirectoryError:
        raise CaseError([Problem((), "is a folder, not a case file")], source) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        byte = raw[error.start]
        raise CaseError([Problem((), f"not UTF-8 text: byte 0x{byte:02X} cannot be decoded "
                                 "(save the file as UTF-8)", line=line)], source) from None
    return parse_case(text, source)


def read_case_data(path: str | Path) -> Any:
    """The file's data as plain YAML/JSON values (dates stay text), before validation."""
    return _parse(Path(path).read_text(encoding="utf-8"), str(path))[1]


def parse_case(text: str, source: str = "<case>") -> Case:
    """Parse case-file text (YAML or JSON) into a validated, consistent :class:`Case`."""
    if not text.strip():
        raise CaseError([Problem((), "the file is empty; expected a case (patient, lesions, ...)")],
                        source)
    root, data = _parse(text, source)
    if data is None:
        raise CaseError([Problem((), "the file is empty (only comments); expected a case "
                                 "(patient, lesions, ...)")], source)
    if not isinstance(data, dict):
        kind = type(data).__name__
        expected = "expected a mapping with keys such as patient and lesions"
        raise CaseError([Problem((), f"{expected}, got a {kind}")], source)
    try:
        case = Case.model_validate(data)
    except ValidationError as error:
        problems = validation_problems(error, data)
        raise CaseError([_with_line(p, root) for p in problems], source) from None
    problems = check_case(case)
    if problems:
        raise CaseError([_with_line(p, root) for p in problems], source)
    return case


def _parse(text: str, source: str) -> tuple[yaml.Node | None, Any]:
    """The data, and a YAML node tree to find the line of any field path."""
    if not source.lower().endswith(".json"):
        return _parse_yaml(text, source)
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_pairs)
    except json.JSONDecodeError as error:
        problem = Problem((), f"not valid JSON: {error.msg} (column {error.colno})",
                          line=error.lineno)
        raise CaseError([problem], source) from None
    except _DuplicateJsonKey as error:
        raise CaseError([Problem((), f"duplicate key {error.key!r}: each key may appear once "
                                 "in an object")], source) from None
    # JSON is YAML once tabs are spaces (a raw tab cannot occur inside a JSON string), so the
    # YAML composer can still tell the line of every field.
    try:
        root = yaml.compose(text.replace("\t", " "), Loader=_Loader)
    except yaml.YAMLError:
        root = None
    return root, data


class _DuplicateJsonKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicate_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateJsonKey(key)
        seen[key] = value
    return seen


def _parse_yaml(text: str, source: str) -> tuple[yaml.Node | None, Any]:
    loader = _Loader(text)
    root: yaml.Node | None = None
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except _DuplicateKey as error:
        where = (*(_path_to(root, error.node) or ()), str(error.key))
        line = error.node.start_mark.line + 1
        raise CaseError([Problem(where, f"duplicate key {error.key!r}: each key may appear once "
                                 "in a mapping", line=line)], source) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        what = error.problem or "not valid YAML or JSON"
        raise CaseError([Problem((), f"not valid YAML/JSON: {what}", line=line)], source) from None
    except yaml.YAMLError as error:
        raise CaseError([Problem((), f"not valid YAML/JSON: {error}")], source) from None
    finally:
        loader.dispose()
    return root, data


def _with_line(problem: Problem, root: yaml.Node | None) -> Problem:
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in problem.location:
        node = _child(node, part)
        if node is None:
            break
        line = node.start_mark.line + 1
    return Problem(problem.location, problem.message, line)


def _child(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return value if isinstance(value, yaml.Node) else None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        child = node.value[part]
        return child if isinstance(child, yaml.Node) else None
    return None


# --- pydantic's errors, in words a clinician or data manager can act on ---------------------------

_KNOWN_FIELDS: set[str] = set()


def _all_field_names() -> set[str]:
    if not _KNOWN_FIELDS:
        stack: list[Any] = [Case]
        seen: set[Any] = set()
        while stack:
            model = stack.pop()
            if model in seen or not hasattr(model, "model_fields"):
                continue
            seen.add(model)
            for name, info in model.model_fields.items():
                _KNOWN_FIELDS.add(name)
                stack.extend(_models_in(info.annotation))
    return _KNOWN_FIELDS


def _models_in(annotation: Any) -> list[Any]:
    found = []
    if hasattr(annotation, "model_fields"):
        found.append(annotation)
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_models_in(arg))
    metadata = getattr(annotation, "__origin__", None)
    if metadata is not None and hasattr(metadata, "model_fields"):
        found.append(metadata)
    return found


def _clean_location(location: tuple[Any, ...], data: Any) -> Location:
    """Drop pydantic's internal steps (union tags, validator names) from an error location."""
    cleaned: list[str | int] = []
    node = data
    for part in location:
        in_mapping = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_mapping or in_list:
            cleaned.append(part)
            node = node[part]
        elif isinstance(part, str) and ("[" in part or part in _UNION_TAGS):
            continue  # a discriminator tag or a validator name, not a place in the file
        else:
            cleaned.append(part)
            node = None
    return tuple(cleaned)


_UNION_TAGS = {"surgery", "radiotherapy", "tace", "ablation", "biopsy", "other", "float",
               "str", "int", "bool", "none"}


def validation_problems(error: ValidationError, data: Any) -> list[Problem]:
    """pydantic's errors for ``data`` as problems a clinician can act on, each naming its field
    path in ``data`` (the case-file messages, for any part of a case)."""
    return [_problem(detail, data) for detail in error.errors()]


def _problem(detail: ErrorDetails, data: Any) -> Problem:
    location = _clean_location(tuple(detail["loc"]), data)
    kind = detail["type"]
    given = detail.get("input")
    if kind == "missing":
        return Problem(location, "required field is missing")
    if kind == "extra_forbidden":
        name = str(location[-1]) if location else "?"
        close = difflib.get_close_matches(name, sorted(_all_field_names()), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return Problem(location, f"unknown field {name!r}{hint}")
    if kind == "union_tag_invalid":
        tag = given.get("type") if isinstance(given, dict) else given
        return Problem((*location, "type"), f"unknown procedure type {tag!r}; expected "
                       "surgery, radiotherapy, tace, ablation, biopsy or other")
    if kind == "union_tag_not_found":
        return Problem(location, "a procedure needs a 'type' (surgery, radiotherapy, tace, "
                       "ablation, biopsy or other)")
    message = detail["msg"].removeprefix("Value error, ")
    scalar = given is not None and not isinstance(given, dict | list)
    if kind != "value_error" and scalar:
        message = f"{message}, got {json.dumps(given, default=str)}"
    return Problem(location, message)


CASE_FILE_SUFFIXES = (".yaml", ".yml", ".json")


def load_case_folder(folder: str | Path) -> list[tuple[Path, Case]]:
    """Every case file (``*.yaml``, ``*.yml``, ``*.json``) directly in ``folder``, by file name.

    Raises :class:`CaseError` for the first file that cannot be read (naming that file, line
    and field path), for a folder without case files, and for two files describing the same
    patient id (naming both): a cohort counts each patient once.
    """
    root = Path(folder)
    if not root.is_dir():
        raise CaseError([Problem((), "not a folder; expected a folder of case files")], str(root))
    files = sorted(p for p in root.iterdir()
                   if p.is_file() and p.suffix.lower() in CASE_FILE_SUFFIXES)
    if not files:
        raise CaseError([Problem((), "no case files (*.yaml, *.yml, *.json) in this folder")],
                        str(root))
    cases: list[tuple[Path, Case]] = []
    seen: dict[str, Path] = {}
    for path in files:
        case = load_case(path)
        first = seen.setdefault(case.patient.id, path)
        if first != path:
            raise CaseError([Problem(("patient", "id"), f"patient {case.patient.id!r} is also in "
                                     f"{first.name}; each patient must be in one file")],
                            str(path))
        cases.append((path, case))
    return cases
