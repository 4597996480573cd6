# syntax=docker/dockerfile:1.7
# Anchorage GPU worker: TensorFlow.js on native TensorFlow with CUDA (@tensorflow/tfjs-node-gpu).
# Health and Prometheus metrics on :9464. Run it with the NVIDIA container runtime
# (`docker run --gpus all`, compose `deploy.resources.reservations.devices`, or the Kubernetes
# device plugin); the driver, libcuda and nvidia-smi come from the host.
#
#   docker build -f infra/docker/worker-gpu.Dockerfile -t anchorage/worker-gpu:0.1.0 .   # from the repository root
#
# Version pairing (check it again before changing any of the three ARGs below):
# - TFJS_VERSION must equal the @tensorflow/tfjs-core version pinned in packages/ml/package.json, so
#   that npm dedupes tfjs-core and the 'tensorflow' backend registers on the instance packages/ml
#   uses (test/infra.test.ts checks the pin).
# - tfjs-node(-gpu) 4.x downloads libtensorflow 2.9.1 (GPU build for linux x86_64), which TensorFlow
#   built against CUDA 11.2 and cuDNN 8.1. Any CUDA 11.x runtime >= 11.2 with cuDNN 8.x serves it
#   (CUDA minor-version compatibility; sonames libcudart.so.11.0, libcudnn.so.8). CUDA 12 / cuDNN 9
#   images do NOT work: libtensorflow looks for the .11 / .8 sonames and, not finding them, runs on
#   the CPU with only a warning (the worker still says tensorflow-gpu): read a new image's first
#   log lines for "Created device /job:localhost/.../device:GPU:0".
# - 11.8 is the newest CUDA 11 image and the first to know Ada/Hopper. TF 2.9 predates them, so on
#   those GPUs the driver JIT-compiles its PTX on first start (minutes, cached in CUDA_CACHE_PATH).
ARG NODE_IMAGE=node:20-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04
ARG TFJS_VERSION=4.22.0

# Node 20 comes from the official image (its binaries need glibc >= 2.28; Ubuntu 22.04 has 2.35).
FROM ${NODE_IMAGE} AS node

# ---- CUDA runtime + cuDNN with Node 20 -------------------------------------------------------
FROM ${CUDA_IMAGE} AS cuda-node
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
    && apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && node --version && npm --version

# ---- build: on the runtime's OS, so the native addon matches its glibc ------------------------
FROM cuda-node AS build
# node-gyp needs these when no prebuilt tfjs-node addon matches this Node's N-API version.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Manifests first: the `npm ci` layer is reused until a dependency changes.
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/proto/package.json packages/proto/
COPY packages/db/package.json packages/db/
COPY packages/ml/package.json packages/ml/
COPY packages/sdk/package.json packages/sdk/
COPY packages/cli/package.json packages/cli/
# npm links the CLI's bin while installing; its target has to exist by then.
COPY packages/cli/bin packages/cli/bin
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY apps/web/package.json apps/web/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund
# After the prune (which would remove it as extraneous). Its install script downloads libtensorflow
# (GPU) and the prebuilt addon from storage.googleapis.com; --foreground-scripts shows that in the
# build log. packages/ml imports it dynamically, so it stays out of package.json.
ARG TFJS_VERSION
RUN npm install --no-save --omit=dev --no-audit --no-fund --foreground-scripts \
      "@tensorflow/tfjs-node-gpu@${TFJS_VERSION}" \
    && test -n "$(ls node_modules/@tensorflow/tfjs-node-gpu/deps/lib/libtensorflow.so* 2>/dev/null)" \
    && node -e " \
      const { dirname } = require('node:path'); \
      const gpu = dirname(require.resolve('@tensorflow/tfjs-node-gpu/package.json')); \
      const ours = require.resolve('@tensorflow/tfjs-core'); \
      const theirs = require.resolve('@tensorflow/tfjs-core', { paths: [gpu] }); \
      if (ours !== theirs) { console.error('tfjs-core is not deduped:', ours, theirs); process.exit(1); } \
      console.log('tfjs-node-gpu', require('@tensorflow/tfjs-node-gpu/package.json').version, 'shares', ours);"

# ---- layout: only what runs: compiled workspaces, production node_modules, proto, migrations ---
FROM build AS layout
# Workspaces are linked from node_modules/@anchorage/* (relative symlinks, kept by cp -a); a
# workspace may also hold nested node_modules of its own (packages/db does). packages/db finds
# prisma/migrations by walking up from its dist/, packages/proto loads ../../../proto at run time.
RUN set -eu; mkdir -p /out/prisma; \
    cp -a package.json package-lock.json node_modules proto /out/; \
    cp -a prisma/migrations /out/prisma/; \
    for d in packages/* apps/api apps/worker; do \
      mkdir -p "/out/$d"; cp -a "$d/package.json" "$d/dist" "/out/$d/"; \
      if [ -d "$d/node_modules" ]; then cp -a "$d/node_modules" "/out/$d/"; fi; \
    done; \
    cp -a packages/cli/bin /out/packages/cli/; \
    mkdir -p /out/apps/web; cp -a apps/web/package.json apps/web/dist /out/apps/web/

# ---- runtime -------------------------------------------------------------------------------
FROM cuda-node AS runtime
RUN useradd --uid 1000 --user-group --no-create-home --shell /usr/sbin/nologin anchorage
# libtensorflow's INFO lines stay on (TF_CPP_MIN_LOG_LEVEL unset): "Created device ... GPU:0" is
# the proof that CUDA loaded.
ENV NODE_ENV=production \
    ANCHORAGE_WORKER_DEVICE=gpu \
    ANCHORAGE_TF_BACKEND=tensorflow-gpu \
    ANCHORAGE_WORKER_CONCURRENCY=1 \
    ANCHORAGE_WORKER_HEALTH_PORT=9464 \
    ANCHORAGE_ARTIFACTS_DIR=/data/artifacts
WORKDIR /app
# Code stays root-owned and read-only to the process; only /data is writable.
COPY --from=layout /out/ /app/
COPY infra/docker/healthcheck.mjs /opt/anchorage/healthcheck.mjs
RUN mkdir -p /data/artifacts && chown -R 1000:1000 /data \
    && printf '#!/bin/sh\nexec node /app/packages/cli/bin/anchorage.js "$@"\n' > /usr/local/bin/anchorage \
    && chmod 0755 /usr/local/bin/anchorage
USER 1000:1000
EXPOSE 9464
# SIGTERM: stop taking jobs, checkpoint running train/stitch attempts, hand them back as retryable,
# exit 0 (forced after 30 s). Give it longer than that: `docker stop -t 60`, compose
# stop_grace_period, Kubernetes terminationGracePeriodSeconds.
STOPSIGNAL SIGTERM
# 503 while registering with the coordinator and while libtensorflow initialises CUDA.
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
  CMD node /opt/anchorage/healthcheck.mjs "http://127.0.0.1:${ANCHORAGE_WORKER_HEALTH_PORT}/healthz"
# One process for the GPUs this container sees (Kubernetes: one GPU per pod). For one process per
# GPU in a multi-GPU container use the supervisor (one child per GPU via CUDA_VISIBLE_DEVICES):
#   command: node apps/worker/dist/supervisor.js  with ANCHORAGE_WORKER_PROCS=auto (or a number)
CMD ["node", "apps/worker/dist/main.js"]
