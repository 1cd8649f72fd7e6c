"""Telling people and systems what happens to a pickup: emails with calendar
invitations, signed customer links, mail transports and signed webhooks.

Everything here is plain Python (no Flask); the outbox and the job runner
decide when to compose and send.
"""
