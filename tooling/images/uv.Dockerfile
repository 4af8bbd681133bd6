# Stand-in for ghcr.io/astral-sh/uv:<version>: the two static binaries on an empty image.
FROM scratch
COPY uv uvx /
ENTRYPOINT ["/uv"]
