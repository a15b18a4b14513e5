"""One module of admin views per area."""
