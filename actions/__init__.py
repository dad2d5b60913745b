"""Lotse's Rasa adapter: custom actions, form validation and the NLG endpoint.

The action server imports every module of this package and builds each ``Action`` with no
arguments, so nothing here may do I/O at import time.
"""
