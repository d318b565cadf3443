"""The pieces of ``bin/smoke-test.sh`` (``ops.smoke_test``): the step runner, the steps, and the checks."""
