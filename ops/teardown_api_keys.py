"""The students' and the trainer's API keys, for ``./remove-api-gateway.sh --purge-data`` (roles/teardown's action
plugins call this in Ansible's own process).

The keys are no stack's: ``ops.apikeys`` creates them when publishing and tags them with their role and project.
A remove that keeps the data keeps them too, since ``studentsList.json`` identifies each student by their key's
digest; a purge deletes them with the class list. Only this project's keys are touched (``ops.apikeys``'s
``testtime:project`` tag, so a copy named ``testtime-smoke-x`` never deletes the trainer's ``testtime-*`` keys),
never a value printed. DeleteApiKey's quota is 5 a second (ops.aws_clients paces it): 500 keys take ~100 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from ops.apikeys import project_keys
from ops.deployment import DeploymentError, load_settings, project_name
from ops.i18n import TRAINER
from ops.progress import Progress, Say, to_stderr
from testtime.i18n import DEFAULT_LANGUAGE, use_language

_ = TRAINER.gettext


def managed_keys(apigateway: Any, project: str | None = None) -> list[dict[str, Any]]:
    """The keys ops.apikeys made for ``project`` (default: project_name), by name."""
    return sorted(project_keys(apigateway, project or project_name()), key=lambda item: item["name"])


def delete_keys(apigateway: Any, keys: Sequence[dict[str, Any]], *, say: Say = to_stderr) -> int:
    deleted = 0
    progress = Progress(_("API keys deleted"), len(keys), say)
    for key in keys:
        try:
            apigateway.delete_api_key(apiKey=key["id"])
            deleted += 1
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NotFoundException":  # gone meanwhile
                raise
        progress.step()
    return deleted


def delete_keys_in_class_language(apigateway: Any, keys: Sequence[dict[str, Any]], *, say: Say = to_stderr) -> int:
    """``delete_keys`` with its progress lines in the class's language."""
    try:
        language = load_settings().language
    except DeploymentError:  # a teardown goes on whatever the settings say: in English then
        language = DEFAULT_LANGUAGE
    with use_language(language):
        return delete_keys(apigateway, keys, say=say)
