"""The Test Time web portal: server-rendered pages over the REST API, for students and the trainer.

The app factory is :func:`portal.app.create_app` (``gunicorn 'portal.app:create_app()'``). The portal holds no
business logic: every decision (who the key belongs to, which tests are open, what a valid answer is) is the API's.
"""
