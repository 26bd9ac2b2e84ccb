"""``bulletin batch``: many bulletins at once, in-process or on Ray, resumable, failures isolated.

    from bulletin.batch import run_batch
    report = run_batch([Path("articles/")], Path("out"), workers=2)

``jobs`` reads sources and manifests into jobs, ``worker`` is the per-job function (the same
in-process and in a Ray actor), ``cluster`` runs workers on Ray, ``runner`` ties them together
and keeps ``DIR/results.jsonl``, ``command`` is the CLI's ``bulletin batch``. Importing this
package is cheap (the names load their modules on first use); Ray is imported only when a
batch runs on it.
"""

from __future__ import annotations

import importlib

_PUBLIC = {
    "run_batch": "bulletin.batch.runner",
    "read_results": "bulletin.batch.runner",
    "BatchReport": "bulletin.batch.runner",
    "Job": "bulletin.batch.jobs",
    "plan_jobs": "bulletin.batch.jobs",
    "BatchWorker": "bulletin.batch.worker",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'bulletin.batch' has no attribute {name!r}")
