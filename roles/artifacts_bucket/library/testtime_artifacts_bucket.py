#!/usr/bin/python
"""Documentation of the testtime_artifacts_bucket action (action_plugins/testtime_artifacts_bucket.py does the
work on the controller: this file only describes it to ansible-doc and ansible-lint)."""

DOCUMENTATION = r"""
module: testtime_artifacts_bucket
short_description: The artifacts bucket, encrypted, versioned, private, HTTPS only, with its lifecycle rule.
description:
  - Creates the bucket when missing, then sets each property (AES256 default encryption, versioning, the public
    access block, the tags, the bucket policy, one lifecycle rule) only where it differs (ops/artifacts_bucket.py).
  - Check mode names the changes and makes none.
options:
  name: {description: The bucket., required: true, type: str}
  region: {description: Its region (endpoint and credentials come from the environment)., required: true, type: str}
  tags: {description: The bucket's tags (exactly these)., type: dict, default: {}}
  policy: {description: The bucket policy (JSON text or a dict)., required: true, type: raw}
  rule_id: {description: The lifecycle rule's id (other rules are kept)., required: true, type: str}
  noncurrent_version_expiration_days: {description: Days an old version is kept., required: true, type: int}
  abort_incomplete_multipart_upload_days: {description: Days to abort an upload after., required: true, type: int}
"""

RETURN = r"""
changes: {description: The properties set (or that would be)., type: list, elements: str, returned: success}
"""
