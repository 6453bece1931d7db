"""Preparing a message before it is matched: the customer's newest text (e-mail quotes
and signatures stripped), and the customer's mood (:mod:`replykb.prepare.mood`).

Import the stage you need from its module; this package imports nothing itself, so
loading one stage never loads another's dependencies.
"""
