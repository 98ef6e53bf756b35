from __future__ import annotations

from pathlib import Path

from matching.records.csv_format_doc import embed_in

ROOT = Path(__file__).resolve().parents[2]


def test_readme_csv_format_matches_the_schemas():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert embed_in(readme) == readme, (
        "README's CSV format is out of date: run "
        "python -c \"from pathlib import Path; from matching.records.csv_format_doc import embed_in; "
        "p = Path('README.md'); p.write_text(embed_in(p.read_text()))\""
    )


def test_readme_names_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
