"""The CSV import format as Markdown, generated from the record schemas.

The README embeds this text between markers; a test fails when the two drift
apart, so the documentation always matches what the importer accepts.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from enum import Enum

from annotated_types import Ge, Gt, Le, MaxLen, MinLen
from pydantic.fields import FieldInfo

from matching.records.csv_io import file_name
from matching.records.schemas import RECORD_TYPES, REFERENCES, Record

BEGIN = "<!-- csv-format:begin -->"
END = "<!-- csv-format:end -->"
PIPE = "\\|"  # a pipe inside a Markdown table cell


def _unwrap(annotation: object) -> tuple[object, bool]:
    """(inner type, optional?) of a field annotation."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0], True
    return annotation, False


def _describe(record_type: type[Record], name: str, info: FieldInfo) -> str:
    inner, _ = _unwrap(info.annotation)
    metadata = list(info.metadata)
    if typing.get_origin(inner) is typing.Annotated:
        args = typing.get_args(inner)
        inner, metadata = args[0], metadata + list(args[1:])
    is_list = typing.get_origin(inner) is list
    if is_list:
        inner = typing.get_args(inner)[0]
    if isinstance(inner, type) and issubclass(inner, Enum):
        text = "one of " + ", ".join(f"`{m.value}`" for m in inner)
    elif inner is bool:
        text = "`true` / `false`"
    elif inner is int:
        text = "whole number"
    elif inner is float:
        text = "number"
    elif inner is dt.date:
        text = "date `YYYY-MM-DD`"
    else:
        text = "text"
    flat = []
    for m in metadata:
        flat.extend(m.metadata if isinstance(m, FieldInfo) else [m])
    bounds = []
    for m in flat:
        if isinstance(m, Ge):
            bounds.append(f"≥ {m.ge}")
        elif isinstance(m, Gt):
            bounds.append(f"> {m.gt}")
        elif isinstance(m, Le):
            bounds.append(f"≤ {m.le}")
        elif isinstance(m, MaxLen):
            bounds.append(f"at most {m.max_length} characters")
        elif isinstance(m, MinLen) and m.min_length:
            bounds.append("not empty")
        elif getattr(m, "pattern", None):
            bounds.append("pattern `" + m.pattern.replace("|", PIPE) + "`")
    if bounds:
        text += " (" + ", ".join(bounds) + ")"
    if is_list:
        text = f"list separated by `{PIPE}`, each {text}"
    target = REFERENCES.get((record_type, name))
    if target is not None:
        text += f"; id in `{file_name(target)}`"
    return text


def csv_format_markdown() -> str:
    """Every import file with its columns, types, allowed values and defaults."""
    out = []
    for record_type in RECORD_TYPES:
        out.append(f"#### `{file_name(record_type)}` — {(record_type.__doc__ or '').strip().splitlines()[0]}\n")
        out.append("| column | required | values | default |")
        out.append("|---|---|---|---|")
        for name, info in record_type.model_fields.items():
            required = "yes" if info.is_required() else ""
            default = ""
            if not info.is_required():
                value = info.get_default(call_default_factory=True)
                if isinstance(value, Enum):
                    value = value.value
                default = "" if value in (None, "", []) else f"`{str(value).lower() if isinstance(value, bool) else value}`"
            out.append(f"| `{name}` | {required} | {_describe(record_type, name, info)} | {default} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def embed_in(readme: str) -> str:
    """The README text with the generated section replaced."""
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{csv_format_markdown()}{END}{tail}"
