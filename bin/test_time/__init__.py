"""Test Time's terminal client for students, split by what each part does (bin/test_time_client.py runs it).

Python 3.8+ standard library only: the client ships alone, without the service's packages.

* ``i18n``       the texts in the class's language (gettext over ``locale/``, domain "client")
* ``outcomes``   the exit statuses and the two exceptions that end a run
* ``ids``        the id rule (a copy of the service's ``testtime.layout.SAFE_ID``)
* ``settings``   the config file: where it is, reading, checking and writing it
* ``api``        the HTTP client of the routes
* ``deadlines``  dates in words, a deadline and how long until it closes ("closes in 2 days")
* ``console``    prompts and output, with control characters made visible
* ``taking``     the listing, the menus, the questions, the review
* ``answers``    a question's choices and points, and the answer typed for it (``a,c`` for several)
* ``history``    ``--history``: the submitted tests, their scores and the review of each question
* ``first_run``  the first run in a terminal: ask for the URL and the key, check them, save them; a refused key
                 asked again alone
* ``main``       the options and the run
"""
