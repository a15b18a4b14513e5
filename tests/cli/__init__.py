"""The command-line tools (``backoffice/cli/``), one module per command module."""
