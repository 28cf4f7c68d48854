"""Okta's management API shapes for the API tests: schema property names and declared status codes.

The tests read `okta_management_subset.json`, committed beside this file, so a fresh clone runs
them without anything outside the repository. The subset is extracted from Okta's OpenAPI document
(`../shared/okta-openapi/management.yaml`, read here without PyYAML by indentation in its regular
layout); `test_okta_schema_subset.py` re-extracts it whenever that document is present and fails
if the committed subset has drifted.
"""

import functools
import json
import re
from pathlib import Path

SPEC = Path(__file__).resolve().parents[2] / "shared" / "okta-openapi" / "management.yaml"
SUBSET = Path(__file__).resolve().parent / "okta_management_subset.json"


@functools.cache
def _subset() -> dict:
    return json.loads(SUBSET.read_text())


def schema_properties(name: str) -> frozenset[str]:
    """Property names of `components.schemas.<name>`, from the committed subset."""
    return frozenset(_subset()["schemas"][name])


def response_codes(operation_id: str) -> frozenset[int]:
    """The HTTP status codes `operationId: <operation_id>` declares, from the committed subset."""
    return frozenset(_subset()["operations"][operation_id])


@functools.cache
def _lines() -> list[str]:
    return SPEC.read_text().splitlines()


def _block(start: int, indent: int) -> list[str]:
    """The lines after `start` indented deeper than `indent` (blank lines included)."""
    out = []
    for line in _lines()[start + 1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        out.append(line)
    return out


@functools.cache
def spec_schema_properties(name: str) -> frozenset[str]:
    """Property names of `components.schemas.<name>`: its own `properties:` block, and those of the
    members of its `allOf` (inline objects, and `$ref`s followed)."""
    lines = _lines()
    start = lines.index(f"    {name}:", lines.index("  schemas:"))
    props, inside, in_all_of = set(), None, False
    for line in _block(start, 4):
        indent = len(line) - len(line.lstrip())
        if line == "      properties:" or (in_all_of and line == "          properties:"):
            inside = indent + 2
            continue
        if indent <= 6 and line.strip():
            in_all_of = line == "      allOf:"
            if in_all_of:
                inside = None
                continue
        ref = re.match(r"^        - \$ref: '#/components/schemas/(\w+)'", line)
        if in_all_of and ref:
            props |= spec_schema_properties(ref.group(1))
            continue
        if inside is not None and line.strip():
            match = re.match(rf"^ {{{inside}}}('?)([A-Za-z_][\w]*)\1:", line)
            if match:
                props.add(match.group(2))
            elif indent < inside:
                inside = None
    return frozenset(props)


@functools.cache
def spec_response_codes(operation_id: str) -> frozenset[int]:
    """The HTTP status codes `operationId: <operation_id>` declares in the spec."""
    lines = _lines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"operationId: {operation_id}")
    indent = len(lines[start]) - len(lines[start].lstrip())
    codes, inside = set(), False
    for line in _block(start - 1, indent - 2):
        if line == " " * indent + "responses:":
            inside = True
            continue
        if inside:
            match = re.match(rf"^ {{{indent + 2}}}'(\d{{3}})':", line)
            if match:
                codes.add(int(match.group(1)))
            elif line.strip() and len(line) - len(line.lstrip()) <= indent:
                inside = False
    return frozenset(codes)


@functools.cache
def spec_operation(operation_id: str) -> tuple[str, str]:
    """(METHOD, path) of `operationId: <operation_id>` in the spec."""
    lines = _lines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"operationId: {operation_id}")
    method = next(re.match(r"^    (\w+):$", line).group(1) for line in reversed(lines[:start])
                  if re.match(r"^    (get|post|put|patch|delete):$", line))
    path = next(line.strip().rstrip(":") for line in reversed(lines[:start]) if re.match(r"^  /\S+:$", line))
    return method.upper(), path


def assert_shape(body: dict, schema: str) -> None:
    """Every key of `body` is a property of `schema`."""
    extra = set(body) - schema_properties(schema)
    assert not extra, f"{schema} has no properties {sorted(extra)}"


def regenerate(schemas=(), operations=()) -> None:
    """Rewrite the committed subset from the spec: the names already in it, plus `schemas` and
    `operations`. After merging two branches that both extended the subset, run
    `python -m tests.okta_schema` to refresh every entry with this module's reading of the spec."""
    subset = _subset()
    names = sorted(set(subset["schemas"]) | set(schemas))
    ops = sorted(set(subset["operations"]) | set(operations))
    out = {"operations": {op: sorted(spec_response_codes(op)) for op in ops},
           "schemas": {name: sorted(spec_schema_properties(name)) for name in names},
           "source": subset["source"]}
    SUBSET.write_text(json.dumps(out, indent=1, sort_keys=True))
    _subset.cache_clear()


if __name__ == "__main__":
    import sys

    regenerate(operations=sys.argv[1:])
