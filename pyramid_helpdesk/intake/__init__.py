"""Intake journal: raw inbound data kept before it is parsed, and its quarantine.

Channels that receive data from outside (e-mail above all) journal the raw
bytes first, keyed by the sender's identifier (an e-mail's Message-ID) or a
digest, so a second delivery makes no second ticket and a message that
cannot become a ticket is quarantined with its reason, never lost.
"""
