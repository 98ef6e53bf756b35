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
from typer import rich_utils

from api.commands import batch as batch_commands
from api.commands import data as data_commands
from api.commands import demo as demo_commands
from api.commands import events as event_commands
from api.commands import model as model_commands
from api.commands import outcomes as outcome_commands
from api.commands import privacy as privacy_commands
from api.commands import reports as report_commands
from api.commands import retrieval as retrieval_commands
from api.commands import serve as serve_commands
from api.commands import workspace as workspace_commands

# Typer's own words in the help screens, in Dutch like everything else the CLI says
rich_utils.ARGUMENTS_PANEL_TITLE = "Argumenten"
rich_utils.OPTIONS_PANEL_TITLE = "Opties"
rich_utils.COMMANDS_PANEL_TITLE = "Commando's"
rich_utils.ERRORS_PANEL_TITLE = "Fout"
rich_utils.DEFAULT_STRING = "[standaard: {}]"
rich_utils.ENVVAR_STRING = "[omgevingsvariabele: {}]"
rich_utils.REQUIRED_LONG_STRING = "[verplicht]"
rich_utils.DEPRECATED_STRING = "(verouderd) "
rich_utils.ABORTED_TEXT = "Afgebroken."
rich_utils.RICH_HELP = "Probeer [blue]'{command_path} {help_option}'[/] voor hulp."

app = typer.Typer(
    name="werkkans",
    help="Matching van kandidaten en werkgevers voor gemeenten (werkkans).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (
    workspace_commands,
    data_commands,
    retrieval_commands,
    event_commands,
    outcome_commands,
    privacy_commands,
    report_commands,
    model_commands,
    batch_commands,
    serve_commands,
    demo_commands,
):
    module.register(app)


@app.callback()
def _setup(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Toon details in het logboek."),
    workspace: str | None = typer.Option(
        None, "--workspace", "-w",
        help="Werkruimte (map met werkkans.toml); standaard de huidige map of een map erboven.",
    ),
) -> None:
    if workspace:  # through the environment, so server workers and batch workers find it too
        os.environ["WERKKANS_WORKSPACE"] = workspace
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not verbose:  # libraries' own progress bars and notices are not for staff
        os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def main() -> None:
    """Console entry point."""
    # the bundled sentence-transformers model is read from disk, never from a hub
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    sys.exit(app())


if __name__ == "__main__":
    main()
