# syntax=docker/dockerfile:1
# Vigil collector image, built from the monorepo root:
#   docker build -f deploy/docker/collector.Dockerfile -t vigil/collector:0.1.0 .
# Run (tokens are required; the database lives in the /var/lib/vigil volume):
#   docker run -p 7070:7070 -p 8080:8080 -v vigil-data:/var/lib/vigil vigil/collector:0.1.0 \
#     --agent-token "$AGENT_TOKEN" --api-token "$API_TOKEN"

ARG NODE_IMAGE=node:20-slim

FROM ${NODE_IMAGE} AS build
# sqlite3 has no reachable prebuilt binary and compiles from source.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Manifests first: the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY proto/package.json proto/
COPY agent/package.json agent/
COPY collector/package.json collector/
# --ignore-scripts: the root "prepare" script would build before the sources are copied; sqlite3's
# own build script is then run explicitly.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild sqlite3
COPY tsconfig.base.json tsconfig.json ./
COPY proto/ proto/
COPY agent/ agent/
COPY collector/ collector/
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# The launcher's first line (`env -S ...`) is not read when node runs it: its environment and flags, again.
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=262144 NODE_OPTIONS=--max-semi-space-size=32
WORKDIR /opt/vigil
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/proto/package.json proto/
COPY --from=build /src/proto/dist proto/dist
COPY --from=build /src/collector/package.json collector/
COPY --from=build /src/collector/bin collector/bin
COPY --from=build /src/collector/dist collector/dist
RUN mkdir -p /var/lib/vigil /etc/vigil && chown node:node /var/lib/vigil
# The unprivileged user of the base image (uid 1000).
USER node
VOLUME ["/var/lib/vigil"]
EXPOSE 7070 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/opt/vigil/collector/bin/vigil-collector.js"]
# Defaults for a plain `docker run`; the Helm chart passes its own arguments (--config ...).
CMD ["--db", "/var/lib/vigil/vigil.db", "--grpc-listen", "0.0.0.0:7070", "--http-listen", "0.0.0.0:8080"]
