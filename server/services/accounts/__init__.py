"""People's and devices' ways in: sign-in, tokens, passwords and their throttle."""
