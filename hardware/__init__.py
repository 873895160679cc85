"""Device drivers (printers, LED boards, keypads, speakers) and their simulators.

Imports nothing of Motcua's other packages: it receives plain data (a slip, a line of text, a sound).
"""
