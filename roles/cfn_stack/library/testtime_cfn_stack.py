#!/usr/bin/python
"""Documentation of the testtime_cfn_stack action (action_plugins/testtime_cfn_stack.py does the work on the
controller, as ansible.builtin.debug's action does: this file only describes it to ansible-doc and ansible-lint)."""

DOCUMENTATION = r"""
module: testtime_cfn_stack
short_description: Create or update one CloudFormation stack from its rendered template, in one process.
description:
  - Deletes a stack left in ROLLBACK_COMPLETE, uploads the template unless its key exists, creates or updates
    the stack and waits, enables termination protection when asked, and saves the outputs (ops/cfn_deploy.py).
  - In check mode it only looks the stack up (status_before, stack_outputs); nothing changes.
options:
  stack_name: {description: The stack's name., required: true, type: str}
  template_path: {description: The rendered template., required: true, type: path}
  template_key: {description: Its content-hash key in the artifacts bucket., required: true, type: str}
  bucket: {description: The artifacts bucket., type: str}
  template_url: {description: The template's URL in that bucket., type: str}
  parameters: {description: Template parameters (name to value)., type: dict, default: {}}
  capabilities: {description: The capabilities the template needs., type: list, elements: str, default: []}
  tags: {description: Stack tags., type: dict, default: {}}
  termination_protection: {description: Protect the stack from deletion once it exists., type: bool, default: false}
  outputs_file: {description: Where the outputs are saved as JSON., required: true, type: path}
  region: {description: The AWS region (endpoint and credentials come from the environment)., required: true, type: str}
"""

RETURN = r"""
status_before: {description: The stack's status before (ABSENT when there was none)., type: str, returned: always}
status: {description: Its status after., type: str, returned: success}
action: {description: create, update or none., type: str, returned: success}
stack_outputs: {description: The stack's outputs., type: dict, returned: success}
"""
