#!/usr/bin/python
"""Documentation of the testtime_lambda_package action (action_plugins/testtime_lambda_package.py does the work
on the controller: this file only describes it to ansible-doc and ansible-lint)."""

DOCUMENTATION = r"""
module: testtime_lambda_package
short_description: Build the Lambda zip deterministically and upload it under its content-hash key.
description:
  - The same source gives the same bytes and the same key (ops/package_lambda.py); the upload is skipped when
    the key exists. Check mode builds the zip (a build artefact) and uploads nothing.
options:
  src: {description: The folder zipped., required: true, type: path}
  build_dir: {description: Where the zip is written., required: true, type: path}
  name: {description: The zip's base name., required: true, type: str}
  bucket: {description: The artifacts bucket., required: true, type: str}
  region: {description: The AWS region (endpoint and credentials come from the environment)., required: true, type: str}
"""

RETURN = r"""
package: {description: "path, sha256, s3_key, created, size (ops/package_lambda.py).", type: dict, returned: success}
uploaded: {description: Whether the zip was uploaded., type: bool, returned: success}
"""
