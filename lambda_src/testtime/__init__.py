"""Test Time: the Lambda package (pure domain modules, the S3 adapter and the handlers)."""
