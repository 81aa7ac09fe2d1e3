"""Command-line commands: reference data, demo data, users."""
from __future__ import annotations

import os

import click
from flask import Flask
from sqlalchemy import func, select

from adam.extensions import db


class OutputPath(click.Path):
    """A file a command writes: its folder must exist and be writable, checked before the command does any work
    (an import, a report), so that a typo in the path is a usage error rather than a traceback at the end."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003 - click.Path's own options
        super().__init__(dir_okay=False, writable=True, **kwargs)

    def convert(self, value, param, ctx):  # noqa: ANN001, ANN201 - click's signature
        path = super().convert(value, param, ctx)
        if self.allow_dash and str(path) == "-":
            return path
        folder = os.path.dirname(os.path.abspath(os.fsdecode(path)))
        if not os.path.isdir(folder):
            self.fail(f"the folder {folder!r} does not exist.", param, ctx)
        if not os.access(folder, os.W_OK):
            self.fail(f"the folder {folder!r} is not writable.", param, ctx)
        return path


def _email(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """The address the user signs in with: checked as the user pages check it."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise click.BadParameter(f"not a valid e-mail address: {exc}") from exc
    return value.strip()


def _name(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if not value.strip():
        raise click.BadParameter("give the user's name")
    return value.strip()


def register(app: Flask) -> None:
    @app.cli.command("refdata")
    def refdata_command() -> None:
        """Load countries, regions and routes, currencies, pillars, themes and partner organisations."""
        from adam.refdata import load_organisations, load_reference_data

        load_reference_data(db.session)
        load_organisations(db.session)
        db.session.commit()
        click.echo("Reference data loaded.")

    @app.cli.command("demo")
    @click.option("--count", default=200, show_default=True, type=click.IntRange(min=0), help="How many projects.")
    def demo_command(count: int) -> None:
        """Load demo users and realistic projects with planted overlaps (idempotent)."""
        from adam.demo import DEMO_PASSWORD, DEMO_USERS, load_demo

        created = load_demo(db.session, count)
        db.session.commit()
        click.echo(f"Demo data: {created['projects']} projects, {created['users']} users, "
                   f"{created['institutions']} institutions created.")
        click.echo(f"Demo logins (password {DEMO_PASSWORD}):")
        for email, _name, role, org in DEMO_USERS:
            click.echo(f"  {email:<28} {role} ({org})")

    @app.cli.command("create-user")
    @click.option("--email", prompt=True, callback=_email)
    @click.option("--name", prompt=True, callback=_name)
    @click.option("--role", type=click.Choice(["admin", "coordinator", "focal_point"]), default="admin", show_default=True)
    @click.option("--organisation", default="", help="Name or acronym of the user's organisation.")
    @click.password_option()
    def create_user_command(email: str, name: str, role: str, organisation: str, password: str) -> None:
        """Create a user (the first administrator, for example)."""
        from adam.accounts.operations import AccountError, create_user
        from adam.models import Organisation, OrganisationAlias, normalise_name

        org = None
        if organisation:
            # its name, acronym or an alias, case and accents aside ("unodc", "ONUDC")
            key = normalise_name(organisation)
            aliased = select(OrganisationAlias.organisation_id).where(OrganisationAlias.key == key)
            org = db.session.scalars(
                select(Organisation).where(
                    (func.lower(Organisation.acronym) == organisation.strip().lower())
                    | (func.lower(Organisation.name) == organisation.strip().lower()) | Organisation.id.in_(aliased))
                .order_by(Organisation.id)
            ).first()
            if org is None:
                raise click.ClickException(f"No organisation named {organisation!r}.")
        try:
            user = create_user(db.session, email=email, name=name, password=password, role=role, organisation=org)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        click.echo(f"Created {user.role} {user.email}.")

    @app.cli.command("backup")
    @click.argument("path", type=OutputPath())
    def backup_command(path: str) -> None:
        """Write the whole database to PATH (JSON lines; gzip when PATH ends in .gz)."""
        from pathlib import Path

        from adam.backup import dump

        with db.engine.connect() as connection:
            counts = dump(connection, db.metadata, Path(path))
        click.echo(f"Backed up {sum(counts.values())} rows from {len(counts)} tables to {path}.")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def restore_command(path: str) -> None:
        """Load a backup into an empty database at the same schema revision."""
        from pathlib import Path

        from adam.backup import BackupError, restore

        try:
            with db.engine.begin() as connection:
                counts = restore(connection, db.metadata, Path(path))
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Restored {sum(counts.values())} rows into {len(counts)} tables.")

