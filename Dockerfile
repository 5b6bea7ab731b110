# ecsmon: one image for every role (controller, agent, sim, spec apply); the entrypoint is the `ecsmon` CLI.
# Builds with the legacy builder and BuildKit alike, and needs only the npm registry (no `# syntax=` frontend image).
# Where no container registry is reachable, scripts/images/build-standins.sh builds the node:24 base locally.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY cli ./cli
COPY lib ./lib
COPY crds-like-schemas ./crds-like-schemas
COPY controller ./controller
COPY agents ./agents
COPY sim ./sim
COPY charts ./charts
COPY bench ./bench
# bench/ imports two test helpers (a redis-server runner, until()); .dockerignore lets only test/helpers in.
COPY test/helpers ./test/helpers
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
# A fixed glibc mmap threshold keeps Node's 64 KiB socket buffers out of the brk heap, which otherwise fragments
# (~50 MB of the controller's RSS on large.yaml). Single source: lib/malloc-tuning.ts; see ADR 0012.
ENV MALLOC_MMAP_THRESHOLD_=65536
WORKDIR /app
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/crds-like-schemas/examples ./crds-like-schemas/examples
COPY --from=build /src/crds-like-schemas/generated ./crds-like-schemas/generated
COPY --from=build /src/sim/scenarios ./sim/scenarios
RUN ln -s /app/dist/cli/ecsmon.js /usr/local/bin/ecsmon \
 && mkdir -p /sd && chown node:node /sd
# /sd is the controller's file_sd directory (a named volume in docker-compose.yml inherits this ownership).
# The node image ships an unprivileged "node" user (uid 1000). The agent needs read access to the Docker socket:
# mount it read-only and add the socket's group (`--group-add <gid>`, compose `group_add`) rather than run as root
# (test/docker/compose.test.ts does exactly that).
USER node
EXPOSE 9470 9471 4566
ENTRYPOINT ["ecsmon"]
CMD ["--help"]
