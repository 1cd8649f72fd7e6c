"""Work orders: jobs created, assigned and closed."""
