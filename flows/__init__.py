"""guidewatch stage package: the Prefect flows."""

import os

# guidewatch's loggers reach the Prefect UI too; read when Prefect sets up logging, so set
# before the flows import it (prefect.yaml and scripts/serve.sh set it for worker runs).
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "guidewatch")
# Outside a flow run (a query, the CLI's own lines) they go to the terminal alone, unwarned.
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
