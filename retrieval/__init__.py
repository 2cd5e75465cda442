import logging

# The package's logger; the edge (CLI, app) decides where records go (ingest.logs).
logging.getLogger(__name__).addHandler(logging.NullHandler())
