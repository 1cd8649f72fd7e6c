"""Return lines: the engine's decisions, overrides, receipt and outcome, chasing, the figures."""
