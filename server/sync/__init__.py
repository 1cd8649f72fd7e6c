"""Rules of the sync protocol that need no database: sequence gaps, cursors, clock checks."""
