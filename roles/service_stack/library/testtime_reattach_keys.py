#!/usr/bin/python
"""Documentation of the testtime_reattach_keys action (action_plugins/testtime_reattach_keys.py does the work on
the controller: this file only describes it to ansible-doc and ansible-lint)."""

DOCUMENTATION = r"""
module: testtime_reattach_keys
short_description: Attach every enabled student and trainer API key of the project that the usage plan lacks.
description:
  - A remove that keeps the data keeps the keys but deletes the usage plan with the service stack; this attaches
    them to the new one (ops/apikeys.py reattach_enabled_keys). Check mode names them and attaches none.
options:
  usage_plan_id: {description: The service stack's usage plan., required: true, type: str}
  project: {description: The deployment's project_name (its keys' name prefix)., required: true, type: str}
  region: {description: The AWS region (endpoint and credentials come from the environment)., required: true, type: str}
"""

RETURN = r"""
attached: {description: The keys' names attached (or that would be)., type: list, elements: str, returned: success}
"""
