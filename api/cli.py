"""The ``werkkans`` command line.

Each area keeps its commands in its own module under :mod:`api.commands`;
this module builds the one Typer app from them and turns domain errors into
clear messages and exit codes (1: the input was rejected, 2: cannot run).
"""

from __future__ import annotations

import logging
import os
import sys

import typer

from api.commands import data as data_commands
from api.commands import demo as demo_commands
from api.commands import events as event_commands
from api.commands import model as model_commands
from api.commands import outcomes as outcome_commands
from api.commands import reports as report_commands
from api.commands import retrieval as retrieval_commands
from api.commands import serve as serve_commands

app = typer.Typer(
    name="werkkans",
    help="Matching van kandidaten en werkgevers voor gemeenten (werkkans).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (
    data_commands,
    retrieval_commands,
    event_commands,
    outcome_commands,
    report_commands,
    model_commands,
    serve_commands,
    demo_commands,
):
    module.register(app)


@app.callback()
def _setup(verbose: bool = typer.Option(False, "--verbose", "-v", help="Toon details in het logboek.")) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def main() -> None:
    """Console entry point."""
    # the bundled sentence-transformers model is read from disk, never from a hub
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    sys.exit(app())


if __name__ == "__main__":
    main()
