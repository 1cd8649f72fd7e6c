"""The field engineer's app: an offline store and sync engine (plain Python) under a Kivy shell.

store.py, sync.py, api_client.py, account.py, entries.py and workday.py import no
Kivy, so they run and are tested without a window; main.py and screens/ are the shell.
"""
