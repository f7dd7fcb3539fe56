# pimwatch: worker by default; `serve` for the HTTP API. Build: docker build -t pimwatch .
# Stage 1 compiles TypeScript; stage 2 installs production dependencies only; the final image holds
# the compiled code, those dependencies and the bundled demo tenant, and runs as the unprivileged user.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# `scan --demo` and `emulator --fixture demo` read the bundled demo tenant.
COPY fixtures/demo ./fixtures/demo
USER node
# Node receives SIGTERM directly (no shell, no npm wrapper), so the worker shuts down gracefully.
ENTRYPOINT ["node", "dist/main.js"]
CMD ["worker"]
