#!/usr/bin/python
"""Documentation of the testtime_cfn_template action (action_plugins/testtime_cfn_template.py renders on the
controller: this file only describes it to ansible-doc and ansible-lint)."""

DOCUMENTATION = r"""
module: testtime_cfn_template
short_description: Render a Jinja2 CloudFormation template to a file, as ansible.builtin.template would.
description:
  - Renders with the task's variables (trim_blocks and lstrip_blocks on) and writes the file only when its
    content changed; in check mode too.
options:
  src: {description: The Jinja2 template., required: true, type: path}
  dest: {description: The rendered file., required: true, type: path}
"""

RETURN = r"""
dest: {description: The rendered file., type: str, returned: always}
checksum: {description: SHA-256 of the rendered file., type: str, returned: always}
"""
