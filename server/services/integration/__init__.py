"""Other systems on the API: integration accounts and their keys, records in, the outbound feed, reconciliation."""
