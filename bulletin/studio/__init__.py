"""The newsroom studio: a web service (FastAPI on uvicorn) over the pipeline, and the editor's page.

``bulletin studio`` runs it. The parts, one job each: ``settings`` (what the service was
started with, and the rule that another host needs a token), ``jobs`` (job records on disk
and their event logs), ``worker`` (one synthesis thread, a bounded FIFO queue, cancel),
``voices`` (voices kept loaded between jobs), ``service`` (the jobs a request makes),
``lexicon`` (the station's pronunciation lexicon), ``speech`` (OpenAI-compatible speech),
``app`` / ``api`` / ``v1`` (the HTTP routes; v1 is OpenAI-compatible), ``static/`` (the page). Importing this
package imports none of them: FastAPI loads only when the service starts.
"""
