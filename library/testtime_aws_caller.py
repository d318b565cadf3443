#!/usr/bin/python
"""Documentation of the testtime_aws_caller action (action_plugins/testtime_aws_caller.py does the work on the
controller: this file only describes it to ansible-doc and ansible-lint)."""

DOCUMENTATION = r"""
module: testtime_aws_caller
short_description: The account, ARN and partition of the identity we deploy as (STS GetCallerIdentity).
description:
  - Used by the deploy (the artifacts bucket's name holds the account id) and the remove. Changes nothing.
options:
  region: {description: The AWS region (endpoint and credentials come from the environment)., required: true, type: str}
"""

RETURN = r"""
account: {description: The account id., type: str, returned: success}
arn: {description: The caller's ARN., type: str, returned: success}
partition: {description: The ARN's partition (aws, aws-cn, ...)., type: str, returned: success}
"""
