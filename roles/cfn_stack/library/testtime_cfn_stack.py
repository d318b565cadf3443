#!/usr/bin/python
"""Documentation of the testtime_cfn_stack action (action_plugins/testtime_cfn_stack.py does the work on the
controller, as ansible.builtin.debug's action does: this file only describes it to ansible-doc and ansible-lint)."""

DOCUMENTATION = r"""
module: testtime_cfn_stack
short_description: Render a stack's Jinja2 template and create or update the CloudFormation stack, in one process.
description:
  - Renders the template (as ansible.builtin.template would) and names it after its content, deletes a stack
    left in ROLLBACK_COMPLETE, uploads the template unless its key exists, creates or updates the stack and
    waits, enables termination protection when asked, and saves the outputs (ops/cfn_deploy.py).
  - A failure's message names the failing resources and their reasons, from the stack's events.
  - In check mode it renders and looks the stack up (status_before, stack_outputs, testtime_preview); nothing
    changes in AWS.
options:
  stack_name: {description: The stack's name., required: true, type: str}
  template_src: {description: The Jinja2 template., required: true, type: path}
  template_dest: {description: Where the rendered template is written., required: true, type: path}
  bucket: {description: The artifacts bucket., type: str}
  bucket_url: {description: The URL of that bucket (the template's URL is it and the key)., type: str}
  parameters: {description: Template parameters (name to value)., type: dict, default: {}}
  capabilities: {description: The capabilities the template needs., type: list, elements: str, default: []}
  tags: {description: Stack tags., type: dict, default: {}}
  termination_protection: {description: Protect the stack from deletion once it exists., type: bool, default: false}
  outputs_file: {description: Where the outputs are saved as JSON., required: true, type: path}
  events_shown: {description: How many failed resource events a failure names., type: int, default: 10}
  region: {description: The AWS region (endpoint and credentials come from the environment)., required: true, type: str}
"""

RETURN = r"""
status_before: {description: The stack's status before (ABSENT when there was none)., type: str, returned: always}
status: {description: Its status after., type: str, returned: success}
action: {description: create, update or none., type: str, returned: success}
stack_outputs: {description: The stack's outputs., type: dict, returned: success}
template_key: {description: The template's content-hash key in the artifacts bucket., type: str, returned: success}
template_path: {description: The rendered template., type: str, returned: success}
testtime_preview: {description: What a deploy would send (for ops/deploy_preview.py)., type: dict, returned: check mode}
failing_resources: {description: The failed resource events, one line each., type: list, returned: failure}
"""
