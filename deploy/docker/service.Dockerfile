# syntax=docker/dockerfile:1
# One Dockerfile for every service; the build context is the repository root:
#
#   docker build -f deploy/docker/service.Dockerfile \
#     --build-arg SERVICE=routing-service --build-arg PACKAGE=routing_service \
#     --build-arg ENV_PREFIX=ROUTING_ -t egov-platform/routing-service:dev .
#
# The image runs `python -m <PACKAGE> <command>`: pass the package and the command, e.g.
#   docker run IMAGE routing_service serve --no-workers     (HTTP on 0.0.0.0:8000)
#   docker run IMAGE routing_service worker                 (outbox relay and consumers)
#   docker run IMAGE routing_service migrate                (a one-shot; a k8s Job)
# Settings come from the environment with the service's prefix (ROUTING_DATABASE_URL, ...).

FROM python:3.11-slim AS builder

# uv comes from PyPI (pinned like the Makefile's UV_VERSION): no other registry is needed.
ARG UV_VERSION=0.13.8
RUN pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}"

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv

WORKDIR /src

# Step 1: third-party dependencies only, from the lock. `--locked` needs every workspace member's
# pyproject.toml, and nothing else, so this layer is rebuilt only when a dependency changes.
COPY pyproject.toml uv.lock .python-version ./
COPY libs/kit-contracts/pyproject.toml libs/kit-contracts/
COPY libs/kit-core/pyproject.toml libs/kit-core/
COPY libs/kit-db/pyproject.toml libs/kit-db/
COPY libs/kit-bus/pyproject.toml libs/kit-bus/
COPY services/identity-service/pyproject.toml services/identity-service/
COPY services/routing-service/pyproject.toml services/routing-service/
COPY services/docs-service/pyproject.toml services/docs-service/
COPY services/notify-service/pyproject.toml services/notify-service/
COPY services/egov-gateway/pyproject.toml services/egov-gateway/
COPY deploy/embedded/pyproject.toml deploy/embedded/

ARG SERVICE
RUN --mount=type=cache,target=/root/.cache/uv \
    test -n "${SERVICE}" && \
    uv sync --locked --no-install-workspace --package "${SERVICE}" --no-dev

# Step 2: the libs and this one service, installed as wheels (no editable links into /src).
COPY libs/ libs/
COPY services/${SERVICE}/ services/${SERVICE}/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --package "${SERVICE}" --no-dev --no-editable


FROM python:3.11-slim AS runtime

ARG SERVICE
ARG PACKAGE
ARG ENV_PREFIX

# A fixed numeric uid so Kubernetes can verify runAsNonRoot.
RUN test -n "${SERVICE}" && test -n "${PACKAGE}" && test -n "${ENV_PREFIX}" \
    && groupadd --system --gid 10001 egov \
    && useradd --system --uid 10001 --gid egov --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin egov

# Owned by root and not writable by the service user; nothing in the image needs writing
# (bytecode is compiled at build time), so the root filesystem can be mounted read-only.
COPY --from=builder /app/.venv /app/.venv
COPY deploy/docker/healthcheck.py /app/healthcheck.py
# Fail the build, not the first start, when SERVICE and PACKAGE do not belong together.
RUN /app/.venv/bin/python -c "import ${PACKAGE}.__main__"

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SERVICE_NAME=${SERVICE} \
    SERVICE_PACKAGE=${PACKAGE} \
    SERVICE_ENV_PREFIX=${ENV_PREFIX} \
    ${ENV_PREFIX}HOST=0.0.0.0 \
    ${ENV_PREFIX}PORT=8000

LABEL org.opencontainers.image.title="${SERVICE}" \
      org.opencontainers.image.description="${SERVICE} of the e-government document platform"

WORKDIR /app
USER 10001:10001
EXPOSE 8000

# Fits `serve`; the worker and the migration have no HTTP server (compose disables it there).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/healthcheck.py"]

ENTRYPOINT ["python", "-m"]
