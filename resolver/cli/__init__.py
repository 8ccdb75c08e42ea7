"""The ``smcat`` command line. Library errors become one-line messages and documented exit codes.

Exit codes: 0 success, 1 unexpected failure, 2 invalid input, 3 no match (or, for ``verify``, image
missing from the registry), 4 refresh refused, 5 the registry could not be asked (``verify``) or an
import conflict, 6 an import step failed after resources were created (see
``resolver.importer.errors``), 7 ``smcat serve`` cannot listen (port in use, permission denied).
"""

from __future__ import annotations

import sys

import click

from catalog.errors import SmcatError

__all__ = ["cli", "main"]


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SmcatError as e:
            click.echo(f"smcat: error: {e}", err=True)
            ctx.exit(e.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="smcat")
def cli() -> None:
    """smcat: the right Amazon SageMaker prebuilt container image for your model, and a way in.

    \b
    Quick start:
      smcat resolve --framework tensorflow --version 2.0 --gpu --region ap-southeast-1
      smcat refresh --mirror ../shared/sources/mirror --catalog /tmp/smcat-catalog
      smcat catalog versions
    """


def _register() -> None:
    from resolver.cli import catalog_cmds, resolve_cmds, status_cmds, verify_cmds
    from resolver.importer import cli as import_cmds

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
    sys.exit(main())
