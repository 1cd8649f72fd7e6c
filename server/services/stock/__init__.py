"""Stock of the reverse and refurbishment side: the ledger, reservations, deliveries, the refurbishment bench."""
