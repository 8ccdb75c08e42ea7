"""The ``smcat`` command line. Library errors become one-line messages and documented exit codes.

Exit codes are listed in ``smcat.cli.errors``. With ``--json`` an error is a JSON problem
document on stdout (the fields the HTTP API uses), never a traceback.
"""

from __future__ import annotations

import warnings
from typing import Any

import click

from smcat.catalog.errors import SmcatError

__all__ = ["cli", "main"]


class _Group(click.Group):
    """Turns library and usage errors into one line (or JSON with ``--json``) and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        from smcat.cli.errors import echo_error, os_problem, problem_of, usage_problem
        from smcat.cli.options import wants_json

        with warnings.catch_warnings():  # click 8.2 deprecates protected_args; click 9 keeps all in args
            warnings.simplefilter("ignore", DeprecationWarning)
            args = [*getattr(ctx, "protected_args", ()), *ctx.args]
        try:
            return super().invoke(ctx)
        except SmcatError as e:
            body = problem_of(e)
        except click.UsageError as e:
            body = usage_problem(e)
        except OSError as e:  # a file that cannot be read or written: the OS says which and why
            body = os_problem(e)
        echo_error(body, wants_json(ctx, args))
        ctx.exit(body["exit_code"])


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="smcat")
def cli() -> None:
    """smcat: the right Amazon SageMaker prebuilt container image for your model, and a way in.

    \b
    Quick start (the catalogue shipped inside smcat works offline):
      smcat resolve --framework tensorflow --version 2.0 --gpu --region ap-southeast-1
      smcat refresh                     # fetch the sources live, publish a newer catalogue
      smcat catalog versions
    Air-gapped: sync the sources into DIR yourself, then 'smcat refresh --mirror DIR'.

    \b
    Exit codes: 0 ok, 1 unexpected failure, 2 invalid input, 3 no match (verify: image
    missing), 4 refresh refused, 5 registry not reachable (verify) or import conflict,
    6 import failed after creating resources, 7 serve cannot listen.
    Every command takes --json (errors too: a JSON problem document on stdout).
    """


def _register() -> None:
    from smcat.cli import catalog_cmds, import_cmds, resolve_cmds, status_cmds, verify_cmds

    catalog_cmds.register(cli)
    status_cmds.register(catalog_cmds.catalog)
    resolve_cmds.register(cli)
    import_cmds.register(cli)
    verify_cmds.register(cli)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="smcat")


if __name__ == "__main__":  # pragma: no cover
    main()  # exits itself (click's standalone mode), with the command's exit code
