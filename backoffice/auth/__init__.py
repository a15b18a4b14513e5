"""Sign-in wiring around Flask-Security-Too (being moved here from top-level modules)."""
