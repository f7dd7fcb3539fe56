// The emulator's public surface: what tests, the demo, benchmarks and the CLI use.

export { type EmulatorCommandOptions, runEmulatorCommand } from './command.js';
export { type Fault, faultSchema, fixtureSchema, type TenantFixture } from './fixture-schema.js';
export {
  GRAPH_PAGE_LIMITS,
  type PageLimitOptions,
  type PageLimits,
  pageLimitsFor,
  pagesNeeded,
  SIGN_IN_ACTIVITY_MAX_PAGE,
} from './graph-limits.js';
export { ALERT_WRITE_PERMISSION, MAIL_SEND_PERMISSION } from './graph-permissions.js';
export { MAX_BATCH_REQUESTS } from './json-batch.js';
export { loadFixture, parseFixture, resolveFixtureArg } from './load-fixture.js';
export { MAX_IN_VALUES } from './odata-filter.js';
export type { EmulatorStats } from './request-stats.js';
export type { MailMessage, SentMail } from './send-mail.js';
export {
  EMULATOR_DEFAULT_CLIENT_ID,
  type EmulatorOptions,
  type EmulatorSettings,
  type EmulatorTenant,
  type RunningEmulator,
  startEmulator,
} from './server.js';
export { directoryBucketSize, resourceUnitCost, type ThrottleOptions } from './throttle.js';
