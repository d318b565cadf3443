"""The scheduled scorer: score every test past its deadline, email each student once, summarise for the trainer.

One run is :func:`testtime.scorer.run.run`, in parts a reader takes in one at a time:

* :mod:`.settings`: the function's environment as typed settings;
* :mod:`.data`: the data bucket as the run uses it (whole objects with their ETags, listings);
* :mod:`.grading`: per test past its deadline, what to read and score; the scoring of its submissions;
* :mod:`.ledger`: the exactly-once email ledger (the sending lease, claims, batches, reading it back);
* :mod:`.sending`: the student emails, paced across threads to SES's quota and the time budget;
* :mod:`.summary`: the trainer's summary and the ledger of the tests it covered;
* :mod:`.handover`: what one invocation hands to the next when its time runs out;
* :mod:`.failures`: the kinds of failure a run reports, and the thread-safe list of them;
* :mod:`.run`: the orchestration of those parts.

The records the scorer keeps under ``scorer/`` are read and written by
:mod:`testtime.documents.scorer_records`, their keys are in :mod:`testtime.layout`.
"""
