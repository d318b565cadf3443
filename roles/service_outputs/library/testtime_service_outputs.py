#!/usr/bin/python
"""Documentation of the testtime_service_outputs action (action_plugins/testtime_service_outputs.py does the work
on the controller: this file only describes it to ansible-doc and ansible-lint)."""

DOCUMENTATION = r"""
module: testtime_service_outputs
short_description: Merge the saved outputs of the stacks into one JSON file for the other scripts.
options:
  stacks_dir: {description: "Where the stacks' outputs are saved (<stack>.json).", required: true, type: path}
  stacks: {description: The stacks merged (a later one wins)., required: true, type: list, elements: str}
  dest: {description: The merged file (written only when its content changes)., required: true, type: path}
  extra: {description: More keys for the file., type: dict, default: {}}
  local_endpoint: {description: "The embedded AWS's endpoint: ApiUrl then points at it.", type: str, default: ""}
"""

RETURN = r"""
service_outputs: {description: The merged outputs., type: dict, returned: success}
"""
