"""Field sync: the push and what each event does, the pull and its scope, the change log, the review queue."""
