"""Command-line tools: ``python manage.py create-admin``, ``seed-demo``, ``export``, ...

One module per area, each a door onto the services like the admin and the account page:

- ``users``: create-admin, suspend, activate, unlock, grant-role, revoke-role, tf-reset
  (through ``services.accounts``, ``services.users`` and ``services.second_factor``, so the
  account rules hold here too);
- ``demo``: seed-demo;
- ``orders``: place-order;
- ``export``: the admin list's CSV export, to a file;
- ``storage``: check, migrate and sweep the file store;
- ``jobs``: worker, the background job consumer;
- ``api_keys``: api-key create, list and revoke (keys of the REST API);
- ``imports``: import products, books or a stock list from a CSV or XLSX file.

Errors, one idiom: a refusal (bad data, a rule, a failed store) raises
``click.ClickException`` with a message that names the field or thing refused; click
prints ``Error: ...`` and the command exits with status 1. An
argument the command cannot read (``--item LAMP``, an unknown export model or filter)
raises ``click.BadParameter``, click's usage error, and exits with status 2 like the
checks click makes itself.

Imports: commands call services, models, storage and jobs (and the admin's export views);
a command owns its transaction and commits. Nothing imports this package but the
app factory, which calls ``init_cli``.
"""

from __future__ import annotations

from flask import Flask

from backoffice.cli.api_keys import api_key_cli
from backoffice.cli.demo import seed_demo
from backoffice.cli.export import export
from backoffice.cli.imports import import_command
from backoffice.cli.jobs import worker
from backoffice.cli.orders import order_status_command, place_order_command
from backoffice.cli.storage import storage_cli
from backoffice.cli.users import COMMANDS as USER_COMMANDS


def init_cli(app: Flask) -> None:
    """Register the commands on the app's CLI."""
    for command in (
        *USER_COMMANDS,
        seed_demo,
        place_order_command,
        order_status_command,
        export,
        storage_cli,
        worker,
        api_key_cli,
        import_command,
    ):
        app.cli.add_command(command)
