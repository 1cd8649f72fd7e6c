"""Fieldloop next to a company's systems: integration accounts, records in, the feed out, reconciliation."""
