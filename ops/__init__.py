"""Trainer-side tools: content loading and validation, publishing, API keys.

They reuse the Lambda package's pure modules (``testtime.layout``, ``testtime.deadlines``, ``testtime.s3io``), so
``lambda_src`` must be on the import path (``bin/lib/common.sh`` puts it on ``PYTHONPATH`` before it hands over
to ``python -m ops``).
"""
