# Stand-in for python:<version>-slim / python:<version>, from the Debian suite that ships that interpreter.
ARG ROOT_IMAGE
FROM ${ROOT_IMAGE}
ARG PYTHON_MINOR
ARG EXTRA_PACKAGES=""
COPY ca-certificates.crt /usr/local/share/host-ca-bundle.crt
# The official image's pip installs anywhere; Debian marks its interpreter externally managed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends "python${PYTHON_MINOR}" "python${PYTHON_MINOR}-venv" python3-pip ${EXTRA_PACKAGES} \
    && rm -rf /var/lib/apt/lists/* \
    && for name in python python3 "python${PYTHON_MINOR}"; do ln -sf "/usr/bin/python${PYTHON_MINOR}" "/usr/local/bin/${name}"; done \
    && rm -f /usr/lib/python3*/EXTERNALLY-MANAGED \
    && for name in pip pip3 "pip${PYTHON_MINOR}"; do \
         printf '#!/bin/sh\nexec /usr/bin/python%s -m pip "$@"\n' "${PYTHON_MINOR}" > "/usr/local/bin/${name}"; \
         chmod 755 "/usr/local/bin/${name}"; \
       done \
    && python3 --version && pip --version
# This machine's egress re-signs TLS: its CA joins the system store, as on a machine behind such a proxy.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 \
    PIP_CERT=/usr/local/share/host-ca-bundle.crt \
    SSL_CERT_FILE=/usr/local/share/host-ca-bundle.crt \
    REQUESTS_CA_BUNDLE=/usr/local/share/host-ca-bundle.crt
CMD ["python3"]
