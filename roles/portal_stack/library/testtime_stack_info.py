#!/usr/bin/python
"""Documentation of the testtime_stack_info action (action_plugins/testtime_stack_info.py does the work on the
controller: this file only describes it to ansible-doc and ansible-lint)."""

DOCUMENTATION = r"""
module: testtime_stack_info
short_description: The status, outputs and parameters of some CloudFormation stacks.
options:
  stacks: {description: The stacks (a missing one is left out)., required: true, type: list, elements: str}
  region: {description: The AWS region (endpoint and credentials come from the environment)., required: true, type: str}
"""

RETURN = r"""
stacks: {description: "Per stack that exists: status, outputs and parameters (dicts).", type: dict, returned: success}
"""
