# Stand-in for python:<version>-slim / python:<version>, from a source-built CPython at its build prefix.
ARG ROOT_IMAGE
FROM ${ROOT_IMAGE}
ARG PYTHON_PREFIX
ARG PYTHON_FULL_VERSION
ARG PYTHON_MINOR
COPY ca-certificates.crt /usr/local/share/host-ca-bundle.crt
COPY python/ ${PYTHON_PREFIX}/
# The prefix sits under /root; an arbitrary uid must be able to reach it, as it can reach /usr/local.
RUN chmod 755 /root /root/.pyenv /root/.pyenv/versions \
    && for name in python python3 "python${PYTHON_MINOR}" pip pip3 "pip${PYTHON_MINOR}"; do \
         target="${PYTHON_PREFIX}/bin/${name}"; [ -e "$target" ] || target="${PYTHON_PREFIX}/bin/python3"; \
         ln -sf "$target" "/usr/local/bin/${name}"; \
       done \
    && python3 --version && pip --version
# This machine's egress re-signs TLS: its CA joins the system store, as on a machine behind such a proxy.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 \
    PYTHON_VERSION=${PYTHON_FULL_VERSION} \
    PIP_CERT=/usr/local/share/host-ca-bundle.crt \
    SSL_CERT_FILE=/usr/local/share/host-ca-bundle.crt \
    REQUESTS_CA_BUNDLE=/usr/local/share/host-ca-bundle.crt
CMD ["python3"]
