"""The work: plain functions shared by every door (admin, account page, sign-in, CLI).

One module per area (orders, order_status, accounts, erasure, profiles, avatars,
exports, audit, ...). Services validate, apply the rules and change rows, set-based in
SQL where they can; they never commit: the caller (a view, a CLI command, later a job)
owns the transaction, and work that must follow a commit hangs on
``backoffice.after_commit``. Outcomes of "changed + skipped by reason" are
``outcome.Outcome``; counting a SELECT is ``counts.count_rows``.

May import: models, storage, validation (form field rules) and the base helpers
(clock, extensions, permissions, ranges, text, after_commit). Never admin, account,
auth, cli or web (``tests/test_layers.py``).
"""
