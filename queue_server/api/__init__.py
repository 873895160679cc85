"""FastAPI routers: validate, authorise, call a service, shape the reply."""
