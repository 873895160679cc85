"""Device simulators: a virtual printer (TCP/pty), LED boards and keypads (pty), and the ESC/POS renderer.

They run the whole hall on a laptop and in CI; see docs/hardware.md for their API.
"""
