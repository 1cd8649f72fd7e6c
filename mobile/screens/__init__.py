"""The app's screens: one module (behaviour) and one .kv file (layout) each."""
