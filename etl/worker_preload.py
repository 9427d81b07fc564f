"""Imported once by the worker pool's fork server (etl.workers): what every worker needs, loaded
once and shared by the workers forked from it, so that a worker (or its replacement after a
timeout) starts ready: the readers, the parser and the jurisdiction resolver (~1 s to build)."""

import etl.formats.doc  # noqa: F401
import etl.formats.docx  # noqa: F401
import etl.formats.html  # noqa: F401
import etl.formats.pdf  # noqa: F401
from etl.pipeline import default_resolver

default_resolver()
