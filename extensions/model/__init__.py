"""The variant model, one module per axis; `extensions/context.py` derives every value from them.

versions      the pinned tools `python -m tooling.bump` moves
images        base images, flavours, digests, the uv and PostgreSQL images
commands      the kinds, and what each runs: runtime, dev, serve, setup, probes, exit codes
dependencies  what a project installs, per kind and Python, and how it locks it
kubernetes    names within Kubernetes limits, the schedule, manifests and policies
devloop       compose watch, the dev container, the justfile and pre-commit
files         which files a project has: the paths only some projects get, and the rule for each
"""
