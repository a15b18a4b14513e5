"""Command line: ``python manage.py run | db upgrade | create-admin | seed-demo | ...``."""

from flask.cli import FlaskGroup

from backoffice import create_app


def _app():
    return create_app()


cli = FlaskGroup(create_app=_app, help="Manage the backoffice app.")

if __name__ == "__main__":
    cli()
