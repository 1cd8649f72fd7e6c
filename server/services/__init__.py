"""Use cases: each public function is one transaction, taking primitives or small commands."""
