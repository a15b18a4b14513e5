"""Command line: ``python manage.py run | db upgrade | create-admin | seed-demo | ...``."""

from flask.cli import FlaskGroup

from backoffice import create_app


def _app():
    return create_app()


# The settings come from the process environment only (config/env.example says how to
# export a .env file): Flask would otherwise load .env whenever python-dotenv is installed.
cli = FlaskGroup(create_app=_app, load_dotenv=False, help="Manage the backoffice app.")

if __name__ == "__main__":
    cli()
