"""Use cases, one package per capability.

The transaction contract: a public use case begins its write (`server.database.begin_write`)
and commits once, so it either happens whole or not at all; it takes primitives or a small
command, never a request. A function that is a step of other use cases (recording a stock
movement, logging a change, queuing a message) says "runs in the caller's transaction" and
never commits.
"""
