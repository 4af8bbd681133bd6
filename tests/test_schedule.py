"""The job's schedule answer reaches every deployment form as one text, in one time zone."""

from __future__ import annotations

import re

import yaml

from extensions import context
from tooling.answers import complete_answers

# Two spaces on purpose: every place must print the one normalised text context.py derives.
ANSWER = "*/30  2-4 * * MON-FRI"
SCHEDULE = "*/30 2-4 * * MON-FRI"
# The image's own uid owns none of the files to prune: the crontab runs the job as its owner.
RUN_AS_CRONTAB_OWNER = 'docker compose -f compose.prod.yaml run --rm --user "$(id -u):$(id -g)" app'


def test_schedule_is_derived_once_with_its_time_zone_and_host_crontab_line():
    derived = context.derive(
        complete_answers(project_slug="sweeper", package_name="sweeper", app_kind="job", schedule=ANSWER)
    )
    assert derived["cron_schedule"] == SCHEDULE
    assert derived["schedule_time_zone"] == "Etc/UTC"
    assert derived["host_crontab_line"].startswith(f"{SCHEDULE} ")
    assert derived["host_crontab_line"].endswith(f" && {RUN_AS_CRONTAB_OWNER}")


def test_every_printed_schedule_is_the_same_text(render):
    project = render(app_kind="job", with_kubernetes=True, schedule=ANSWER)
    cronjob = yaml.safe_load(project.read("k8s/cronjob.yaml"))
    assert cronjob["spec"]["schedule"] == SCHEDULE
    assert cronjob["spec"]["timeZone"] == "Etc/UTC"
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    readme = project.read("README.md")
    crontab = re.search(r"```crontab\n(.*?)```", readme, re.DOTALL)
    assert crontab, "the README shows no host crontab for compose users"
    lines = crontab.group(1).splitlines()
    assert lines == ["CRON_TZ=Etc/UTC", f"{SCHEDULE} {lines[1][len(SCHEDULE) + 1 :]}"]
    assert lines[1].endswith(f" && {RUN_AS_CRONTAB_OWNER}")
    printed = {
        "README": readme,
        "k8s/cronjob.yaml": project.read("k8s/cronjob.yaml"),
        "job.py": next(project.path.glob("src/*/job.py")).read_text(),
    }
    for name, text in printed.items():
        assert SCHEDULE in text, f"{name} does not print the schedule"
        assert ANSWER not in text, f"{name} prints the unnormalised answer"
