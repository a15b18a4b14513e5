"""backoffice: an admin-panel-centric back office for a small shop and book catalogue."""
