"""`werkkans import`: warnings shown and imported, refused with --strict."""

from __future__ import annotations

import typer
from factories import make_work_need, tiny_world
from typer.testing import CliRunner

from api.commands import data as data_commands
from matching.records.csv_io import write_folder
from matching.records.schemas import RECORD_TYPES, WorkNeed
from matching.records.storage import Store


def _cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """werkkans (test)."""

    data_commands.register(app)
    return app


def test_import_shows_warnings_and_strict_refuses_them(tmp_path):
    records = [*tiny_world(), make_work_need("W8", "E1", esco_uri="http://example.org/nothing")]
    folder = tmp_path / "in"
    write_folder(folder, {t: [r for r in records if type(r) is t] for t in RECORD_TYPES
                          if any(type(r) is t for r in records)})
    runner = CliRunner()
    strict = runner.invoke(_cli(), ["import", str(folder), "--no-index", "--strict",
                                    "--db", f"sqlite:///{tmp_path / 'a.db'}"])
    assert strict.exit_code == 1 and "niets" in strict.output and "esco_uri" in strict.output
    url = f"sqlite:///{tmp_path / 'b.db'}"
    lenient = runner.invoke(_cli(), ["import", str(folder), "--no-index", "--db", url])
    assert lenient.exit_code == 0, lenient.output
    assert "waarschuwing" in lenient.output and "esco_uri" in lenient.output
    assert Store(url).get(WorkNeed, "W8") is not None
