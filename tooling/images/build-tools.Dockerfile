# The toolchain layer of python:<version> (buildpack-deps): compilers and common -dev headers.
ARG ROOT_IMAGE
FROM ${ROOT_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       build-essential pkg-config git curl libpq-dev libffi-dev libssl-dev zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
