"""Master data in and out as CSV: catalogue, sites, installed base; returns exported."""
