"""The command line speaks Dutch to its users: help texts and messages.

English is for logs, code and the API. This test reads every help text of
the ``werkkans`` command tree and every message the command modules print,
and fails on common English words (codes such as ``follow_up`` or
``relationship_manager`` are values to type, not English prose).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import click
import typer.main

from api.cli import app

COMMANDS = Path(__file__).resolve().parents[2] / "api" / "commands"

#: Common English words that are not also Dutch words ("of", "is", "in", "op", "die" are).
ENGLISH = {
    "the", "and", "with", "from", "which", "this", "that", "these", "only", "give", "exactly",
    "not", "must", "default", "number", "file", "folder", "write", "read", "show", "when",
    "where", "who", "what", "each", "every", "than", "into", "your", "you", "are", "has",
    "have", "will", "can", "cannot", "should", "to", "by", "at", "if", "or", "found",
    "unknown", "error", "no", "yes", "days", "ahead", "seed", "random", "candidates",
    "employers", "months", "whether", "record", "records",
}
WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
#: Calls whose string arguments users read.
SHOWN = {"fail", "print", "status", "prompt", "add_task", "echo", "Table", "Typer"}


def _english(text: str) -> list[str]:
    text = re.sub(r"\[/?[a-z ]*\]", " ", text)  # rich markup
    text = re.sub(r"\{[^}]*\}", " ", text)  # f-string fields
    text = re.sub(r"--[a-z-]+|\$[A-Z_]+|[a-z]+(?:_[a-z0-9]+)+", " ", text)  # options, codes
    return [w for w in WORD.findall(text) if w.lower() in ENGLISH]


def _help_texts() -> Iterator[tuple[str, str]]:
    def walk(command: click.Command, path: str) -> Iterator[tuple[str, str]]:
        for text in (command.help, command.short_help):
            if text:
                yield path, text
        for param in command.params:
            help_text = getattr(param, "help", None)
            if help_text:
                yield f"{path} {param.name}", help_text
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                yield from walk(sub, f"{path} {name}")

    yield from walk(typer.main.get_command(app), "werkkans")


def _literals(node: ast.expr) -> Iterator[ast.Constant]:
    """The text parts of a string expression (not dictionary keys or other lookups in it)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.JoinedStr):
        for part in node.values:
            yield from _literals(part)
    elif isinstance(node, ast.BinOp):
        yield from _literals(node.left)
        yield from _literals(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)


def _messages() -> Iterator[tuple[str, str]]:
    for path in sorted(COMMANDS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in SHOWN:
                continue
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                for part in _literals(arg):
                    yield f"{path.name}:{part.lineno}", part.value


def test_help_texts_are_dutch() -> None:
    english = [(where, text) for where, text in _help_texts() if _english(text)]
    assert english == []


def test_messages_are_dutch() -> None:
    english = [(where, text) for where, text in _messages() if _english(text)]
    assert english == []


def test_the_check_finds_english() -> None:
    assert _english("give exactly one of --work-need or --candidate") == [
        "give", "exactly", "or",
    ]
    assert _english("geef precies een van --work-need of --candidate") == []


def test_why_a_ranker_was_promoted_reads_in_dutch():
    from api.wording import promotion_in_dutch
    from training.promotion import decide_promotion

    assert promotion_in_dutch(decide_promotion(0.61, None)) == "er was nog geen champion"
    assert promotion_in_dutch(decide_promotion(0.61, None, champion_version="3")) == (
        "de champion kon niet worden beoordeeld"
    )
    assert promotion_in_dutch(decide_promotion(0.61, 0.58)) == (
        "ndcg@10 0.6100 is beter dan die van de champion (0.5800)"
    )
    assert "niet beter dan" in promotion_in_dutch(decide_promotion(0.58, 0.61))
    assert "geen getal" in promotion_in_dutch(decide_promotion(float("nan"), 0.61))


ROOT = COMMANDS.parents[1]
#: Where the domain refuses input, and how the Dutch wording is handed over at each call.
REFUSALS = {
    "matching/outcomes/recording.py": "OutcomeError",
    "matching/outcomes/aftercare.py": "OutcomeError",
    "matching/records/csv_io.py": "CsvError",
    "matching/records/importer.py": "CsvError",
    "matching/records/consistency.py": "add",
    "matching/records/schemas.py": "rule",
}


def _refusals() -> Iterator[tuple[str, ast.Call]]:
    for path, name in REFUSALS.items():
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
                yield f"{path}:{node.lineno}", node


def _dutch_argument(call: ast.Call) -> ast.expr | None:
    """The Dutch wording a refusal is given: the ``dutch=`` keyword, else its last text argument
    (CsvError's fifth, ``add``'s fourth, ``rule``'s second)."""
    for keyword in call.keywords:
        if keyword.arg == "dutch":
            return keyword.value
    position = {"CsvError": 4, "add": 3, "rule": 1}.get(getattr(call.func, "id", ""))
    return call.args[position] if position is not None and len(call.args) > position else None


def test_every_refusal_of_outcomes_and_imports_has_dutch_words() -> None:
    calls = list(_refusals())
    assert len(calls) > 60  # the scan finds the refusals
    missing = [where for where, call in calls if _dutch_argument(call) is None]
    assert missing == []
    english = [
        (where, part.value) for where, call in calls for part in _literals(_dutch_argument(call))
        if _english(part.value)
    ]
    assert english == []


def test_refused_outcomes_read_in_dutch_on_the_command_line(tmp_path, tiny_world) -> None:
    from typer.testing import CliRunner

    from matching.records.storage import Store

    db = f"sqlite:///{tmp_path / 'w.db'}"
    Store(db).upsert(tiny_world)
    runner = CliRunner()
    tries = [
        ["--candidate", "C1", "--kind", "baan"],
        ["--candidate", "C99", "--kind", "job"],
        ["--candidate", "C1", "--kind", "job", "--employer", "E1"],
        ["--candidate", "C1", "--kind", "wep", "--employer", "E1", "--hours", "99", "--start", "2026-01-05"],
        ["--candidate", "C1", "--kind", "wep", "--employer", "E1", "--hours", "20",
         "--start", "2026-02-01", "--end", "2026-01-01"],
        ["--candidate", "C1", "--kind", "wep", "--employer", "E9", "--hours", "20"],
        ["--candidate", "C1", "--kind", "wep", "--employer", "E1", "--hours", "20",
         "--start", "2027-01-01"],
    ]
    for args in tries:
        result = runner.invoke(app, ["outcome", "record", "--db", db, "--today", "2026-03-01", *args])
        said = " ".join(result.output.split())
        assert result.exit_code == 1 and said.startswith("fout:"), said
        assert _english(said.replace("fout:", "")) == [], said
