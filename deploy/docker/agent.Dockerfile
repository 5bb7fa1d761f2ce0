# syntax=docker/dockerfile:1
# Vigil agent image, built from the monorepo root:
#   docker build -f deploy/docker/agent.Dockerfile -t vigil/agent:0.1.0 .
# Run on a host, measuring the host (not the container) through read-only mounts:
#   docker run -d --name vigil-agent \
#     -v /:/host/root:ro,rslave -v vigil-spool:/var/lib/vigil-agent \
#     -e VIGIL_TOKEN="$AGENT_TOKEN" vigil/agent:0.1.0 --collector collector.example.com:7070 --host-root /host/root

ARG NODE_IMAGE=node:20-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY proto/package.json proto/
COPY agent/package.json agent/
COPY collector/package.json collector/
# --ignore-scripts: the root "prepare" script would build before the sources are copied. The agent
# has no native dependencies, so no install script is needed (sqlite3 is the collector's).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY proto/ proto/
COPY agent/ agent/
COPY collector/ collector/
RUN npm run generate -w @vigil/proto \
 && npx tsc --build proto agent \
 && npm run bundle -w @vigil/agent \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/sqlite3

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /opt/vigil
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/proto/package.json proto/
COPY --from=build /src/proto/dist proto/dist
COPY --from=build /src/agent/package.json agent/
COPY --from=build /src/agent/bin agent/bin
COPY --from=build /src/agent/dist agent/dist
RUN mkdir -p /var/lib/vigil-agent/spool /etc/vigil && chown -R node:node /var/lib/vigil-agent
# The unprivileged user of the base image (uid 1000). Host metrics come from world-readable procfs/sysfs files.
USER node
VOLUME ["/var/lib/vigil-agent"]
# The launcher's first line (`env -S node ...`) is not read when node runs it: its flags again, on node's command line
# (NODE_OPTIONS refuses V8 flags such as --no-opt; without them the launcher sets them itself, loading node:v8).
ENTRYPOINT ["node", "--max-semi-space-size=1", "--no-opt", "--no-maglev", "--memory-reducer-single-gc", "--gc-memory-reducer-start-delay-ms=3000", "--no-short-builtin-calls", "/opt/vigil/agent/bin/vigil-agent.js"]
CMD ["--spool-dir", "/var/lib/vigil-agent/spool"]
