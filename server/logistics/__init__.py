"""The return-logistics engine: plain Python, no Flask.

Disposition, destination, travel mode, consolidation, routing and the status
state machine. Services translate database records into the dataclasses these
modules take, and store what they decide.
"""
