"""The demo data set and the code that loads it."""
