# syntax=docker/dockerfile:1.7
# Anchorage API: REST /v1 + dashboard on :8080, gRPC coordinator on :50051. Applies pending SQL
# migrations at start, so no separate migration job is needed.
#
#   docker build -f infra/docker/api.Dockerfile -t anchorage/api:0.1.0 .     # from the repository root
#
# The build and layout stages are the same in all three Dockerfiles, so BuildKit builds them once.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: install every workspace, compile (tsc + vite), then drop dev dependencies ----------
FROM ${NODE_IMAGE} AS build
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
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    ANCHORAGE_HOST=0.0.0.0 \
    ANCHORAGE_PORT=8080 \
    ANCHORAGE_GRPC_HOST=0.0.0.0 \
    ANCHORAGE_GRPC_PORT=50051 \
    ANCHORAGE_ARTIFACTS_DIR=/data/artifacts \
    ANCHORAGE_DATA_DIR=/data/pglite
WORKDIR /app
# Code stays root-owned and read-only to the process; only /data is writable (uid 1000 = `node`).
COPY --from=layout /out/ /app/
COPY infra/docker/healthcheck.mjs /opt/anchorage/healthcheck.mjs
RUN mkdir -p /data/artifacts /data/pglite && chown -R 1000:1000 /data \
    && printf '#!/bin/sh\nexec node /app/packages/cli/bin/anchorage.js "$@"\n' > /usr/local/bin/anchorage \
    && chmod 0755 /usr/local/bin/anchorage
USER 1000:1000
EXPOSE 8080 50051
# SIGTERM: Nest's shutdown hooks close HTTP, gRPC, queues and the database.
STOPSIGNAL SIGTERM
# Liveness only; orchestrators check readiness (/readyz: Postgres and Redis answer) themselves.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD node /opt/anchorage/healthcheck.mjs "http://127.0.0.1:${ANCHORAGE_PORT}/healthz"
CMD ["node", "apps/api/dist/main.js"]
