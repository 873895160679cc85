"""Pure rules of the hall: numbering, dispatch, wait estimate, working days, number words.

Nothing here imports SQLAlchemy, FastAPI, a clock or any I/O: every function takes
plain data and the time it should reason about.
"""
