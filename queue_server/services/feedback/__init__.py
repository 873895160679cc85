"""What citizens tell the hall: ratings at the counter (ratings.py) and feedback and
petitions, phản ánh, kiến nghị (petitions.py).

The ratings' use cases stay reachable as `feedback.give_rating` and so on, as before the
folder existed."""

from queue_server.services.feedback.ratings import (
    LEVELS,
    REASONS,
    give_rating,
    rating_options,
    report_print_failure,
)

__all__ = ["give_rating", "report_print_failure", "rating_options", "LEVELS", "REASONS"]
